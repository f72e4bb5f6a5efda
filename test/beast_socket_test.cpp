// Boost.Beast websocket over tls_stream<tcp::socket>: mtls/beast.hpp's
// teardown over a plain Asio socket (beast_test covers beast::tcp_stream).
// Its own program: a second websocket stream type doubles the compile time of
// a file, and this one is left out of the sanitizer builds, whose beast_test
// runs the same teardown code over beast::tcp_stream (test/CMakeLists.txt).

#include <mtls/beast.hpp> // first: the header is self-contained

#define BOOST_TEST_MODULE beast_socket
#include <boost/test/unit_test.hpp>

#include "support/wss_async.hpp"
#include "support/wss_pair.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <string>
#include <tuple>
#include <type_traits>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using asio::ip::tcp;
using mtls::error_code;
using mtls::test::as_tuple;
using mtls::test::basic_wss_pair;
using mtls::test::echo_until_closed;
using mtls::test::open_client;
using mtls::test::open_server;
using mtls::test::run_both;
using mtls::test::use_awaitable;

BOOST_AUTO_TEST_CASE(wss_over_a_plain_asio_socket)
{
    // The teardown tears down whatever the next layer is; here Beast's own
    // overload for tcp::socket (no timeouts, no beast::tcp_stream).
    using plain_wss = websocket::stream<mtls::tls_stream<tcp::socket>>;
    static_assert(std::is_same_v<beast::lowest_layer_type<plain_wss>, tcp::socket>);
    asio::io_context ioc;
    basic_wss_pair<plain_wss> p(ioc);

    error_code client_close_ec = asio::error::would_block;
    error_code server_end = asio::error::would_block;
    int echoed = 0;
    std::string back;
    auto client = [&]() -> asio::awaitable<void> {
        co_await open_client(p.client);
        co_await p.client.async_write(asio::buffer(std::string("ping")), use_awaitable);
        beast::flat_buffer buffer;
        co_await p.client.async_read(buffer, use_awaitable);
        back = beast::buffers_to_string(buffer.data());
        std::tie(client_close_ec) =
            co_await p.client.async_close(websocket::close_code::normal, as_tuple);
    };
    auto server = [&]() -> asio::awaitable<void> {
        co_await open_server(p.server);
        server_end = co_await echo_until_closed(p.server, echoed);
    };
    run_both(ioc, client(), server(), [&] { p.close_sockets(); });

    BOOST_TEST(back == "ping");
    BOOST_TEST(client_close_ec.message() == error_code{}.message());
    BOOST_TEST((server_end == websocket::error::closed), server_end.message());
    BOOST_TEST(p.server.next_layer().engine().peer_closed(), "the client's close_notify arrived");
    BOOST_TEST(p.client.next_layer().engine().peer_closed(), "the server's close_notify arrived");
    BOOST_TEST(!p.client.next_layer().next_layer().is_open());
    BOOST_TEST(!p.server.next_layer().next_layer().is_open());
}
