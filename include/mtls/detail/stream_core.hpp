#ifndef MTLS_DETAIL_STREAM_CORE_HPP
#define MTLS_DETAIL_STREAM_CORE_HPP

// The state of a tls_stream that does not depend on the next layer: the
// engine, the per-stream settings it is created with, and the write gate.

#include <mtls/detail/config.hpp>

#include <mtls/context.hpp>
#include <mtls/detail/write_gate.hpp>
#include <mtls/engine.hpp>

#include <boost/asio/cancellation_signal.hpp>

#include <memory>
#include <optional>
#include <string>

namespace mtls::detail {

struct stream_core {
    explicit stream_core(const context& c) : ctx(c) {}

    /// Creates a fresh engine for `r`. The role is only known at handshake
    /// time, so settings made on the stream before are kept here and applied.
    void start_engine(role r)
    {
        aborted = {};
        eng.emplace(ctx, r);
        if (host)
            eng->set_host_name(*host, port);
        if (mode)
            eng->set_verify_mode(*mode);
        if (callback)
            eng->set_verify_callback(callback);
        if (offered_session)
            eng->set_session(offered_session);
    }

    /// Handshake completed: reading and writing application data make sense.
    bool connected() const noexcept { return eng && eng->handshake_done() && !aborted; }

    /// A cancelled operation or a failed next-layer write left the
    /// connection in no state to go on (a handshake half done, a record half
    /// written): later operations fail with `why` until a new handshake
    /// starts.
    void abort(error_code why) noexcept { aborted = why; }

    context ctx;
    std::optional<engine> eng;
    std::optional<std::string> host;
    std::optional<verify_mode> mode;
    verify_callback callback;
    mtls::session offered_session;
    std::uint16_t port = 0;
    write_gate gate;
    /// Cancels the next-layer write in flight (one at a time, under the
    /// gate) for terminal signals only; see io_op. Heap-held: signals do
    /// not move, streams do.
    std::unique_ptr<boost::asio::cancellation_signal> write_cancel =
        std::make_unique<boost::asio::cancellation_signal>();
    error_code aborted;
    /// An asynchronous operation's read is in flight on the next layer, into
    /// the engine's input space: no other read may touch that space.
    bool reading = false;
};

/// What `tls_stream::info()` returns before a handshake.
inline const connection_info& no_connection_info() noexcept
{
    static const connection_info none;
    return none;
}

} // namespace mtls::detail

#endif
