#ifndef MTLS_BENCH_COMPARE_TRANSPORT_HPP
#define MTLS_BENCH_COMPARE_TRANSPORT_HPP

// The transport both libraries run over in mtls_bench_compare: a loopback TCP
// socket wrapped so that every write_some the TLS layer makes on it, sync or
// async, is counted.

#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <utility>

namespace mtls::bench {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

/// A connected TCP socket that counts the write_some calls made on it into
/// `*writes`. Models Asio's AsyncStream and SyncStream, so both
/// `mtls::tls_stream` and `asio::ssl::stream` take it as their next layer.
class counted_socket {
public:
    using executor_type = tcp::socket::executor_type;
    using lowest_layer_type = tcp::socket::lowest_layer_type;

    counted_socket(tcp::socket socket, std::uint64_t& writes) : socket_(std::move(socket)), writes_(&writes) {}

    executor_type get_executor() noexcept { return socket_.get_executor(); }
    lowest_layer_type& lowest_layer() noexcept { return socket_.lowest_layer(); }
    const lowest_layer_type& lowest_layer() const noexcept { return socket_.lowest_layer(); }

    template <class MutableBuffers>
    std::size_t read_some(const MutableBuffers& buffers)
    {
        return socket_.read_some(buffers);
    }
    template <class MutableBuffers>
    std::size_t read_some(const MutableBuffers& buffers, error_code& ec)
    {
        return socket_.read_some(buffers, ec);
    }
    template <class ConstBuffers>
    std::size_t write_some(const ConstBuffers& buffers)
    {
        ++*writes_;
        return socket_.write_some(buffers);
    }
    template <class ConstBuffers>
    std::size_t write_some(const ConstBuffers& buffers, error_code& ec)
    {
        ++*writes_;
        return socket_.write_some(buffers, ec);
    }
    template <class MutableBuffers, class Token>
    auto async_read_some(const MutableBuffers& buffers, Token&& token)
    {
        return socket_.async_read_some(buffers, std::forward<Token>(token));
    }
    template <class ConstBuffers, class Token>
    auto async_write_some(const ConstBuffers& buffers, Token&& token)
    {
        ++*writes_;
        return socket_.async_write_some(buffers, std::forward<Token>(token));
    }

private:
    tcp::socket socket_;
    std::uint64_t* writes_;
};

/// A listening socket on 127.0.0.1 and an ephemeral port.
inline tcp::acceptor loopback_acceptor(asio::io_context& io)
{
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    acceptor.listen(asio::socket_base::max_listen_connections);
    return acceptor;
}

/// Both ends of a new loopback connection, made in one thread: a blocking
/// connect completes from the listen backlog before accept is called.
inline std::pair<tcp::socket, tcp::socket> loopback_pair(asio::io_context& io, tcp::acceptor& acceptor)
{
    tcp::socket client(io);
    client.connect(acceptor.local_endpoint());
    auto server = acceptor.accept();
    client.set_option(tcp::no_delay(true));
    server.set_option(tcp::no_delay(true));
    return {std::move(client), std::move(server)};
}

/// Makes the next close of `socket` reset the connection instead of leaving
/// it in TIME_WAIT: thousands of connections a second would otherwise run
/// the machine out of ephemeral ports. Only for a socket whose peer has
/// nothing left to read from it.
inline void close_with_reset(tcp::socket::lowest_layer_type& socket)
{
    error_code ignored;
    socket.set_option(asio::socket_base::linger(true, 0), ignored);
}

} // namespace mtls::bench

#endif
