#ifndef MTLS_BENCH_COMPARE_SYNC_HPP
#define MTLS_BENCH_COMPARE_SYNC_HPP

// The figures of mtls_bench_compare that put the client and the server in
// threads of their own, using each library's synchronous calls over loopback
// TCP: each end's CPU time, allocations and writes are its own thread's.
// - handshakes: connection after connection, each end timed from making its
//   stream to destroying it (handshake and 32 bytes each way, which TLS 1.3
//   tickets need); the TCP connect and accept are not timed.
// - bulk: one connection, the client writing 64 KiB at a time for as long
//   as asked, the server reading; and the same over plain TCP, the floor
//   under every library's bulk figures.

#include "compare_libs.hpp"
#include "heap_counter.hpp"
#include "measure.hpp"

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace mtls::bench {

/// The calling thread's CPU time and allocations between start() and stop(),
/// summed over every such interval.
class end_meter {
public:
    void start()
    {
        cpu_start_ = thread_cpu_ns();
        allocs_start_ = heap::thread_allocations();
    }
    void stop()
    {
        cpu_ns += thread_cpu_ns() - cpu_start_;
        allocs += heap::thread_allocations() - allocs_start_;
    }
    std::int64_t cpu_ns = 0;
    std::uint64_t allocs = 0;

private:
    std::int64_t cpu_start_ = 0;
    std::uint64_t allocs_start_ = 0;
};

/// One end's totals over some connections.
struct end_totals {
    std::int64_t cpu_ns = 0;
    std::uint64_t allocs = 0;
    std::uint64_t writes = 0;

    end_totals& operator+=(const end_totals& o)
    {
        cpu_ns += o.cpu_ns;
        allocs += o.allocs;
        writes += o.writes;
        return *this;
    }
};

struct handshake_figures {
    std::uint64_t handshakes = 0;
    double wall_s = 0;
    end_totals client;
    end_totals server;
};

inline const std::array<char, 32> ping_bytes{"ping from the client..........."};
inline const std::array<char, 32> pong_bytes{"pong from the server..........."};

/// A server thread accepting on `acceptor` until told to stop, running `one`
/// for each connection; the first error it meets is kept for the caller.
class server_thread {
public:
    template <class PerConnection>
    server_thread(tcp::acceptor& acceptor, PerConnection one)
        : endpoint_(acceptor.local_endpoint()), thread_([this, &acceptor, one]() mutable {
              try {
                  for (;;) {
                      auto socket = acceptor.accept();
                      if (stop_.load())
                          return;
                      socket.set_option(tcp::no_delay(true));
                      one(std::move(socket));
                  }
              } catch (const std::exception& e) {
                  error_ = std::string("server: ") + e.what();
              }
          })
    {}
    ~server_thread() { join(); }
    /// Stops the thread (waking its accept with one last connection) and
    /// waits for it; returns the server's error, if any.
    std::string join()
    {
        if (thread_.joinable()) {
            stop_.store(true);
            asio::io_context io;
            tcp::socket wake(io);
            error_code ignored;
            wake.connect(endpoint_, ignored);
            thread_.join();
        }
        return error_;
    }

private:
    tcp::endpoint endpoint_;
    std::atomic<bool> stop_{false};
    std::string error_;
    std::thread thread_;
};

/// Reads until the peer's end of the connection (an error either way).
template <class Stream>
void wait_for_close(Stream& s)
{
    std::array<char, 64> sink{};
    error_code ec;
    for (int i = 0; i < 16 && !ec; ++i)
        s.read_some(asio::buffer(sink), ec);
}

template <class Lib>
end_totals serve_one(typename Lib::config& cfg, tcp::socket socket)
{
    std::uint64_t writes = 0;
    end_meter m;
    m.start();
    std::optional<typename Lib::stream> tls(std::in_place, counted_socket(std::move(socket), writes), cfg.server);
    tls->handshake(Lib::server_role);
    std::array<char, 32> ping{};
    asio::read(*tls, asio::buffer(ping));
    asio::write(*tls, asio::buffer(pong_bytes));
    m.stop();
    if (ping != ping_bytes)
        throw std::runtime_error("the client's data arrived damaged");
    const auto writes_made = writes;
    wait_for_close(*tls);
    m.start();
    tls.reset();
    m.stop();
    // One of the writes is the 32 bytes of data.
    return {m.cpu_ns, m.allocs, writes_made - 1};
}

template <class Lib>
end_totals connect_one(asio::io_context& io, typename Lib::config& cfg, const tcp::endpoint& server,
                       const suite_choice& s, typename Lib::session& offer, bool expect_resumed)
{
    tcp::socket socket(io);
    socket.connect(server);
    socket.set_option(tcp::no_delay(true));
    std::uint64_t writes = 0;
    end_meter m;
    m.start();
    std::optional<typename Lib::stream> tls(std::in_place, counted_socket(std::move(socket), writes), cfg.client);
    Lib::prepare_client(*tls, offer);
    tls->handshake(Lib::client_role);
    asio::write(*tls, asio::buffer(ping_bytes));
    std::array<char, 32> pong{};
    asio::read(*tls, asio::buffer(pong));
    const bool resumed = Lib::resumed(*tls);
    const auto suite = Lib::suite(*tls);
    offer = Lib::take_session(*tls);
    m.stop();
    if (pong != pong_bytes)
        throw std::runtime_error("the server's data arrived damaged");
    if (suite != s.iana)
        throw std::runtime_error("negotiated " + suite + ", not " + std::string(s.iana));
    if (resumed != expect_resumed)
        throw std::runtime_error(std::string("expected a ") + (expect_resumed ? "resumed" : "full") + " handshake");
    if (!Lib::has(offer))
        throw std::runtime_error("the connection left no session to resume");
    const auto writes_made = writes;
    Lib::end_without_close_notify(*tls);
    close_with_reset(tls->lowest_layer());
    m.start();
    tls.reset();
    m.stop();
    return {m.cpu_ns, m.allocs, writes_made - 1};
}

/// Connections one after the other for `seconds` (after a quarter of that
/// as warm-up); with `resume`, each resumes the session the one before left.
template <class Lib>
handshake_figures measure_handshakes(typename Lib::config& cfg, const suite_choice& s, bool resume, double seconds)
{
    asio::io_context io;
    auto acceptor = loopback_acceptor(io);
    std::vector<end_totals> served;
    std::vector<end_totals> made;
    std::string client_error;
    std::size_t warm = 0;
    double wall_s = 0;
    {
        server_thread server(acceptor,
                             [&](tcp::socket socket) { served.push_back(serve_one<Lib>(cfg, std::move(socket))); });
        typename Lib::session offer{};
        const auto one = [&] {
            const bool expect_resumed = resume && !made.empty();
            if (!resume)
                offer = {};
            made.push_back(connect_one<Lib>(io, cfg, acceptor.local_endpoint(), s, offer, expect_resumed));
        };
        try {
            run_for(seconds / 4, one);
            warm = made.size();
            const auto start = std::chrono::steady_clock::now();
            run_for(seconds, one);
            wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        } catch (const std::exception& e) {
            client_error = std::string(Lib::name) + " client: " + e.what();
        }
        const auto server_error = server.join();
        if (!client_error.empty() || !server_error.empty())
            throw std::runtime_error(client_error + (client_error.empty() ? "" : "; ") + server_error);
    }
    if (served.size() != made.size())
        throw std::runtime_error("the server saw " + std::to_string(served.size()) + " connections, the client made " +
                                 std::to_string(made.size()));
    handshake_figures f;
    f.handshakes = made.size() - warm;
    f.wall_s = wall_s;
    for (auto i = warm; i < made.size(); ++i) {
        f.client += made[i];
        f.server += served[i];
    }
    return f;
}

struct bulk_figures {
    double mib_per_s = 0;
    end_totals sender;
    end_totals receiver;
    std::uint64_t sent = 0;     // bytes in the sender's timed window
    std::uint64_t received = 0; // bytes in the receiver's timed window
};

/// The server's end of a bulk figure: reads until the client ends the
/// stream, counting the bytes that arrive after `warm_end` and timing them.
template <class Stream>
void receive_until_closed(Stream& s, std::chrono::steady_clock::time_point warm_end, bulk_figures& f)
{
    std::vector<char> buffer(64 * 1024);
    end_meter m;
    bool timing = false;
    error_code ec;
    for (;;) {
        const auto n = s.read_some(asio::buffer(buffer), ec);
        if (ec)
            break;
        if (!timing && std::chrono::steady_clock::now() >= warm_end) {
            timing = true;
            m.start();
        }
        if (timing)
            f.received += n;
    }
    if (timing)
        m.stop();
    // The client ends the stream without close_notify, or with a reset.
    if (ec != asio::ssl::error::stream_truncated && ec != mtls::error::stream_truncated && ec != asio::error::eof &&
        ec != asio::error::connection_reset)
        throw boost::system::system_error(ec, "bulk read");
    f.receiver = {m.cpu_ns, m.allocs, 0};
}

/// The client's end of a bulk figure: writes 64 KiB at a time until
/// `warm_end`, then for `seconds` timed.
template <class Stream>
void send_for(Stream& s, std::chrono::steady_clock::time_point warm_end, double seconds, bulk_figures& f)
{
    using clock = std::chrono::steady_clock;
    const std::vector<char> chunk(64 * 1024, 'x');
    while (clock::now() < warm_end)
        asio::write(s, asio::buffer(chunk));
    end_meter m;
    m.start();
    const auto start = clock::now();
    const auto end = start + std::chrono::duration<double>(seconds);
    while (clock::now() < end) {
        asio::write(s, asio::buffer(chunk));
        f.sent += chunk.size();
    }
    m.stop();
    const auto wall_s = std::chrono::duration<double>(clock::now() - start).count();
    f.mib_per_s = static_cast<double>(f.sent) / wall_s / (1024.0 * 1024.0);
    f.sender = {m.cpu_ns, m.allocs, 0};
}

/// The bulk figure's connection, `client(socket, warm_end, f)` and
/// `server(socket, warm_end, f)` at its two ends.
template <class Client, class Server>
bulk_figures measure_connection(std::string_view label, double seconds, Client client, Server server)
{
    asio::io_context io;
    auto acceptor = loopback_acceptor(io);
    // Both ends start timing at the same moment; a handshake is well done by then.
    using clock = std::chrono::steady_clock;
    const clock::time_point warm_end =
        clock::now() + std::chrono::milliseconds(500) +
        std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(seconds / 4));
    bulk_figures f;
    std::string client_error;
    {
        server_thread receiver(acceptor, [&](tcp::socket socket) { server(std::move(socket), warm_end, f); });
        try {
            tcp::socket socket(io);
            socket.connect(acceptor.local_endpoint());
            socket.set_option(tcp::no_delay(true));
            client(std::move(socket), warm_end, f);
        } catch (const std::exception& e) {
            client_error = std::string(label) + " client: " + e.what();
        }
        const auto server_error = receiver.join();
        if (!client_error.empty() || !server_error.empty())
            throw std::runtime_error(client_error + (client_error.empty() ? "" : "; ") + server_error);
    }
    if (f.received == 0 || f.sent == 0)
        throw std::runtime_error("no data was timed: the warm-up outlasted the figure");
    return f;
}

/// One connection carrying data from client to server for `seconds` after a
/// warm-up of a quarter of that.
template <class Lib>
bulk_figures measure_bulk(typename Lib::config& cfg, const suite_choice& s, double seconds)
{
    return measure_connection(
        Lib::name, seconds,
        [&](tcp::socket socket, auto warm_end, bulk_figures& f) {
            std::uint64_t writes = 0;
            typename Lib::stream tls(counted_socket(std::move(socket), writes), cfg.client);
            Lib::prepare_client(tls, {});
            tls.handshake(Lib::client_role);
            if (Lib::suite(tls) != s.iana)
                throw std::runtime_error("negotiated " + Lib::suite(tls) + ", not " + std::string(s.iana));
            send_for(tls, warm_end, seconds, f);
            tls.lowest_layer().shutdown(tcp::socket::shutdown_send);
            wait_for_close(tls);
        },
        [&](tcp::socket socket, auto warm_end, bulk_figures& f) {
            std::uint64_t writes = 0;
            typename Lib::stream tls(counted_socket(std::move(socket), writes), cfg.server);
            tls.handshake(Lib::server_role);
            receive_until_closed(tls, warm_end, f);
        });
}

/// The floor under every bulk figure: the same connection and calls with no
/// TLS at all, what the kernel's loopback TCP costs per byte.
inline bulk_figures measure_tcp_bulk(double seconds)
{
    return measure_connection(
        "tcp", seconds,
        [&](tcp::socket socket, auto warm_end, bulk_figures& f) {
            send_for(socket, warm_end, seconds, f);
            socket.shutdown(tcp::socket::shutdown_send);
            wait_for_close(socket);
        },
        [](tcp::socket socket, auto warm_end, bulk_figures& f) { receive_until_closed(socket, warm_end, f); });
}

} // namespace mtls::bench

#endif
