#ifndef MTLS_DETAIL_OPS_HPP
#define MTLS_DETAIL_OPS_HPP

// The four tls_stream operations as policies for the driver in io.hpp.

#include <mtls/detail/config.hpp>

#include <mtls/detail/io.hpp>
#include <mtls/detail/stream_core.hpp>
#include <mtls/error.hpp>

#include <boost/asio/buffer.hpp>
#include <boost/asio/cancellation_state.hpp>
#include <boost/asio/error.hpp>

#include <algorithm>
#include <cstddef>
#include <cstring>

namespace mtls::detail {

/// Reading and writing application data need a completed handshake (and
/// no cancelled operation since that broke the connection).
inline bool require_connected(const stream_core& core, error_code& ec)
{
    if (core.connected())
        return false;
    ec = core.aborted ? core.aborted : error_code(mtls::error::not_connected);
    return true;
}

/// Runs the handshake on a fresh engine for `side`, until it completes and
/// the last flight has been sent. `Buffers` holds bytes already read from the
/// transport (a buffered handshake), fed to the engine first.
template <class ConstBufferSequence = boost::asio::const_buffer>
struct handshake_policy {
    static constexpr bool transfers_bytes = false;
    /// Terminal only: a handshake stopped half way leaves nothing to resume.
    using cancellation_filter = boost::asio::enable_terminal_cancellation;
    static constexpr bool cancel_breaks_stream = true;

    role side;
    ConstBufferSequence buffers{};

    bool start(stream_core& core, error_code&, std::size_t&)
    {
        core.start_engine(side);
        core.eng->start_handshake();
        auto end = boost::asio::buffer_sequence_end(buffers);
        for (auto it = boost::asio::buffer_sequence_begin(buffers); it != end; ++it) {
            const boost::asio::const_buffer b(*it);
            core.eng->feed({static_cast<const std::byte*>(b.data()), b.size()});
        }
        return false;
    }
    bool must_flush(const engine&) const noexcept { return true; }
    io_step check(engine& e, error_code& ec, std::size_t&)
    {
        if (!e.handshake_done())
            return io_step::read;
        ec = {};
        return io_step::done;
    }
    bool on_eof(engine& e)
    {
        e.on_transport_eof();
        return false;
    }
};

/// Copies the plaintext the engine has decrypted into the user's buffers,
/// reading records until there is some.
template <class MutableBufferSequence>
struct read_some_policy {
    static constexpr bool transfers_bytes = true;
    /// Every type: a read interrupted while waiting for input has consumed
    /// nothing the next read will miss (a partial record stays buffered).
    using cancellation_filter = boost::asio::enable_total_cancellation;
    static constexpr bool cancel_breaks_stream = false;

    MutableBufferSequence buffers;

    bool start(stream_core& core, error_code& ec, std::size_t&)
    {
        if (boost::asio::buffer_size(buffers) == 0)
            return true;
        return require_connected(core, ec);
    }
    /// A read that has nothing to send does not wait for a user write; one
    /// with an alert to send waits so the alert leaves before the error.
    bool must_flush(const engine& e) const noexcept { return e.failed(); }
    io_step check(engine& e, error_code& ec, std::size_t& n)
    {
        const auto text = e.plaintext();
        if (!text.empty()) {
            n = boost::asio::buffer_copy(buffers, boost::asio::buffer(text.data(), text.size()));
            e.consume_plaintext(n);
            ec = {};
            return io_step::done;
        }
        if (e.peer_closed()) {
            // Like asio::ssl: the peer's close_notify ends the stream cleanly.
            ec = boost::asio::error::eof;
            n = 0;
            return io_step::done;
        }
        return io_step::read;
    }
    bool on_eof(engine& e)
    {
        // Without close_notify first this fails with stream_truncated.
        e.on_transport_eof();
        return false;
    }
};

/// Records packed by one write_some: enough to keep the next layer busy,
/// few enough that the caller's loop (asio::async_write) interleaves fairly.
inline constexpr int max_records_per_write = 4;

/// Packs the buffer sequence into full records, up to `max_records_per_write`
/// of them, then sends them.
template <class ConstBufferSequence>
struct write_some_policy {
    static constexpr bool transfers_bytes = true;
    /// Terminal only: records are sealed (and may be partly on the wire)
    /// before the operation can notice the signal.
    using cancellation_filter = boost::asio::enable_terminal_cancellation;
    static constexpr bool cancel_breaks_stream = true;

    ConstBufferSequence buffers;
    bool sealed = false;
    std::size_t taken = 0;

    bool start(stream_core& core, error_code& ec, std::size_t&)
    {
        if (boost::asio::buffer_size(buffers) == 0)
            return true;
        return require_connected(core, ec);
    }
    bool must_flush(const engine&) const noexcept { return true; }
    io_step check(engine& e, error_code& ec, std::size_t& n)
    {
        if (sealed) {
            // Everything sealed has been written.
            ec = {};
            n = taken;
            return io_step::done;
        }
        if (e.closed_for_writing()) {
            ec = mtls::error::connection_closed;
            n = 0;
            return io_step::done;
        }
        taken = seal(e);
        sealed = true;
        return io_step::again;
    }
    bool on_eof(engine& e)
    {
        e.on_transport_eof();
        return false;
    }

private:
    /// Copies across buffer boundaries straight into the engine's record
    /// space: no intermediate copy, no allocation.
    std::size_t seal(engine& e)
    {
        auto it = boost::asio::buffer_sequence_begin(buffers);
        std::size_t offset = 0; // into *it
        std::size_t left = boost::asio::buffer_size(buffers);
        std::size_t total = 0;
        for (int records = 0; left != 0 && records < max_records_per_write; ++records) {
            const auto room = e.prepare_record();
            const std::size_t want = std::min(room.size(), left);
            std::size_t filled = 0;
            while (filled < want) {
                const boost::asio::const_buffer b = boost::asio::const_buffer(*it) + offset;
                const std::size_t k = std::min(b.size(), want - filled);
                std::memcpy(room.data() + filled, b.data(), k);
                filled += k;
                offset += k;
                if (k == b.size()) {
                    ++it;
                    offset = 0;
                }
            }
            e.seal_record(filled);
            left -= filled;
            total += filled;
        }
        return total;
    }
};

/// Sends close_notify, then (unless `send_only`) waits for the peer's,
/// dropping application data that arrives meanwhile.
struct shutdown_policy {
    static constexpr bool transfers_bytes = false;
    /// Terminal and partial: a wait for the peer's close_notify can be given
    /// up (ours is out); a close_notify cut short breaks the stream.
    using cancellation_filter = boost::asio::enable_partial_cancellation;
    static constexpr bool cancel_breaks_stream = false;

    bool send_only = false;

    bool start(stream_core& core, error_code& ec, std::size_t&)
    {
        if (require_connected(core, ec))
            return true;
        core.eng->close();
        return false;
    }
    bool must_flush(const engine&) const noexcept { return true; }
    io_step check(engine& e, error_code& ec, std::size_t&)
    {
        // Reached only once the output, close_notify included, is written.
        if (send_only || e.peer_closed()) {
            ec = {};
            return io_step::done;
        }
        const auto text = e.plaintext();
        if (!text.empty()) {
            e.consume_plaintext(text.size());
            return io_step::again;
        }
        return io_step::read;
    }
    /// A peer that closes the transport after our close_notify has closed
    /// the connection; waiting for its close_notify is a courtesy
    /// (RFC 5246 §7.2.1 lets it skip the reply and close).
    bool on_eof(engine&) { return true; }
};

} // namespace mtls::detail

#endif
