#ifndef MTLS_TLS_STREAM_HPP
#define MTLS_TLS_STREAM_HPP

/// @file
/// `mtls::tls_stream<NextLayer>`: TLS over any Asio stream, shaped like
/// `boost::asio::ssl::stream`.

#include <mtls/context.hpp>
#include <mtls/detail/lowest_layer.hpp>
#include <mtls/detail/stream_core.hpp>
#include <mtls/engine.hpp>
#include <mtls/error.hpp>
#include <mtls/types.hpp>

#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/assert.hpp>

#include <cstddef>
#include <string>
#include <type_traits>
#include <utility>

namespace mtls {

/// How `tls_stream::shutdown` ends.
enum class shutdown_mode {
    /// Send close_notify, then wait for the peer's (as `asio::ssl` does).
    wait_for_peer,
    /// Send close_notify and return: for a caller about to close the
    /// transport, or one that keeps reading on its own.
    send_only,
};

/// Names `asio::ssl::stream_base` users already type.
struct tls_stream_base {
    /// `stream.handshake(tls_stream_base::client)` reads as with Asio.
    ///@{
    using handshake_type = mtls::role;
    static constexpr role client = role::client;
    static constexpr role server = role::server;
    ///@}
};

/// A TLS connection over `NextLayer`, which models Asio's AsyncStream (and
/// SyncStream for the synchronous functions).
///
/// Models AsyncStream and SyncStream itself, so `asio::async_read`,
/// `asio::async_write` and `beast::http` work on it.
///
/// Concurrency: like `asio::ssl::stream`, at most one read-type operation
/// (handshake, read_some, shutdown's wait) and one write-type operation may be
/// outstanding at a time, from the same strand. The stream never has more than
/// one write in flight on the next layer: a read that has to send (an alert)
/// waits for an outstanding user write to leave the next layer first.
///
/// Completion tokens: anything Asio accepts (callbacks, `use_awaitable`,
/// `deferred`, `use_future`, `yield_context`). Handlers are never invoked from
/// inside the initiating function, and run on their associated executor.
///
/// Cancellation: each operation honours its handler's cancellation slot and
/// completes with `asio::error::operation_aborted`.
/// - `async_read_some`: terminal, partial and total. Nothing is lost: a record
///   half received stays buffered for the next read.
/// - `async_shutdown`: terminal and partial (giving up the wait for the
///   peer's close_notify once ours is sent).
/// - `async_handshake`, `async_write_some`: terminal only. The connection is
///   then failed: later reads, writes and shutdowns complete with
///   `operation_aborted` until a new handshake.
/// A read or shutdown may be sending (an alert, a KeyUpdate answer,
/// close_notify): a terminal signal cuts that write short and fails the
/// connection the same way; partial and total signals let it finish first.
/// Closing the next layer ends every pending operation with the next layer's
/// error.
///
/// Timeouts: a signal on the cancellation slot bounds any operation. The
/// expiry of a `beast::tcp_stream` below does too, except against a peer that
/// keeps data waiting (as during a shutdown's wait for close_notify): up to
/// Boost 1.85, Beast loses the timeout when each read completes at once
/// (fixed by Beast PR #2866).
///
/// Errors: a connection that fails completes operations with its
/// `mtls::error`, or with the alert the peer sent (`mtls::alert`). A peer
/// that sends an alert and closes can make our next write fail with
/// `broken_pipe` or `connection_reset` before any read sees the alert (a
/// server refusing the client's certificate after the client's TLS 1.3
/// handshake completed). So when a write fails that way and the next layer
/// is a socket or a `beast::basic_stream`, the stream first reads what has
/// already arrived, without waiting, and completes with the peer's alert if
/// it finds one. A write that fails on the next layer fails the connection:
/// later reads, writes and shutdowns complete with the same error until a
/// new handshake.
///
/// Next-layer calls: `async_read_some`/`read_some` and `asio::async_write`/
/// `asio::write`; after a failed write, the socket's `available` and
/// `read_some` (see Errors). The synchronous functions never need an
/// io_context to run.
template <class NextLayer>
class tls_stream : public tls_stream_base {
public:
    /// The stream underneath (NextLayer without a reference).
    using next_layer_type = std::remove_reference_t<NextLayer>;
    /// `next_layer_type::lowest_layer_type` when it names one; otherwise found
    /// by following `next_layer()` (the bottom layer is its own lowest).
    using lowest_layer_type = detail::lowest_layer_t<next_layer_type>;
    /// The next layer's executor: handlers without one of their own run there.
    using executor_type = typename next_layer_type::executor_type;

private:
    using default_token = boost::asio::default_completion_token_t<executor_type>;

public:
    /// Constructs the next layer from `arg` (e.g. an io_context or executor,
    /// or a socket to move from) and binds the stream to `ctx`.
    template <class Arg>
    tls_stream(Arg&& arg, const context& ctx);

    /// Movable while no operation is outstanding, like Asio's streams.
    ///@{
    tls_stream(tls_stream&&) = default;
    tls_stream& operator=(tls_stream&&) = default;
    ///@}

    /// The next layer's executor.
    executor_type get_executor() noexcept { return next_layer_.get_executor(); }
    /// The stream underneath, e.g. the socket to connect or close.
    ///@{
    next_layer_type& next_layer() noexcept { return next_layer_; }
    const next_layer_type& next_layer() const noexcept { return next_layer_; }
    ///@}
    /// The bottom of the layer stack (see lowest_layer_type).
    ///@{
    lowest_layer_type& lowest_layer() noexcept { return detail::lowest_layer_of(next_layer_); }
    const lowest_layer_type& lowest_layer() const noexcept { return detail::lowest_layer_of(next_layer_); }
    ///@}

    // The settings below apply to the next handshake, and are kept across
    // handshakes; the error_code overloads never fail (Asio's shape).

    /// Overrides the context's verify mode for this stream.
    ///@{
    void set_verify_mode(verify_mode mode);
    void set_verify_mode(verify_mode mode, error_code& ec);
    ///@}
    /// Overrides the context's verify callback for this stream.
    ///@{
    void set_verify_callback(verify_callback cb);
    void set_verify_callback(verify_callback cb, error_code& ec);
    ///@}
    /// Client: the name sent as SNI, and the name (or IP literal) the server's
    /// certificate must match. Turns host name verification on.
    ///@{
    void set_host_name(const std::string& host);
    void set_host_name(const std::string& host, error_code& ec);
    ///@}
    /// As above; `port` also keys the context's client session cache
    /// (`context::set_client_session_cache`).
    void set_host_name(const std::string& host, std::uint16_t port)
    {
        core_.port = port;
        set_host_name(host);
    }
    /// Client: a session from an earlier connection to the same server
    /// (`session()` of that stream) to resume in the next handshake; see
    /// `engine::set_session` for when it is not used.
    void set_session(const mtls::session& s) { core_.offered_session = s; }
    /// Client: the session a later connection can resume, once there is one
    /// (after the handshake; in TLS 1.3, once a ticket has been read, which
    /// comes with the server's first data). Empty before.
    mtls::session session() const { return core_.eng ? core_.eng->session() : mtls::session{}; }

    /// Negotiated parameters and the peer's certificates, once handshaken;
    /// an empty `connection_info` before the first handshake starts.
    const connection_info& info() const noexcept
    {
        return core_.eng ? core_.eng->info() : detail::no_connection_info();
    }
    /// Keying material exporters (RFC 5705, RFC 8446 §7.5) for the current
    /// connection: `engine::export_keying_material`, which says how the two
    /// overloads differ. `error::not_connected` before a handshake completes
    /// and once the connection has failed; `out` is zero-filled on failure.
    ///@{
    void export_keying_material(std::string_view label, std::span<const std::byte> context,
                                std::span<std::byte> out, error_code& ec) const;
    void export_keying_material(std::string_view label, std::span<std::byte> out, error_code& ec) const;
    ///@}
    /// The sans-IO engine underneath, for what the stream does not expose.
    /// The engine is created (for the role given) when a handshake starts;
    /// calling this before is a precondition violation.
    mtls::engine& engine() noexcept
    {
        BOOST_ASSERT(core_.eng);
        return *core_.eng;
    }

    /// Runs the handshake, starting a new connection with a fresh engine for
    /// role `r`. The asynchronous form completes with `void(error_code)`.
    ///@{
    void handshake(role r);
    void handshake(role r, error_code& ec);
    template <class CompletionToken = default_token>
    auto async_handshake(role r, CompletionToken&& token = default_token{});
    ///@}

    /// Handshake that first consumes `buffers`: bytes already read from the
    /// transport (e.g. by `beast::async_detect_ssl`). Completes with the
    /// number of those bytes used, which is all of them (bytes beyond the
    /// handshake are application data, kept for the next read).
    ///@{
    template <class ConstBufferSequence>
        requires boost::asio::is_const_buffer_sequence<ConstBufferSequence>::value
    std::size_t handshake(role r, const ConstBufferSequence& buffers);
    template <class ConstBufferSequence>
        requires boost::asio::is_const_buffer_sequence<ConstBufferSequence>::value
    std::size_t handshake(role r, const ConstBufferSequence& buffers, error_code& ec);
    template <class ConstBufferSequence, class CompletionToken = default_token>
        requires boost::asio::is_const_buffer_sequence<ConstBufferSequence>::value
    auto async_handshake(role r, const ConstBufferSequence& buffers,
                         CompletionToken&& token = default_token{});
    ///@}

    /// Reads some decrypted application data. Completes with
    /// `asio::error::eof` after the peer's close_notify, and with
    /// `error::stream_truncated` when the transport ends without one.
    ///@{
    template <class MutableBufferSequence>
    std::size_t read_some(const MutableBufferSequence& buffers);
    template <class MutableBufferSequence>
    std::size_t read_some(const MutableBufferSequence& buffers, error_code& ec);
    template <class MutableBufferSequence, class CompletionToken = default_token>
    auto async_read_some(const MutableBufferSequence& buffers, CompletionToken&& token = default_token{});
    ///@}

    /// The whole buffer sequence is packed into full records (up to 2^14 bytes
    /// each), not one record per buffer; one call takes at most 4 records'
    /// worth (64 KiB) and returns once they are written to the next layer.
    ///@{
    template <class ConstBufferSequence>
    std::size_t write_some(const ConstBufferSequence& buffers);
    template <class ConstBufferSequence>
    std::size_t write_some(const ConstBufferSequence& buffers, error_code& ec);
    template <class ConstBufferSequence, class CompletionToken = default_token>
    auto async_write_some(const ConstBufferSequence& buffers, CompletionToken&& token = default_token{});
    ///@}

    /// Closes the connection: sends close_notify, then waits for the peer's
    /// (application data arriving meanwhile is dropped). End of stream while
    /// waiting counts as success. With shutdown_mode::send_only it returns
    /// once close_notify is written.
    ///@{
    void shutdown(shutdown_mode mode = shutdown_mode::wait_for_peer);
    void shutdown(error_code& ec);
    void shutdown(shutdown_mode mode, error_code& ec);
    template <class CompletionToken = default_token>
        requires(!std::is_same_v<std::decay_t<CompletionToken>, shutdown_mode>)
    auto async_shutdown(CompletionToken&& token = default_token{});
    template <class CompletionToken = default_token>
    auto async_shutdown(shutdown_mode mode, CompletionToken&& token = default_token{});
    ///@}

private:
    template <class Policy, class Signature, class CompletionToken>
    auto async_run(Policy policy, CompletionToken&& token);

    NextLayer next_layer_;
    detail::stream_core core_;
};

} // namespace mtls

#include <mtls/impl/tls_stream.hpp>

#endif
