// Boost.Beast over mtls: websocket (wss) over tls_stream<beast::tcp_stream>
// on loopback TCP with mutual authentication, closed through mtls/beast.hpp's
// teardown (close_notify, then Beast's TCP teardown), with the asynchronous
// API (beast_sync_test has the synchronous one, beast_socket_test wss over a
// plain tcp::socket); beast::http over the same stream; beast::tcp_stream
// timeouts reached through get_lowest_layer.

#include <mtls/beast.hpp> // first: the header is self-contained

#define BOOST_TEST_MODULE beast
#include <boost/test/unit_test.hpp>

#include "support/bytes.hpp"
#include "support/certs.hpp"
#include "support/print.hpp"
#include "support/stream_pair.hpp"
#include "support/wss_async.hpp"
#include "support/wss_pair.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using mtls::error_code;
using mtls::role;
using namespace std::chrono_literals;

using tls_tcp_stream = mtls::tls_stream<beast::tcp_stream>;
using mtls::test::wss_stream;
static_assert(std::is_same_v<wss_stream, websocket::stream<tls_tcp_stream>>);

// beast::get_lowest_layer follows next_layer() through tls_stream down to the
// beast::tcp_stream, whose timeouts therefore govern the TLS operations.
static_assert(std::is_same_v<beast::lowest_layer_type<tls_tcp_stream>, beast::tcp_stream>);
static_assert(std::is_same_v<beast::lowest_layer_type<wss_stream>, beast::tcp_stream>);

using mtls::test::as_tuple;
using mtls::test::binary_message;
using mtls::test::echo_until_closed;
using mtls::test::open_client;
using mtls::test::open_server;
using mtls::test::run_both;
using mtls::test::socket_pair;
using mtls::test::use_awaitable;
using mtls::test::wss_pair;

// ---------------------------------------------------------------------------
// websocket, asynchronous

BOOST_AUTO_TEST_CASE(wss_messages_round_trip_and_close_cleanly)
{
    asio::io_context ioc;
    wss_pair p(ioc);
    const std::string hello = "hello over wss";
    const std::string big = binary_message(std::size_t(1) << 20); // 1 MiB, many TLS records

    error_code client_close_ec = asio::error::would_block;
    error_code server_end = asio::error::would_block;
    int echoed = 0;
    std::string text_back, binary_back;
    bool got_text = false, got_binary = false;

    auto client = [&]() -> asio::awaitable<void> {
        wss_stream& ws = p.client;
        co_await open_client(ws);
        beast::flat_buffer buffer;

        ws.text(true);
        co_await ws.async_write(asio::buffer(hello), use_awaitable);
        co_await ws.async_read(buffer, use_awaitable);
        got_text = ws.got_text();
        text_back = beast::buffers_to_string(buffer.data());

        buffer.clear();
        ws.binary(true);
        co_await ws.async_write(asio::buffer(big), use_awaitable);
        co_await ws.async_read(buffer, use_awaitable);
        got_binary = ws.got_binary();
        binary_back = beast::buffers_to_string(buffer.data());

        // RFC 6455 §7.1.2: the close handshake, then the teardown.
        std::tie(client_close_ec) =
            co_await ws.async_close(websocket::close_code::normal, as_tuple);
    };
    auto server = [&]() -> asio::awaitable<void> {
        co_await open_server(p.server);
        server_end = co_await echo_until_closed(p.server, echoed);
    };
    run_both(ioc, client(), server(), [&] { p.close_sockets(); });

    // Mutual authentication on the stream underneath.
    BOOST_TEST(p.client.next_layer().info().peer_subject == "CN=localhost");
    BOOST_TEST(p.server.next_layer().info().peer_subject == "CN=mtls test client");

    BOOST_TEST(echoed == 2);
    BOOST_TEST(got_text);
    BOOST_TEST(text_back == hello);
    BOOST_TEST(got_binary);
    BOOST_TEST(binary_back.size() == big.size());
    BOOST_TEST((binary_back == big));

    // (a) Both ends see the close: the client's close completes cleanly, the
    // server's read reports it with the client's status code.
    BOOST_TEST(client_close_ec.message() == error_code{}.message());
    BOOST_TEST((server_end == websocket::error::closed), server_end.message());
    BOOST_TEST(p.server.reason().code == websocket::close_code::normal);
    BOOST_TEST(!p.client.is_open());

    // (b) The teardown closed TLS properly both ways (RFC 8446 §6.1: each
    // party sends close_notify before closing its write side), and then TCP.
    BOOST_TEST(p.client.next_layer().engine().closed_for_writing());
    BOOST_TEST(p.server.next_layer().engine().closed_for_writing());
    BOOST_TEST(p.server.next_layer().engine().peer_closed(), "the client's close_notify arrived");
    BOOST_TEST(p.client.next_layer().engine().peer_closed(), "the server's close_notify arrived");
    BOOST_TEST(!beast::get_lowest_layer(p.client).socket().is_open());
    BOOST_TEST(!beast::get_lowest_layer(p.server).socket().is_open());
}

namespace {

/// What a server that speaks the websocket close handshake by hand saw of
/// the client's close.
struct raw_close_result {
    error_code client_close = asio::error::would_block;
    std::array<std::uint8_t, 2> frame_header{};
    error_code read_after_close = asio::error::would_block;
};

/// The client closes its websocket; the server answers the close frame by
/// hand on the tls_stream underneath, then reads on: what arrives next is the
/// client's teardown. With `answer_close_notify` the server then sends its own
/// close_notify; without, it just closes the TCP connection.
raw_close_result close_against_raw_server(bool answer_close_notify)
{
    asio::io_context ioc;
    wss_pair p(ioc);
    raw_close_result r;

    auto client = [&]() -> asio::awaitable<void> {
        co_await open_client(p.client);
        std::tie(r.client_close) =
            co_await p.client.async_close(websocket::close_code::normal, as_tuple);
    };
    auto server = [&]() -> asio::awaitable<void> {
        co_await open_server(p.server);
        tls_tcp_stream& tls = p.server.next_layer();
        // A client that never ends the connection fails here in bounded time.
        beast::get_lowest_layer(p.server).expires_after(10s);
        // RFC 6455 §5.2, §5.5.1: FIN + opcode 8, masked (client to server,
        // §5.3) with a 2-byte status code: header, mask key, payload.
        std::array<std::uint8_t, 8> frame{};
        co_await asio::async_read(tls, asio::buffer(frame), use_awaitable);
        r.frame_header = {frame[0], frame[1]};
        // The reply: unmasked, status 1000 (§7.4.1).
        const std::array<std::uint8_t, 4> reply{0x88, 0x02, 0x03, 0xe8};
        co_await asio::async_write(tls, asio::buffer(reply), use_awaitable);

        char byte;
        std::tie(r.read_after_close, std::ignore) =
            co_await tls.async_read_some(asio::buffer(&byte, 1), as_tuple);
        if (answer_close_notify)
            co_await tls.async_shutdown(use_awaitable);
        beast::get_lowest_layer(p.server).close();
    };
    run_both(ioc, client(), server(), [&] { p.close_sockets(); });

    BOOST_TEST(r.frame_header[0] == 0x88);
    BOOST_TEST(r.frame_header[1] == 0x82);
    BOOST_TEST(p.client.next_layer().engine().peer_closed() == answer_close_notify);
    BOOST_TEST(!beast::get_lowest_layer(p.client).socket().is_open());
    return r;
}

} // namespace

BOOST_AUTO_TEST_CASE(client_teardown_sends_close_notify_before_the_transport_ends)
{
    const raw_close_result r = close_against_raw_server(true);
    // The server's read sees a clean end of stream (the client's
    // close_notify), not the transport ending under it (stream_truncated).
    BOOST_TEST((r.read_after_close == asio::error::eof), r.read_after_close.message());
    BOOST_TEST(r.client_close.message() == error_code{}.message());
}

BOOST_AUTO_TEST_CASE(peer_closing_tcp_after_our_close_notify_is_a_clean_teardown)
{
    // RFC 5246 §7.2.1: the initiator of a close need not wait for the reply
    // close_notify, so a peer that ends the transport instead of replying
    // has still closed properly.
    const raw_close_result r = close_against_raw_server(false);
    BOOST_TEST((r.read_after_close == asio::error::eof), r.read_after_close.message());
    BOOST_TEST(r.client_close.message() == error_code{}.message());
}

// ---------------------------------------------------------------------------
// beast::http

BOOST_AUTO_TEST_CASE(http_request_and_response_with_flat_buffer)
{
    asio::io_context ioc;
    auto [client_socket, server_socket] = socket_pair(ioc);
    tls_tcp_stream client(std::move(client_socket), mtls::test::client_context("client-ecdsa"));
    tls_tcp_stream server(std::move(server_socket),
                          mtls::test::server_context_requiring_client_cert());
    client.set_host_name("localhost");
    const std::string upload = binary_message(40000);
    const std::string download = binary_message(300000); // crosses many records

    http::request<http::string_body> got_request;
    http::response<http::string_body> got_response;
    error_code server_end = asio::error::would_block;

    auto client_side = [&]() -> asio::awaitable<void> {
        co_await client.async_handshake(role::client, use_awaitable);
        http::request<http::string_body> request{http::verb::post, "/upload", 11};
        request.set(http::field::host, "localhost");
        request.body() = upload;
        request.prepare_payload();
        co_await http::async_write(client, request, use_awaitable);
        beast::flat_buffer buffer;
        co_await http::async_read(client, buffer, got_response, use_awaitable);
        co_await client.async_shutdown(use_awaitable);
    };
    auto server_side = [&]() -> asio::awaitable<void> {
        co_await server.async_handshake(role::server, use_awaitable);
        beast::flat_buffer buffer;
        co_await http::async_read(server, buffer, got_request, use_awaitable);
        http::response<http::string_body> response{http::status::ok, 11};
        response.set(http::field::content_type, "application/octet-stream");
        response.set("X-Client", server.info().peer_subject);
        response.body() = download;
        response.prepare_payload();
        co_await http::async_write(server, response, use_awaitable);
        // The next request's read meets the client's close_notify: a clean
        // end between messages.
        http::request<http::string_body> none;
        std::tie(server_end, std::ignore) =
            co_await http::async_read(server, buffer, none, as_tuple);
        co_await server.async_shutdown(use_awaitable);
    };
    run_both(ioc, client_side(), server_side(), [&] {
        client.lowest_layer().close();
        server.lowest_layer().close();
    });

    BOOST_TEST(got_request.method() == http::verb::post);
    BOOST_TEST(got_request.target() == "/upload");
    BOOST_TEST((got_request.body() == upload));
    BOOST_TEST(got_response.result_int() == 200u);
    BOOST_TEST(got_response["X-Client"] == "CN=mtls test client");
    BOOST_TEST((got_response.body() == download));
    BOOST_TEST((server_end == http::error::end_of_stream), server_end.message());
}

// ---------------------------------------------------------------------------
// Timeouts: beast::tcp_stream's, set through get_lowest_layer

BOOST_AUTO_TEST_CASE(expires_after_on_a_stalled_peer_times_out)
{
    asio::io_context ioc;

    // get_lowest_layer reaches the very tcp_stream the TLS stream reads from.
    {
        wss_pair p(ioc);
        BOOST_TEST(&beast::get_lowest_layer(p.client) == &p.client.next_layer().next_layer());
        BOOST_TEST(&beast::get_lowest_layer(p.client.next_layer()) == &p.client.next_layer().next_layer());
    }

    // A TLS handshake with a peer that accepted the connection and says nothing.
    {
        auto [client_socket, silent_peer] = socket_pair(ioc);
        tls_tcp_stream client(std::move(client_socket), mtls::test::client_context("client-ecdsa"));
        beast::get_lowest_layer(client).expires_after(200ms);
        error_code ec = asio::error::would_block;
        const auto start = std::chrono::steady_clock::now();
        client.async_handshake(role::client, [&](error_code e) { ec = e; });
        ioc.restart();
        ioc.run_for(30s);
        BOOST_TEST((ec == beast::error::timeout), ec.message());
        const auto waited = std::chrono::steady_clock::now() - start;
        BOOST_TEST(std::chrono::duration_cast<std::chrono::milliseconds>(waited).count() >= 150);
    }

    // A websocket read with a peer that stopped sending.
    {
        wss_pair p(ioc);
        error_code ec = asio::error::would_block;
        auto client = [&]() -> asio::awaitable<void> {
            co_await open_client(p.client);
            beast::get_lowest_layer(p.client).expires_after(200ms);
            beast::flat_buffer buffer;
            std::tie(ec, std::ignore) = co_await p.client.async_read(buffer, as_tuple);
        };
        auto server = [&]() -> asio::awaitable<void> { co_await open_server(p.server); };
        run_both(ioc, client(), server(), [&] { p.close_sockets(); });
        BOOST_TEST((ec == beast::error::timeout), ec.message());
    }

    // A websocket close whose peer answers the close frame but neither sends
    // close_notify nor ends the transport: the teardown's wait for the peer's
    // close_notify is what times out.
    {
        wss_pair p(ioc);
        error_code ec = asio::error::would_block;
        error_code server_read = asio::error::would_block;
        auto client = [&]() -> asio::awaitable<void> {
            co_await open_client(p.client);
            beast::get_lowest_layer(p.client).expires_after(300ms);
            std::tie(ec) = co_await p.client.async_close(websocket::close_code::normal, as_tuple);
        };
        auto server = [&]() -> asio::awaitable<void> {
            co_await open_server(p.server);
            tls_tcp_stream& tls = p.server.next_layer();
            beast::get_lowest_layer(p.server).expires_after(10s);
            std::array<std::uint8_t, 8> frame{};
            co_await asio::async_read(tls, asio::buffer(frame), use_awaitable);
            const std::array<std::uint8_t, 4> reply{0x88, 0x02, 0x03, 0xe8};
            co_await asio::async_write(tls, asio::buffer(reply), use_awaitable);
            char byte;
            std::tie(server_read, std::ignore) =
                co_await tls.async_read_some(asio::buffer(&byte, 1), as_tuple);
            // Then silence, with the connection left open.
        };
        run_both(ioc, client(), server(), [&] { p.close_sockets(); });
        BOOST_TEST((server_read == asio::error::eof), server_read.message());
        BOOST_TEST((ec == beast::error::timeout), ec.message());
        BOOST_TEST(!beast::get_lowest_layer(p.client).socket().is_open());
    }
}
