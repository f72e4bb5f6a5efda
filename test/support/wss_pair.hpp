#ifndef MTLS_TEST_SUPPORT_WSS_PAIR_HPP
#define MTLS_TEST_SUPPORT_WSS_PAIR_HPP

// A websocket client and server over mutually authenticating tls_stream over
// one loopback TCP connection, for the Beast tests.

#include <mtls/beast.hpp>

#include "support/certs.hpp"
#include "support/stream_pair.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <cstddef>
#include <string>
#include <utility>

namespace mtls::test {

using wss_stream = boost::beast::websocket::stream<mtls::tls_stream<boost::beast::tcp_stream>>;

/// A websocket client and server over mutually authenticating TLS over one
/// loopback TCP connection; nothing handshaken yet.
template <class WebSocket>
struct basic_wss_pair {
    explicit basic_wss_pair(boost::asio::io_context& ioc) : basic_wss_pair(socket_pair(ioc)) {}
    explicit basic_wss_pair(std::pair<boost::asio::ip::tcp::socket, boost::asio::ip::tcp::socket> sockets)
        : client(std::move(sockets.first), client_context("client-ecdsa")),
          server(std::move(sockets.second), server_context_requiring_client_cert())
    {
        client.next_layer().set_host_name("localhost");
    }

    /// Unblocks whatever either side waits for, after a failure.
    void close_sockets()
    {
        boost::beast::get_lowest_layer(client).close();
        boost::beast::get_lowest_layer(server).close();
    }

    WebSocket client;
    WebSocket server;
};

using wss_pair = basic_wss_pair<wss_stream>;

/// Binary bytes, not valid UTF-8 (so only a binary message may carry them).
inline std::string binary_message(std::size_t n)
{
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i)
        s[i] = static_cast<char>((i * 131 + (i >> 9)) & 0xff);
    return s;
}

} // namespace mtls::test

#endif
