#ifndef MTLS_TEST_SUPPORT_WSS_ASYNC_HPP
#define MTLS_TEST_SUPPORT_WSS_ASYNC_HPP

// Coroutine steps of the asynchronous Beast tests (beast_test,
// beast_socket_test): both ends run on one io_context, with a time bound.

#include "support/stream_pair.hpp"

#include <mtls/beast.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <exception>
#include <functional>
#include <utility>

namespace mtls::test {

inline constexpr auto use_awaitable = boost::asio::use_awaitable;
inline constexpr auto as_tuple = boost::asio::as_tuple(boost::asio::use_awaitable);

/// Runs the two coroutines on `ioc` to completion, with a bound so a bug
/// hangs no build. An exception in either fails the test and calls `abort`,
/// which must unblock the other.
inline void run_both(boost::asio::io_context& ioc, boost::asio::awaitable<void> client,
                     boost::asio::awaitable<void> server, const std::function<void()>& abort)
{
    auto done = [&](const char* side) {
        return [&, side](std::exception_ptr e) {
            if (!e)
                return;
            BOOST_ERROR(side << " failed: " << what(e));
            abort();
        };
    };
    boost::asio::co_spawn(ioc, std::move(client), done("client"));
    boost::asio::co_spawn(ioc, std::move(server), done("server"));
    ioc.restart();
    ioc.run_for(std::chrono::seconds(60));
    BOOST_TEST_REQUIRE(ioc.stopped(), "operations still pending after the time limit");
}

// TLS handshake, then the websocket opening handshake (RFC 6455 §4).
template <class WebSocket>
boost::asio::awaitable<void> open_client(WebSocket& ws)
{
    co_await ws.next_layer().async_handshake(role::client, use_awaitable);
    co_await ws.async_handshake("localhost", "/echo", use_awaitable);
}

template <class WebSocket>
boost::asio::awaitable<void> open_server(WebSocket& ws)
{
    co_await ws.next_layer().async_handshake(role::server, use_awaitable);
    co_await ws.async_accept(use_awaitable);
}

/// Echoes messages, text as text and binary as binary, until the client
/// closes; returns how the read loop ended.
template <class WebSocket>
boost::asio::awaitable<error_code> echo_until_closed(WebSocket& ws, int& echoed)
{
    boost::beast::flat_buffer buffer;
    for (;;) {
        buffer.clear();
        auto [ec, n] = co_await ws.async_read(buffer, as_tuple);
        if (ec)
            co_return ec;
        ws.text(ws.got_text());
        co_await ws.async_write(buffer.data(), use_awaitable);
        ++echoed;
    }
}

} // namespace mtls::test

#endif
