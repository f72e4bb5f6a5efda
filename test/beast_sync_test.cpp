// Boost.Beast's synchronous websocket API over mtls: teardown() rather than
// async_teardown(), the server on a second thread. Its own program so the
// ThreadSanitizer build needs only this, not the whole of beast_test.

#include <mtls/beast.hpp> // first: the header is self-contained

#define BOOST_TEST_MODULE beast_sync
#include <boost/test/unit_test.hpp>

#include "support/wss_pair.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/error.hpp>

#include <exception>
#include <string>
#include <thread>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using mtls::error_code;
using mtls::role;
using mtls::test::binary_message;
using mtls::test::wss_pair;


BOOST_AUTO_TEST_CASE(synchronous_websocket_api)
{
    asio::io_context ioc; // never run: the synchronous calls need none
    wss_pair p(ioc);
    const std::string message = binary_message(100000);

    std::string server_failure, server_got;
    error_code server_end = asio::error::would_block;
    std::thread server_thread([&] {
        try {
            p.server.next_layer().handshake(role::server);
            p.server.accept();
            beast::flat_buffer buffer;
            p.server.read(buffer);
            server_got = beast::buffers_to_string(buffer.data());
            p.server.binary(true);
            p.server.write(buffer.data());
            buffer.clear();
            p.server.read(buffer, server_end);
        } catch (const std::exception& e) {
            server_failure = e.what();
            beast::get_lowest_layer(p.server).close(); // unblocks the client
        }
    });

    std::string client_got;
    error_code client_close_ec = asio::error::would_block;
    try {
        p.client.next_layer().handshake(role::client);
        p.client.handshake("localhost", "/");
        p.client.binary(true);
        p.client.write(asio::buffer(message));
        beast::flat_buffer buffer;
        p.client.read(buffer);
        client_got = beast::buffers_to_string(buffer.data());
        p.client.close(websocket::close_code::going_away, client_close_ec);
    } catch (const std::exception& e) {
        BOOST_ERROR("client failed: " << e.what());
        beast::get_lowest_layer(p.client).close(); // unblocks the server
    }
    server_thread.join();

    BOOST_TEST(server_failure == "");
    BOOST_TEST((server_got == message));
    BOOST_TEST((client_got == message));
    BOOST_TEST(client_close_ec.message() == error_code{}.message());
    BOOST_TEST((server_end == websocket::error::closed), server_end.message());
    BOOST_TEST(p.server.reason().code == websocket::close_code::going_away);
    BOOST_TEST(p.server.next_layer().engine().peer_closed(), "the client's close_notify arrived");
    BOOST_TEST(p.client.next_layer().engine().peer_closed(), "the server's close_notify arrived");
    BOOST_TEST(!beast::get_lowest_layer(p.client).socket().is_open());
    BOOST_TEST(!beast::get_lowest_layer(p.server).socket().is_open());
}
