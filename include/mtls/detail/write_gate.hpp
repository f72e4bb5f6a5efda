#ifndef MTLS_DETAIL_WRITE_GATE_HPP
#define MTLS_DETAIL_WRITE_GATE_HPP

// Lets one operation at a time write to the next layer. A TLS connection is a
// single ordered byte stream: if a read that must send an alert started its
// own write while the user's write was still on the wire, the two could
// interleave. The holder writes until the engine has no output left, so
// output queued by another operation meanwhile goes out with it.

#include <mtls/detail/config.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/associated_allocator.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/post.hpp>
#include <boost/assert.hpp>

#include <utility>

namespace mtls::detail {

class write_gate {
    using waiter_type = boost::asio::any_completion_handler<void()>;

public:
    write_gate() = default;
    write_gate(write_gate&&) = default;
    // Boost 1.81's any_completion_handler move assignment recurses without
    // end (it copies from an lvalue through its converting constructor);
    // swapping is safe.
    write_gate& operator=(write_gate&& other) noexcept
    {
        busy_ = other.busy_;
        wait_id_ = other.wait_id_;
        waiter_type(std::move(other.waiter_)).swap(waiter_);
        return *this;
    }

    bool busy() const noexcept { return busy_; }

    void lock() noexcept
    {
        BOOST_ASSERT(!busy_);
        busy_ = true;
    }

    /// Releases the gate and resumes the waiting operation, if any. The waiter
    /// is posted to its own executor, never run inline: the releasing
    /// operation is still on the call stack and has not finished its step.
    void unlock()
    {
        busy_ = false;
        resume();
    }

    /// Parks `handler` until `unlock()`. At most one operation waits: a
    /// stream has at most one read-type and one write-type operation, and
    /// one of them holds the gate.
    template <class Handler>
    void async_wait(Handler&& handler)
    {
        BOOST_ASSERT(busy_ && !waiter_);
        // The erased waiter posts the handler itself: the executor is
        // captured with its concrete type here, because the type-erased
        // completion executor cannot be asked for blocking.never.
        auto ex = boost::asio::get_associated_executor(handler);
        auto alloc = boost::asio::get_associated_allocator(handler);
        // A cancelled wait resumes early; the operation sees its cancelled
        // state and completes. The id keeps a late signal from resuming a
        // later wait.
        auto slot = boost::asio::get_associated_cancellation_slot(handler);
        const unsigned id = ++wait_id_;
        if (slot.is_connected())
            slot.template emplace<cancel_wait>(this, id);
        waiter_type(boost::asio::bind_allocator(alloc,
                                                [ex, h = std::forward<Handler>(handler)]() mutable {
                                                    boost::asio::post(ex, std::move(h));
                                                }))
            .swap(waiter_);
    }

private:
    struct cancel_wait {
        // Not an aggregate: slot.emplace constructs with parentheses (see io.hpp).
        cancel_wait(write_gate* g, unsigned i) noexcept : gate(g), id(i) {}
        write_gate* gate;
        unsigned id;
        void operator()(boost::asio::cancellation_type_t) const
        {
            if (gate->wait_id_ == id)
                gate->resume();
        }
    };

    void resume()
    {
        if (waiter_) {
            waiter_type w;
            w.swap(waiter_);
            std::move(w)();
        }
    }

    bool busy_ = false;
    unsigned wait_id_ = 0;
    waiter_type waiter_;
};

} // namespace mtls::detail

#endif
