#ifndef MTLS_TEST_SUPPORT_STREAM_PAIR_HPP
#define MTLS_TEST_SUPPORT_STREAM_PAIR_HPP

// A tls_stream client and server over loopback TCP, for the stream tests.
// Include after <boost/test/unit_test.hpp>.

#include "support/certs.hpp"
#include "support/io.hpp"

#include <mtls/tls_stream.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <exception>
#include <optional>
#include <string>
#include <utility>

namespace mtls::test {

/// Two connected loopback sockets.
inline std::pair<boost::asio::ip::tcp::socket, boost::asio::ip::tcp::socket> socket_pair(boost::asio::io_context& ioc)
{
    using boost::asio::ip::tcp;
    tcp::acceptor acceptor(ioc, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
    tcp::socket client(ioc);
    client.connect(acceptor.local_endpoint());
    tcp::socket server = acceptor.accept();
    return {std::move(client), std::move(server)};
}

/// A mutually authenticating client/server pair over loopback TCP, both at
/// most at version `max`.
struct tcp_pair {
    explicit tcp_pair(boost::asio::io_context& ioc, tls_version max = tls_version::tls13)
    {
        auto [c, s] = socket_pair(ioc);
        auto client_ctx = client_context("client-ecdsa");
        client_ctx.set_max_version(max);
        auto server_ctx = server_context_requiring_client_cert();
        server_ctx.set_max_version(max);
        client.emplace(std::move(c), client_ctx);
        server.emplace(std::move(s), server_ctx);
        client->set_host_name("localhost");
    }
    std::optional<tls_stream<boost::asio::ip::tcp::socket>> client;
    std::optional<tls_stream<boost::asio::ip::tcp::socket>> server;
};

/// Runs both handshakes on `ioc`; stops the test unless both succeed.
template <class Stream>
void handshake_pair(boost::asio::io_context& ioc, Stream& client, Stream& server)
{
    std::optional<error_code> ch, sh;
    client.async_handshake(role::client, [&](error_code ec) { ch = ec; });
    server.async_handshake(role::server, [&](error_code ec) { sh = ec; });
    run(ioc);
    BOOST_TEST_REQUIRE(ch.has_value());
    BOOST_TEST_REQUIRE(sh.has_value());
    BOOST_TEST_REQUIRE(ch->message() == error_code{}.message());
    BOOST_TEST_REQUIRE(sh->message() == error_code{}.message());
}

/// The message of the exception in `e`, for assertion messages.
inline std::string what(const std::exception_ptr& e)
{
    if (!e)
        return "none";
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& x) {
        return x.what();
    } catch (...) {
        return "unknown exception";
    }
}

} // namespace mtls::test

#endif
