#ifndef MTLS_TEST_SUPPORT_EXCHANGE_HPP
#define MTLS_TEST_SUPPORT_EXCHANGE_HPP

// The four-operation exchange the stream token tests run: handshake, the
// client writes `ping` and reads `pong`, the server the reverse, then both
// shut down. Include after <boost/test/unit_test.hpp>.

#include "support/bytes.hpp"

#include <mtls/error.hpp>

#include <cstddef>
#include <optional>
#include <string>

namespace mtls::test {

/// `n` bytes of pattern(n, seed) as a string.
inline std::string text(std::size_t n, unsigned seed)
{
    const auto b = mtls::test::pattern(n, seed);
    return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

// One record each way (below 2^14 bytes), so one read_some returns a whole
// message once its record is in.
inline const std::string ping = text(3000, 1);
inline const std::string pong = text(5000, 2);

/// What one end saw in the exchange.
struct end_result {
    std::optional<error_code> handshake, write, read, shutdown;
    std::size_t written = 0;
    std::string got;
};

/// Both ends completed every operation and got what the other sent.
inline void check_exchange(const end_result& client, const end_result& server)
{
    for (const end_result* r : {&client, &server}) {
        BOOST_TEST_REQUIRE(r->handshake.has_value());
        BOOST_TEST(r->handshake->message() == error_code{}.message());
        BOOST_TEST_REQUIRE(r->write.has_value());
        BOOST_TEST(r->write->message() == error_code{}.message());
        BOOST_TEST_REQUIRE(r->read.has_value());
        BOOST_TEST(r->read->message() == error_code{}.message());
        BOOST_TEST_REQUIRE(r->shutdown.has_value());
        BOOST_TEST(r->shutdown->message() == error_code{}.message());
    }
    BOOST_TEST(client.written == ping.size());
    BOOST_TEST(server.written == pong.size());
    BOOST_TEST((server.got == ping));
    BOOST_TEST((client.got == pong));
}

} // namespace mtls::test

#endif
