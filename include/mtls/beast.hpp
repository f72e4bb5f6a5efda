#ifndef MTLS_BEAST_HPP
#define MTLS_BEAST_HPP

/// @file
/// Boost.Beast websocket over `mtls::tls_stream` (wss):
///
///     #include <mtls/detail/config.hpp>

#include <mtls/beast.hpp>
///     boost::beast::websocket::stream<mtls::tls_stream<boost::beast::tcp_stream>> ws(io, ctx);
///
/// Beast closes a websocket by "tearing down" the stream underneath once the
/// close frames are exchanged; this header supplies `teardown` and
/// `async_teardown` for `tls_stream`, which Beast finds by argument-dependent
/// lookup. Nothing else in mtls includes Beast: only programs that include
/// this header need it.
///
/// `beast::http` and `beast::get_lowest_layer` need nothing from here:
/// `tls_stream` is an AsyncStream with `next_layer()`, so
/// `beast::get_lowest_layer(ws).expires_after(...)` reaches the
/// `beast::tcp_stream` and its timeouts end the TLS operations in progress.

#include <mtls/error.hpp>
#include <mtls/tls_stream.hpp>

#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/coroutine.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/websocket/teardown.hpp>

#include <utility>

namespace mtls {

/// Closes the TLS connection, then the transport: sends close_notify and
/// waits for the peer's (RFC 8446 §6.1, RFC 5246 §7.2.1), then tears down
/// the next layer the way Beast does for it (for TCP: half-close, read to
/// end of stream, close). The next layer is torn down even when the TLS
/// shutdown fails; `ec` is then the TLS error.
///
/// A peer that closes the transport after our close_notify without sending
/// its own has still closed the connection properly (the initiator need not
/// wait for the reply, RFC 5246 §7.2.1): `tls_stream::shutdown` counts that
/// end of stream as success, so the teardown succeeds, which is where Beast
/// ends up with `asio::ssl` too (its shutdown reports `eof`, which Beast's
/// websocket treats as success).
template <class NextLayer>
void teardown(boost::beast::role_type role, tls_stream<NextLayer>& stream, error_code& ec)
{
    stream.shutdown(ec);
    using boost::beast::websocket::teardown;
    error_code next_ec;
    teardown(role, stream.next_layer(), ec ? next_ec : ec);
}

namespace detail {

/// async_teardown's body: async_shutdown, then the next layer's async_teardown.
template <class NextLayer>
class teardown_op : boost::asio::coroutine {
public:
    teardown_op(tls_stream<NextLayer>& stream, boost::beast::role_type role)
        : stream_(stream), role_(role)
    {
    }

    template <class Self>
    void operator()(Self& self, error_code ec = {})
    {
        using boost::beast::websocket::async_teardown;
        BOOST_ASIO_CORO_REENTER(*this)
        {
            // Like Beast's teardown of asio::ssl::stream: let every signal
            // through; each step honours the types it supports.
            self.reset_cancellation_state(boost::asio::enable_total_cancellation());
            // Completes as if posted, so neither step runs the handler
            // inside the initiating function.
            BOOST_ASIO_CORO_YIELD stream_.async_shutdown(std::move(self));
            ec_ = ec;
            BOOST_ASIO_CORO_YIELD async_teardown(role_, stream_.next_layer(), std::move(self));
            if (!ec_)
                ec_ = ec;
            self.complete(ec_);
        }
    }

private:
    tls_stream<NextLayer>& stream_;
    boost::beast::role_type role_;
    error_code ec_;
};

} // namespace detail

/// Asynchronous `teardown`; the handler's signature is `void(error_code)`.
template <class NextLayer, class TeardownHandler>
void async_teardown(boost::beast::role_type role, tls_stream<NextLayer>& stream,
                    TeardownHandler&& handler)
{
    boost::asio::async_compose<TeardownHandler, void(error_code)>(
        detail::teardown_op<NextLayer>(stream, role), handler, stream);
}

} // namespace mtls

#endif
