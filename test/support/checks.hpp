#ifndef MTLS_TEST_SUPPORT_CHECKS_HPP
#define MTLS_TEST_SUPPORT_CHECKS_HPP

// Readable comparisons of error codes and mtls values in Boost.Test
// assertions. Include after <boost/test/unit_test.hpp>.

#include "support/print.hpp"

#include <mtls/error.hpp>
#include <mtls/types.hpp>

#include <ostream>
#include <string>
#include <string_view>

namespace mtls::test {

/// "category: message", so failed comparisons show both codes readably.
inline std::string describe(const error_code& ec)
{
    if (!ec)
        return "success";
    return std::string(ec.category().name()) + ": " + ec.message();
}

/// `ec` without the detail some mtls codes carry (see mtls::error_cause):
/// what the MTLS_CHECK macros compare.
inline error_code cause_code(const error_code& ec)
{
    return ec.category() == ::mtls::error_category() ? ::mtls::make_error_code(::mtls::error_cause(ec)) : ec;
}

/// `s` contains `part`: for checking what an error message or subject names.
inline bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

} // namespace mtls::test

/// The detecting engine failed with `err` and its peer received the alert `alrt`.
#define MTLS_CHECK_FAILURE(detector, err, peer, alrt)                                                    \
    do {                                                                                                 \
        BOOST_TEST(::mtls::test::describe(::mtls::test::cause_code((detector).error())) ==               \
                   ::mtls::test::describe(::mtls::make_error_code(err)));                                \
        BOOST_TEST(::mtls::test::describe((peer).error()) ==                                             \
                   ::mtls::test::describe(::mtls::make_error_code(alrt)));                               \
    } while (false)

/// Runs the handshake of `pair` and stops the test unless both ends completed.
/// (The condition is evaluated first: Boost may build an assertion's message
/// before evaluating its condition.)
#define MTLS_REQUIRE_HANDSHAKE(pair)                                                                     \
    do {                                                                                                 \
        const bool mtls_handshake_ok = (pair).handshake();                                               \
        BOOST_TEST_REQUIRE(mtls_handshake_ok, "client: " << ::mtls::test::describe((pair).client.error()) \
                                                         << "; server: "                                 \
                                                         << ::mtls::test::describe((pair).server.error())); \
    } while (false)

#endif
