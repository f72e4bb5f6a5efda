#ifndef MTLS_DETAIL_IO_HPP
#define MTLS_DETAIL_IO_HPP

// One driver for every tls_stream operation, synchronous or not. Each step:
// flush the engine's output (one write on the next layer at a time), report a
// failure once its alert is out, ask the operation whether its goal is met,
// otherwise read more from the next layer. An operation is a small policy:
//
//   static constexpr bool transfers_bytes;   // completion carries a size
//   using cancellation_filter = ...;          // the cancellation types it honours
//   bool start(stream_core&, error_code&, std::size_t&);  // true: finished
//   bool must_flush(const engine&) const;    // wait for another op's write?
//   io_step check(engine&, error_code&, std::size_t&);   // read, done, again
//   bool on_eof(engine&);                    // true: finished successfully

#include <mtls/detail/config.hpp>

#include <mtls/detail/stream_core.hpp>
#include <mtls/error.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/coroutine.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/assert.hpp>

#include <cstddef>
#include <utility>

namespace mtls::detail {

enum class io_step {
    write,         ///< send the engine's output to the next layer
    wait_for_gate, ///< another operation is writing; resume once it is done
    read,          ///< read more input from the next layer
    done,          ///< complete the operation
    again,         ///< the policy changed the engine (queued records, dropped data); decide anew
};

/// Decides the next step of `policy`; on `done`, `ec` and `n` hold the result.
template <class Policy>
io_step next_step(stream_core& core, Policy& policy, error_code& ec, std::size_t& n)
{
    engine& e = *core.eng;
    for (;;) {
        if (!core.gate.busy()) {
            if (!e.output().empty())
                return io_step::write;
        } else if (policy.must_flush(e)) {
            return io_step::wait_for_gate;
        }
        // The gate holder flushes everything queued, so reaching here with
        // a failure means its alert has left (or is leaving, for a read that
        // need not wait).
        if (e.failed()) {
            ec = e.error();
            n = 0;
            return io_step::done;
        }
        const io_step s = policy.check(e, ec, n);
        if (s == io_step::read && e.input_space().empty()) {
            // The engine takes no input while too much output is queued (a
            // peer that sends but never reads); the gate holder is sending it.
            if (core.gate.busy())
                return io_step::wait_for_gate;
            // Otherwise it holds no plaintext and has not failed, so it must
            // have room; reading into nothing would spin.
            ec = mtls::error::internal_error;
            n = 0;
            return io_step::done;
        }
        if (s != io_step::again)
            return s;
    }
}

inline boost::asio::const_buffer output_buffer(engine& e)
{
    const auto out = e.output();
    return {out.data(), out.size()};
}

inline boost::asio::mutable_buffer input_buffer(engine& e)
{
    const auto space = e.input_space();
    return {space.data(), space.size()};
}

/// The peer is gone: a next-layer write failed because the connection was
/// reset or closed under it.
inline bool peer_gone(const error_code& ec) noexcept
{
    return ec == boost::asio::error::broken_pipe || ec == boost::asio::error::connection_reset;
}

/// Most reads a failed write makes for what already arrived: room for a few
/// records ahead of the alert, and never a loop a live peer can keep going.
inline constexpr int max_reads_after_failed_write = 4;

/// Feeds the engine what `socket` has already received, without waiting,
/// until the engine fails or nothing is left.
template <class Socket>
void read_arrived_from(Socket& socket, engine& e)
{
    for (int i = 0; i < max_reads_after_failed_write && !e.failed(); ++i) {
        error_code ec;
        // Bytes are waiting, so the read below returns at once.
        if (socket.available(ec) == 0 || ec)
            return;
        const boost::asio::mutable_buffer space = input_buffer(e);
        if (space.size() == 0)
            return;
        const std::size_t got = socket.read_some(space, ec);
        if (got != 0)
            e.commit_input(got);
        if (ec)
            return;
    }
}

/// Feeds the engine what the next layer has already received, when that can
/// be read without waiting: the next layer is a socket, or a
/// beast::basic_stream over one. Bytes waiting in a socket under other layers
/// do not say whether a read through them would return.
template <class NextLayer>
void read_arrived(NextLayer& next, engine& e)
{
    if constexpr (requires(error_code& ec) { next.available(ec); })
        detail::read_arrived_from(next, e);
    else if constexpr (requires(error_code& ec) { next.socket().available(ec); })
        detail::read_arrived_from(next.socket(), e);
}

/// Accounts for a finished next-layer write. Returns true when the operation
/// ends here: the write failed, which fails the connection. A record may be
/// cut short on the wire, and the next layer is broken (on a reset socket,
/// Asio's edge-triggered reactor can leave a later write waiting forever), so
/// later operations complete with the same error without touching it.
///
/// A peer that fails the connection sends an alert and closes; a write of
/// ours can then fail with a reset before any read has seen the alert (a
/// TLS 1.3 server refusing the client's certificate after the client's
/// handshake completed, RFC 8446 §4.4.2.4). The alert says why, so what has
/// already arrived is read first, unless another operation's read is in
/// flight (it will see the alert itself), and the alert is the error.
template <class NextLayer>
bool after_write(NextLayer& next, stream_core& core, std::size_t written, const error_code& wec,
                 error_code& ec, std::size_t& n)
{
    engine& e = *core.eng;
    e.consume_output(written);
    core.gate.unlock();
    if (!wec)
        return false;
    ec = wec;
    n = 0;
    if (peer_gone(wec)) {
        if (!e.failed() && !core.reading)
            detail::read_arrived(next, e);
        if (e.error() == condition::peer_alert)
            ec = e.error();
    }
    core.abort(ec);
    return true;
}

/// Feeds a finished next-layer read to the engine. Returns true when the
/// operation ends here.
template <class Policy>
bool after_read(stream_core& core, Policy& policy, std::size_t got, const error_code& rec,
                error_code& ec, std::size_t& n)
{
    if (got != 0)
        core.eng->commit_input(got);
    if (rec == boost::asio::error::eof) {
        if (!policy.on_eof(*core.eng))
            return false;
        ec = {};
        n = 0;
        return true;
    }
    if (!rec)
        return false;
    ec = rec;
    n = 0;
    return true;
}

/// Runs `policy` to completion with blocking calls on `next`.
template <class NextLayer, class Policy>
std::size_t io(NextLayer& next, stream_core& core, Policy policy, error_code& ec)
{
    ec = {};
    std::size_t n = 0;
    if (policy.start(core, ec, n))
        return n;
    for (;;) {
        const io_step step = next_step(core, policy, ec, n);
        // Synchronous operations lock and unlock the gate within one step, so
        // they never find it held (mixing them with async ones is not supported).
        BOOST_ASSERT(step != io_step::wait_for_gate);
        if (step == io_step::write) {
            core.gate.lock();
            error_code wec;
            const std::size_t written = boost::asio::write(next, output_buffer(*core.eng), wec);
            if (after_write(next, core, written, wec, ec, n))
                return n;
        } else if (step == io_step::read) {
            error_code rec;
            const std::size_t got = next.read_some(input_buffer(*core.eng), rec);
            if (after_read(core, policy, got, rec, ec, n))
                return n;
        } else {
            return n;
        }
    }
}

/// Runs `policy` as an Asio composed operation (the body for async_compose).
template <class NextLayer, class Policy>
class io_op : boost::asio::coroutine {
public:
    io_op(NextLayer& next, stream_core& core, Policy policy)
        : next_(next), core_(core), policy_(std::move(policy))
    {
    }

    template <class Self>
    void operator()(Self& self, error_code ec = {}, std::size_t n = 0)
    {
        // The first call runs inside the initiating function, where the
        // handler must not be invoked.
        const bool cont = started_;
        if (!started_)
            self.reset_cancellation_state(typename Policy::cancellation_filter{});
        started_ = true;
        BOOST_ASIO_CORO_REENTER(*this)
        {
            done_ = policy_.start(core_, ec_, n_);
            while (!done_) {
                // A signal that arrived between steps is honoured before the
                // next one starts; the next layer only sees it during a step.
                if (self.cancelled() != boost::asio::cancellation_type::none) {
                    cancelled(false);
                    break;
                }
                step_ = next_step(core_, policy_, ec_, n_);
                if (step_ == io_step::write) {
                    core_.gate.lock();
                    shield_write(self);
                    BOOST_ASIO_CORO_YIELD boost::asio::async_write(
                        next_, output_buffer(*core_.eng),
                        boost::asio::bind_cancellation_slot(core_.write_cancel->slot(), std::move(self)));
                    done_ = after_write(next_, core_, n, ec, ec_, n_);
                    // A record cut short on the wire cannot be resumed.
                    if (done_ && ec == boost::asio::error::operation_aborted)
                        cancelled(true);
                } else if (step_ == io_step::wait_for_gate) {
                    BOOST_ASIO_CORO_YIELD core_.gate.async_wait(std::move(self));
                } else if (step_ == io_step::read) {
                    core_.reading = true;
                    BOOST_ASIO_CORO_YIELD next_.async_read_some(input_buffer(*core_.eng),
                                                                std::move(self));
                    core_.reading = false;
                    done_ = after_read(core_, policy_, n, ec, ec_, n_);
                    if (done_ && ec == boost::asio::error::operation_aborted)
                        cancelled(false);
                } else {
                    done_ = true;
                }
            }
            if (!cont) {
                // Finished without waiting: complete as if posted.
                BOOST_ASIO_CORO_YIELD boost::asio::post(std::move(self));
            }
            if constexpr (Policy::transfers_bytes)
                self.complete(ec_, n_);
            else
                self.complete(ec_);
        }
    }

private:
    /// Only a terminal signal may cut a next-layer write: stopping one half
    /// way leaves a record cut short, which breaks the stream. Partial and
    /// total signals (a read's) wait for the write to finish and are honoured
    /// before the next step, so they cost nothing.
    template <class Self>
    void shield_write(Self& self)
    {
        core_.write_cancel->slot().clear();
        auto slot = self.get_cancellation_state().slot();
        if (slot.is_connected())
            slot.template emplace<terminal_only>(core_.write_cancel.get());
    }

    struct terminal_only {
        // A constructor, not an aggregate: slot.emplace constructs with
        // parentheses, which clang 14 does not accept for aggregates.
        explicit terminal_only(boost::asio::cancellation_signal* w) noexcept : write(w) {}
        boost::asio::cancellation_signal* write;
        void operator()(boost::asio::cancellation_type_t type) const
        {
            if ((type & boost::asio::cancellation_type::terminal) != boost::asio::cancellation_type::none)
                write->emit(boost::asio::cancellation_type::terminal);
        }
    };

    /// Ends the operation with operation_aborted. The stream can go on
    /// unless the policy says a cancelled operation breaks it (a handshake,
    /// a write) or a record was cut short on the wire.
    void cancelled(bool record_cut)
    {
        ec_ = boost::asio::error::operation_aborted;
        n_ = 0;
        done_ = true;
        if (record_cut || Policy::cancel_breaks_stream)
            core_.abort(ec_);
    }

    NextLayer& next_;
    stream_core& core_;
    Policy policy_;
    io_step step_ = io_step::done;
    bool started_ = false;
    bool done_ = false;
    error_code ec_;
    std::size_t n_ = 0;
};

} // namespace mtls::detail

#endif
