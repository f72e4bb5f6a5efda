#ifndef MTLS_TEST_SUPPORT_HOLDING_STREAM_HPP
#define MTLS_TEST_SUPPORT_HOLDING_STREAM_HPP

// A next layer over beast::test::stream whose writes can be held on the
// wire, to keep a user write in flight while the read side acts. It names no
// lowest layer of its own: tls_stream finds it through next_layer().

#include <mtls/error.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/_experimental/test/stream.hpp>

#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

namespace mtls::test {

namespace asio = boost::asio;
namespace beast = boost::beast;

class holding_stream {
public:
    using executor_type = beast::test::stream::executor_type;

    explicit holding_stream(asio::io_context& ioc) : inner_(ioc) {}

    executor_type get_executor() noexcept { return inner_.get_executor(); }
    beast::test::stream& next_layer() noexcept { return inner_; }

    template <class MutableBufferSequence, class Token>
    auto async_read_some(const MutableBufferSequence& buffers, Token&& token)
    {
        return inner_.async_read_some(buffers, std::forward<Token>(token));
    }

    template <class ConstBufferSequence, class Token>
    auto async_write_some(const ConstBufferSequence& buffers, Token&& token)
    {
        return asio::async_initiate<Token, void(error_code, std::size_t)>(
            [this](auto handler, const ConstBufferSequence& b) {
                ++in_flight;
                max_in_flight = std::max(max_in_flight, in_flight);
                held_buffers_.assign(asio::buffer_sequence_begin(b), asio::buffer_sequence_end(b));
                // Not `held_ = ...`: that assignment recurses in Boost 1.81.
                held_type(std::move(handler)).swap(held_);
                if (!hold)
                    release();
            },
            token, buffers);
    }

    /// Lets the held write reach the peer.
    void release()
    {
        inner_.async_write_some(held_buffers_, [this, h = std::move(held_)](error_code ec,
                                                                           std::size_t n) mutable {
            --in_flight;
            std::move(h)(ec, n);
        });
    }

    bool hold = false;
    int in_flight = 0;
    int max_in_flight = 0;

private:
    beast::test::stream inner_;
    std::vector<asio::const_buffer> held_buffers_;
    using held_type = asio::any_completion_handler<void(error_code, std::size_t)>;
    held_type held_;
};

} // namespace mtls::test

#endif
