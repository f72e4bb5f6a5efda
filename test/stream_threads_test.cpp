// mtls::tls_stream on a multi-threaded io_context: one server context shared
// by every server stream, client streams on TLS 1.3 and TLS 1.2 at once,
// each stream on its own strand, all handshaking and echoing concurrently.
// Built with -fsanitize=thread (scripts/test.sh --tsan) this is the check
// that streams sharing a context share no unsynchronised state.

#include <mtls/tls_stream.hpp> // first: the header is self-contained

#define BOOST_TEST_MODULE stream_threads
#include <boost/test/unit_test.hpp>

#include "support/bytes.hpp"
#include "support/certs.hpp"
#include "support/print.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace asio = boost::asio;
using asio::ip::tcp;
using mtls::error_code;
using mtls::role;
using mtls::tls_stream;
using namespace std::chrono_literals;

namespace {

using strand_type = asio::strand<asio::io_context::executor_type>;

constexpr int clients = 16;
constexpr int threads = 4;
constexpr std::size_t per_client = 40000; // a few records each way

/// Handlers that ran outside the strand of their stream (must stay 0).
std::atomic<int> off_strand{0};

/// The threads that ran handlers: more than one, or nothing ran concurrently.
std::mutex seen_mutex;
std::set<std::thread::id> seen_threads;

void check_strand(const strand_type& s)
{
    if (!s.running_in_this_thread())
        ++off_strand;
    std::lock_guard lock(seen_mutex);
    seen_threads.insert(std::this_thread::get_id());
}

std::string as_string(const mtls::test::bytes& b)
{
    return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

/// Echoes what it reads until the client's close_notify, then answers it.
struct server_session {
    server_session(tcp::socket socket, const strand_type& s, const mtls::context& ctx)
        : strand(s), stream(std::move(socket), ctx)
    {
    }

    void start()
    {
        stream.async_handshake(role::server, [this](error_code ec) {
            check_strand(strand);
            if (ec)
                return void(error = ec);
            version = stream.info().version;
            read_next();
        });
    }

    void read_next()
    {
        stream.async_read_some(asio::buffer(buf), [this](error_code ec, std::size_t n) {
            check_strand(strand);
            if (ec == asio::error::eof) {
                // close_notify from the client: answer it.
                stream.async_shutdown([this](error_code ec) {
                    check_strand(strand);
                    shutdown = ec;
                });
                return;
            }
            if (ec)
                return void(error = ec);
            asio::async_write(stream, asio::buffer(buf.data(), n), [this](error_code ec, std::size_t k) {
                check_strand(strand);
                if (ec)
                    return void(error = ec);
                echoed += k;
                read_next();
            });
        });
    }

    strand_type strand;
    tls_stream<tcp::socket> stream;
    std::array<char, 16384> buf{};
    std::size_t echoed = 0;
    mtls::tls_version version{};
    std::optional<error_code> error;
    std::optional<error_code> shutdown;
};

/// Accepts `clients` connections, each on a new strand.
struct server {
    server(asio::io_context& c, const mtls::context& ctx_)
        : ioc(c), ctx(ctx_), acceptor(asio::make_strand(c), tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0))
    {
    }

    void accept_next()
    {
        if (sessions.size() == clients)
            return; // out of work once every session ends
        auto strand = asio::make_strand(ioc);
        acceptor.async_accept(strand, [this, strand](error_code ec, tcp::socket socket) {
            if (ec)
                return void(accept_error = ec);
            sessions.push_back(std::make_unique<server_session>(std::move(socket), strand, ctx));
            // The new stream's own strand runs it from now on.
            asio::post(strand, [s = sessions.back().get()] { s->start(); });
            accept_next();
        });
    }

    asio::io_context& ioc;
    const mtls::context& ctx;
    tcp::acceptor acceptor;
    std::vector<std::unique_ptr<server_session>> sessions;
    std::optional<error_code> accept_error;
};

/// Connects, handshakes, writes its data while reading the echo, shuts down.
struct client_session {
    client_session(asio::io_context& ioc, const mtls::context& ctx, unsigned seed)
        : strand(asio::make_strand(ioc)), stream(strand, ctx), data(as_string(mtls::test::pattern(per_client, seed))),
          got(per_client, '\0')
    {
        stream.set_host_name("localhost");
    }

    void start(const tcp::endpoint& server)
    {
        stream.lowest_layer().async_connect(server, [this](error_code ec) {
            check_strand(strand);
            if (ec)
                return void(error = ec);
            stream.async_handshake(role::client, [this](error_code ec) {
                check_strand(strand);
                if (ec)
                    return void(error = ec);
                version = stream.info().version;
                write_next();
                read_next();
            });
        });
    }

    void write_next()
    {
        if (sent == data.size())
            return maybe_shutdown();
        // Uneven pieces, so records and reads do not line up.
        const std::size_t n = std::min<std::size_t>(7000, data.size() - sent);
        asio::async_write(stream, asio::buffer(data.data() + sent, n), [this](error_code ec, std::size_t k) {
            check_strand(strand);
            if (ec)
                return void(error = ec);
            sent += k;
            write_next();
        });
    }

    void read_next()
    {
        if (received == got.size())
            return maybe_shutdown();
        stream.async_read_some(asio::buffer(got.data() + received, got.size() - received),
                               [this](error_code ec, std::size_t k) {
                                   check_strand(strand);
                                   if (ec)
                                       return void(error = ec);
                                   received += k;
                                   read_next();
                               });
    }

    void maybe_shutdown()
    {
        if (sent != data.size() || received != got.size())
            return;
        stream.async_shutdown([this](error_code ec) {
            check_strand(strand);
            shutdown = ec;
        });
    }

    strand_type strand;
    tls_stream<tcp::socket> stream;
    std::string data;
    std::string got;
    std::size_t sent = 0;
    std::size_t received = 0;
    mtls::tls_version version{};
    std::optional<error_code> error;
    std::optional<error_code> shutdown;
};

} // namespace

BOOST_AUTO_TEST_CASE(concurrent_streams_on_four_threads)
{
    asio::io_context ioc(threads);
    // One context for every server stream; the clients share one context per
    // version: the default (TLS 1.3, ECDSA key) and one capped at TLS 1.2
    // (RSA key), so concurrent handshakes sign with one shared key of each.
    const mtls::context server_ctx = mtls::test::server_context_requiring_client_cert();
    const mtls::context client13 = mtls::test::client_context("client-ecdsa");
    mtls::context client12 = mtls::test::client_context("client-rsa");
    client12.set_max_version(mtls::tls_version::tls12);

    server srv(ioc, server_ctx);
    const tcp::endpoint endpoint = srv.acceptor.local_endpoint();
    std::vector<std::unique_ptr<client_session>> sessions;
    for (int i = 0; i < clients; ++i)
        sessions.push_back(
            std::make_unique<client_session>(ioc, i % 2 == 0 ? client13 : client12, static_cast<unsigned>(i + 1)));

    asio::post(srv.acceptor.get_executor(), [&] { srv.accept_next(); });
    for (auto& s : sessions)
        asio::post(s->strand, [p = s.get(), endpoint] { p->start(endpoint); });

    std::vector<std::thread> pool;
    for (int i = 0; i < threads; ++i)
        pool.emplace_back([&] { ioc.run_for(300s); });
    for (auto& t : pool)
        t.join();

    BOOST_TEST_REQUIRE(ioc.stopped(), "operations still pending after the time limit");
    BOOST_TEST(off_strand.load() == 0, "handlers ran off their stream's strand");
    BOOST_TEST(seen_threads.size() > 1u, "handlers ran on " << seen_threads.size() << " thread(s)");
    BOOST_TEST(!srv.accept_error.has_value());
    BOOST_TEST_REQUIRE(srv.sessions.size() == std::size_t(clients));

    int tls12 = 0, tls13 = 0;
    for (int i = 0; i < clients; ++i) {
        const client_session& c = *sessions[i];
        BOOST_TEST_INFO_SCOPE("client " << i);
        BOOST_TEST(!c.error.has_value(), c.error.value_or(error_code{}).message());
        BOOST_TEST(c.sent == per_client);
        BOOST_TEST(c.received == per_client);
        BOOST_TEST((c.got == c.data), "the echo matches");
        BOOST_TEST_REQUIRE(c.shutdown.has_value());
        BOOST_TEST(c.shutdown->message() == error_code{}.message());
        const auto expected = i % 2 == 0 ? mtls::tls_version::tls13 : mtls::tls_version::tls12;
        BOOST_TEST((c.version == expected));
    }
    for (const auto& s : srv.sessions) {
        BOOST_TEST(!s->error.has_value(), s->error.value_or(error_code{}).message());
        BOOST_TEST(s->echoed == per_client);
        BOOST_TEST_REQUIRE(s->shutdown.has_value());
        BOOST_TEST(s->shutdown->message() == error_code{}.message());
        tls12 += s->version == mtls::tls_version::tls12;
        tls13 += s->version == mtls::tls_version::tls13;
    }
    BOOST_TEST(tls12 == clients / 2);
    BOOST_TEST(tls13 == clients / 2);
}
