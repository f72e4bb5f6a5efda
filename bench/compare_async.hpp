#ifndef MTLS_BENCH_COMPARE_ASYNC_HPP
#define MTLS_BENCH_COMPARE_ASYNC_HPP

// The figures of mtls_bench_compare that run both ends of each connection in
// one io_context on one thread, with each library's asynchronous calls:
// - heap per idle end: many connections handshaken, 32 bytes sent each way,
//   then each end waiting in async_read_some, as an idle server or client
//   does; the heap grown since before the streams were made, per end;
// - heap per accepted connection before its ClientHello: server streams
//   waiting in async_handshake for a client that sends nothing;
// - handshakes per second on 1, 2, ... threads, one io_context per thread.

#include "compare_libs.hpp"
#include "compare_sync.hpp"
#include "heap_counter.hpp"

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace mtls::bench {

using deadline_t = std::chrono::steady_clock::time_point;

/// A client and a server stream on the two ends of one loopback connection,
/// handshaking and exchanging 32 bytes each way; with `park`, each end then
/// waits in async_read_some until the connection is closed.
template <class Lib>
class async_pair {
public:
    async_pair(std::pair<tcp::socket, tcp::socket> sockets, typename Lib::config& cfg, bool park)
        : client_(counted_socket(std::move(sockets.first), writes_), cfg.client),
          server_(counted_socket(std::move(sockets.second), writes_), cfg.server), park_(park)
    {
        Lib::prepare_client(client_, {});
    }
    async_pair(const async_pair&) = delete;
    async_pair& operator=(const async_pair&) = delete;

    void start()
    {
        client_.async_handshake(Lib::client_role, [this](error_code ec) {
            if (failed(ec, "client handshake"))
                return;
            asio::async_write(client_, asio::buffer(ping_bytes), [this](error_code wec, std::size_t) {
                if (failed(wec, "client write"))
                    return;
                asio::async_read(client_, asio::buffer(client_buf_), [this](error_code rec, std::size_t) {
                    if (!failed(rec, "client read"))
                        settle(client_, client_buf_, pong_bytes);
                });
            });
        });
        server_.async_handshake(Lib::server_role, [this](error_code ec) {
            if (failed(ec, "server handshake"))
                return;
            asio::async_read(server_, asio::buffer(server_buf_), [this](error_code rec, std::size_t) {
                if (failed(rec, "server read"))
                    return;
                asio::async_write(server_, asio::buffer(pong_bytes), [this](error_code wec, std::size_t) {
                    if (!failed(wec, "server write"))
                        settle(server_, server_buf_, ping_bytes);
                });
            });
        });
    }
    /// Ends done with their handshake and exchange: 0, 1 or 2.
    int settled() const noexcept { return settled_; }
    /// The first thing that went wrong; empty if nothing did.
    const std::string& error() const noexcept { return error_; }
    /// Closes both ends (the client's with a reset): parked reads complete.
    void close()
    {
        close_with_reset(client_.lowest_layer());
        error_code ignored;
        client_.lowest_layer().close(ignored);
        server_.lowest_layer().close(ignored);
    }

private:
    bool failed(const error_code& ec, const char* what)
    {
        if (ec && error_.empty())
            error_ = std::string(Lib::name) + " " + what + ": " + ec.message();
        return static_cast<bool>(ec);
    }
    void settle(typename Lib::stream& s, std::array<char, 32>& got, const std::array<char, 32>& expected)
    {
        if (got != expected && error_.empty())
            error_ = "the data arrived damaged";
        ++settled_;
        if (park_)
            s.async_read_some(asio::buffer(got), [](error_code, std::size_t) {});
    }

    std::uint64_t writes_ = 0;
    typename Lib::stream client_;
    typename Lib::stream server_;
    bool park_;
    int settled_ = 0;
    std::string error_;
    std::array<char, 32> client_buf_{};
    std::array<char, 32> server_buf_{};
};

/// Runs `io` until `done()`; fails past `deadline` or when nothing is left to run.
template <class Done>
void run_until(asio::io_context& io, Done done, deadline_t deadline, const char* what)
{
    while (!done()) {
        if (io.stopped())
            throw std::runtime_error(std::string(what) + ": nothing left to run before the end");
        if (std::chrono::steady_clock::now() > deadline)
            throw std::runtime_error(std::string(what) + ": did not finish in time");
        io.run_one_for(std::chrono::milliseconds(100));
    }
}

/// One connection handshaken and closed in `io`, before anything is
/// measured: each library sets up tables and caches on first use.
template <class Lib>
void warm_up(asio::io_context& io, tcp::acceptor& acceptor, typename Lib::config& cfg, deadline_t deadline)
{
    async_pair<Lib> pair(loopback_pair(io, acceptor), cfg, false);
    pair.start();
    run_until(
        io, [&] { return pair.settled() == 2 || !pair.error().empty(); }, deadline, "warm-up");
    if (!pair.error().empty())
        throw std::runtime_error(pair.error());
    pair.close();
    io.restart();
    io.run();
    io.restart();
}

/// `n` loopback connections in `io`, made after one warm-up connection.
template <class Lib>
std::vector<std::pair<tcp::socket, tcp::socket>> connections(asio::io_context& io, typename Lib::config& cfg,
                                                             std::size_t n, deadline_t deadline)
{
    auto acceptor = loopback_acceptor(io);
    warm_up<Lib>(io, acceptor, cfg, deadline);
    std::vector<std::pair<tcp::socket, tcp::socket>> sockets;
    for (std::size_t i = 0; i < n; ++i)
        sockets.push_back(loopback_pair(io, acceptor));
    return sockets;
}

/// Bytes of heap per end of `n` idle connections.
template <class Lib>
double idle_heap_per_end(typename Lib::config& cfg, std::size_t n, deadline_t deadline)
{
    asio::io_context io;
    auto sockets = connections<Lib>(io, cfg, n, deadline);
    std::vector<std::unique_ptr<async_pair<Lib>>> pairs;
    pairs.reserve(n);
    const auto before = heap::bytes_in_use();
    for (auto& s : sockets) {
        pairs.push_back(std::make_unique<async_pair<Lib>>(std::move(s), cfg, true));
        pairs.back()->start();
    }
    std::string error;
    const auto all_idle = [&] {
        std::size_t idle = 0;
        for (const auto& p : pairs) {
            if (!p->error().empty())
                error = p->error();
            idle += p->settled() == 2 ? 1 : 0;
        }
        return idle == n || !error.empty();
    };
    run_until(io, all_idle, deadline, "idle connections");
    // Let the parked reads reach the transport.
    io.poll();
    const auto after = heap::bytes_in_use();
    for (auto& p : pairs)
        p->close();
    io.restart();
    io.run();
    if (!error.empty())
        throw std::runtime_error(error);
    return static_cast<double>(after - before) / static_cast<double>(2 * n);
}

/// A server stream waiting for a ClientHello.
template <class Lib>
struct waiting_server {
    waiting_server(tcp::socket socket, typename Lib::config& cfg)
        : stream(counted_socket(std::move(socket), writes), cfg.server)
    {}
    std::uint64_t writes = 0;
    typename Lib::stream stream;
};

/// Bytes of heap per accepted connection whose server waits in
/// async_handshake for a ClientHello that has not come.
template <class Lib>
double pre_hello_heap(typename Lib::config& cfg, std::size_t n, deadline_t deadline)
{
    asio::io_context io;
    auto sockets = connections<Lib>(io, cfg, n, deadline);
    std::vector<std::unique_ptr<waiting_server<Lib>>> servers;
    servers.reserve(n);
    const auto before = heap::bytes_in_use();
    std::size_t ended_early = 0;
    for (auto& s : sockets) {
        servers.push_back(std::make_unique<waiting_server<Lib>>(std::move(s.second), cfg));
        servers.back()->stream.async_handshake(Lib::server_role, [&](error_code ec) { ended_early += ec ? 0 : 1; });
    }
    io.poll();
    const auto after = heap::bytes_in_use();
    for (auto& s : sockets)
        close_with_reset(s.first);
    for (auto& s : sockets)
        s.first.close();
    io.restart();
    io.run();
    if (ended_early != 0)
        throw std::runtime_error("a server handshake completed without a client");
    return static_cast<double>(after - before) / static_cast<double>(n);
}

/// Full handshakes per second (wall time) on `threads` threads, each with its
/// own io_context running client and server of one connection after another.
template <class Lib>
double handshakes_per_second(typename Lib::config& cfg, unsigned threads, double seconds)
{
    std::vector<std::uint64_t> counts(threads);
    std::vector<std::string> errors(threads);
    std::vector<std::thread> workers;
    const auto start = std::chrono::steady_clock::now();
    const auto end = start + std::chrono::duration<double>(seconds);
    for (unsigned t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            try {
                asio::io_context io;
                auto acceptor = loopback_acceptor(io);
                while (std::chrono::steady_clock::now() < end) {
                    async_pair<Lib> pair(loopback_pair(io, acceptor), cfg, false);
                    pair.start();
                    io.restart();
                    io.run();
                    if (!pair.error().empty() || pair.settled() != 2)
                        throw std::runtime_error(pair.error().empty() ? "a connection stalled" : pair.error());
                    pair.close();
                    ++counts[t];
                }
            } catch (const std::exception& e) {
                errors[t] = e.what();
            }
        });
    }
    for (auto& w : workers)
        w.join();
    const auto wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::uint64_t total = 0;
    for (unsigned t = 0; t < threads; ++t) {
        if (!errors[t].empty())
            throw std::runtime_error(errors[t]);
        total += counts[t];
    }
    return static_cast<double>(total) / wall_s;
}

} // namespace mtls::bench

#endif
