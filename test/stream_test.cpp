// mtls::tls_stream: the composed operations over loopback TCP and over
// beast::test::stream, with callbacks, threads, coroutines and the other
// completion tokens; full-duplex bulk transfer; failures (untrusted peer,
// truncation, a read's alert while a write is on the wire).

#include <mtls/tls_stream.hpp> // first: the header is self-contained

#define BOOST_TEST_MODULE stream
#include <boost/test/unit_test.hpp>

#include "support/holding_stream.hpp"
#include "support/print.hpp"
#include "support/stream_pair.hpp"

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <future>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;
using mtls::error_code;
using mtls::role;
using mtls::tls_stream;

BOOST_TEST_DONT_PRINT_LOG_VALUE(mtls::cipher_suite)
BOOST_TEST_DONT_PRINT_LOG_VALUE(mtls::named_group)
BOOST_TEST_DONT_PRINT_LOG_VALUE(mtls::tls_version)

namespace {

// ---------------------------------------------------------------------------
// Fixtures

std::string cert(const std::string& name)
{
    const char* d = std::getenv("MTLS_TEST_CERTS");
    BOOST_TEST_REQUIRE(d != nullptr, "MTLS_TEST_CERTS must name the gen_certs.sh output");
    return std::string(d) + "/" + name;
}

mtls::context server_context(const std::string& id = "server-ecdsa")
{
    mtls::context ctx;
    ctx.use_certificate_chain_file(cert(id + ".pem"));
    ctx.use_private_key_file(cert(id + ".key"));
    ctx.load_verify_file(cert("ca.pem"));
    ctx.set_verify_mode(mtls::verify_peer | mtls::verify_fail_if_no_peer_cert);
    return ctx;
}

mtls::context client_context()
{
    mtls::context ctx;
    ctx.use_certificate_chain_file(cert("client-ecdsa.pem"));
    ctx.use_private_key_file(cert("client-ecdsa.key"));
    ctx.load_verify_file(cert("ca.pem"));
    ctx.set_verify_mode(mtls::verify_peer);
    return ctx;
}

using mtls::test::socket_pair;

/// A mutually authenticating client/server pair over loopback TCP.
struct tcp_pair {
    explicit tcp_pair(asio::io_context& ioc, const mtls::context& sctx = server_context())
    {
        auto [c, s] = socket_pair(ioc);
        client.emplace(std::move(c), client_context());
        server.emplace(std::move(s), sctx);
        client->set_host_name("localhost");
    }
    std::optional<tls_stream<tcp::socket>> client;
    std::optional<tls_stream<tcp::socket>> server;
};

/// Runs `ioc` until it is out of work, with a bound so a bug hangs no build.
void run(asio::io_context& ioc, std::chrono::seconds limit = std::chrono::seconds(60))
{
    ioc.restart();
    ioc.run_for(limit);
    BOOST_TEST_REQUIRE(ioc.stopped(), "operations still pending after the time limit");
}

/// Runs the handlers that are ready, leaving pending operations pending.
void poll(asio::io_context& ioc)
{
    ioc.restart();
    ioc.poll();
}

template <class Stream>
void handshake_pair(asio::io_context& ioc, Stream& client, Stream& server)
{
    error_code cec = asio::error::would_block, sec = asio::error::would_block;
    client.async_handshake(role::client, [&](error_code ec) { cec = ec; });
    server.async_handshake(role::server, [&](error_code ec) { sec = ec; });
    run(ioc);
    BOOST_TEST_REQUIRE(cec.message() == error_code{}.message());
    BOOST_TEST_REQUIRE(sec.message() == error_code{}.message());
}

// A deterministic pseudo-random byte stream: byte i is a function of (seed, i),
// so a receiver can check any slice without keeping what was sent.
std::uint64_t splitmix64(std::uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

void fill_pattern(std::uint64_t seed, std::uint64_t offset, std::uint8_t* out, std::size_t n)
{
    for (std::size_t i = 0; i < n;) {
        const std::uint64_t pos = offset + i;
        const std::uint64_t word = splitmix64(seed ^ (pos / 8));
        for (std::uint64_t b = pos % 8; b < 8 && i < n; ++b, ++i)
            out[i] = static_cast<std::uint8_t>(word >> (8 * b));
    }
}

std::string text(std::size_t n)
{
    std::string s(n, '\0');
    fill_pattern(7, 0, reinterpret_cast<std::uint8_t*>(s.data()), n);
    return s;
}

} // namespace

// ---------------------------------------------------------------------------
// Types and trivial completions

// lowest_layer_type: a next layer's own name for it, else followed down. The
// one beast::tcp_stream declares is private (for asio::ssl only), so like
// beast::get_lowest_layer the stream itself is the lowest layer.
static_assert(std::is_same_v<tls_stream<tcp::socket>::lowest_layer_type,
                             asio::basic_socket<tcp, asio::any_io_executor>>);
static_assert(std::is_same_v<tls_stream<beast::tcp_stream>::lowest_layer_type, beast::tcp_stream>);
static_assert(std::is_same_v<tls_stream<beast::test::stream>::lowest_layer_type, beast::test::stream>);

BOOST_AUTO_TEST_CASE(handlers_never_run_inside_the_initiating_function)
{
    asio::io_context ioc;
    tls_stream<beast::tcp_stream> s(ioc, client_context());
    {
        // Streams move like their next layer (beast::tcp_stream does not assign).
        tls_stream<tcp::socket> first(ioc, client_context());
        tls_stream<tcp::socket> second(std::move(first));
        first = std::move(second);
    }
    BOOST_TEST(&s.lowest_layer() == &s.next_layer());
    BOOST_TEST((s.info().version == mtls::tls_version{}), "info() before a handshake is empty");

    char buf[8];
    int calls = 0;
    error_code read_ec = asio::error::would_block, write_ec = asio::error::would_block,
               shutdown_ec = asio::error::would_block, empty_ec = asio::error::would_block;
    std::size_t empty_n = 1;
    s.async_read_some(asio::buffer(buf), [&](error_code ec, std::size_t) { read_ec = ec; ++calls; });
    s.async_write_some(asio::buffer(buf), [&](error_code ec, std::size_t) { write_ec = ec; ++calls; });
    s.async_shutdown([&](error_code ec) { shutdown_ec = ec; ++calls; });
    s.async_read_some(asio::buffer(buf, 0), [&](error_code ec, std::size_t n) {
        empty_ec = ec;
        empty_n = n;
        ++calls;
    });
    BOOST_TEST(calls == 0);
    run(ioc);
    BOOST_TEST(calls == 4);
    BOOST_TEST(read_ec == mtls::error::not_connected);
    BOOST_TEST(write_ec == mtls::error::not_connected);
    BOOST_TEST(shutdown_ec == mtls::error::not_connected);
    BOOST_TEST(!empty_ec, "a zero-size read completes at once, without error");
    BOOST_TEST(empty_n == 0u);

    // The synchronous forms need no running io_context.
    error_code ec;
    BOOST_TEST(s.read_some(asio::buffer(buf), ec) == 0u);
    BOOST_TEST(ec == mtls::error::not_connected);
    BOOST_TEST(s.write_some(asio::buffer(buf), ec) == 0u);
    BOOST_TEST(ec == mtls::error::not_connected);
    s.shutdown(ec);
    BOOST_TEST(ec == mtls::error::not_connected);
    // The next layer's failure passes through: the socket is not open.
    s.handshake(role::client, ec);
    BOOST_TEST(ec == asio::error::bad_descriptor);
}

// ---------------------------------------------------------------------------
// Loopback TCP

BOOST_AUTO_TEST_CASE(async_callbacks_echo_and_shutdown)
{
    asio::io_context ioc;
    tcp_pair p(ioc);
    auto& client = *p.client;
    auto& server = *p.server;
    const std::string message = text(100000); // several records
    std::string echoed(message.size(), '\0');
    std::string at_server(message.size(), '\0');
    error_code client_ec = asio::error::would_block, server_ec = asio::error::would_block;
    bool inline_call = false;
    bool initiating = true;

    client.async_handshake(role::client, [&](error_code ec) {
        inline_call |= initiating;
        if (ec)
            return void(client_ec = ec);
        asio::async_write(client, asio::buffer(message), [&](error_code ec, std::size_t) {
            if (ec)
                return void(client_ec = ec);
            asio::async_read(client, asio::buffer(echoed), [&](error_code ec, std::size_t) {
                if (ec)
                    return void(client_ec = ec);
                client.async_shutdown([&](error_code ec) { client_ec = ec; });
            });
        });
    });
    server.async_handshake(role::server, [&](error_code ec) {
        if (ec)
            return void(server_ec = ec);
        asio::async_read(server, asio::buffer(at_server), [&](error_code ec, std::size_t n) {
            if (ec)
                return void(server_ec = ec);
            asio::async_write(server, asio::buffer(at_server, n), [&](error_code ec, std::size_t) {
                if (ec)
                    return void(server_ec = ec);
                server.async_shutdown([&](error_code ec) { server_ec = ec; });
            });
        });
    });
    initiating = false;
    run(ioc);

    BOOST_TEST(!inline_call);
    BOOST_TEST(client_ec.message() == error_code{}.message());
    BOOST_TEST(server_ec.message() == error_code{}.message());
    BOOST_TEST((at_server == message));
    BOOST_TEST((echoed == message));
}

BOOST_AUTO_TEST_CASE(sync_on_two_threads)
{
    asio::io_context ioc; // never run: the synchronous calls must not need it
    tcp_pair p(ioc);
    const std::string message = text(40000);
    std::string echoed(message.size(), '\0');

    std::exception_ptr server_failure;
    std::thread server_thread([&] {
        try {
            auto& server = *p.server;
            server.handshake(role::server);
            std::string got(message.size(), '\0');
            asio::read(server, asio::buffer(got));
            asio::write(server, asio::buffer(got));
            server.shutdown();
        } catch (...) {
            server_failure = std::current_exception();
        }
    });
    error_code client_ec;
    try {
        auto& client = *p.client;
        client.handshake(role::client);
        asio::write(client, asio::buffer(message));
        asio::read(client, asio::buffer(echoed));
        client.shutdown();
    } catch (const boost::system::system_error& e) {
        client_ec = e.code();
    }
    server_thread.join();

    BOOST_TEST(client_ec.message() == error_code{}.message());
    BOOST_TEST(!server_failure);
    BOOST_TEST((echoed == message));
}

namespace {

asio::awaitable<void> coro_server(tls_stream<tcp::socket>& s, std::string& got)
{
    co_await s.async_handshake(role::server, asio::use_awaitable);
    const std::size_t n = co_await asio::async_read(s, asio::buffer(got), asio::use_awaitable);
    co_await asio::async_write(s, asio::buffer(got, n), asio::use_awaitable);
    co_await s.async_shutdown(asio::use_awaitable);
}

asio::awaitable<void> coro_client(tls_stream<tcp::socket>& s, const std::string& message,
                                  std::string& echoed)
{
    co_await s.async_handshake(role::client, asio::use_awaitable);
    co_await asio::async_write(s, asio::buffer(message), asio::use_awaitable);
    co_await asio::async_read(s, asio::buffer(echoed), asio::use_awaitable);
    co_await s.async_shutdown(asio::use_awaitable);
}

} // namespace

BOOST_AUTO_TEST_CASE(coroutines_with_use_awaitable)
{
    asio::io_context ioc;
    tcp_pair p(ioc);
    const std::string message = text(50000);
    std::string at_server(message.size(), '\0');
    std::string echoed(message.size(), '\0');
    std::exception_ptr client_failure, server_failure;
    bool client_done = false, server_done = false;

    asio::co_spawn(ioc, coro_server(*p.server, at_server), [&](std::exception_ptr e) {
        server_failure = e;
        server_done = true;
    });
    asio::co_spawn(ioc, coro_client(*p.client, message, echoed), [&](std::exception_ptr e) {
        client_failure = e;
        client_done = true;
    });
    run(ioc);

    BOOST_TEST(client_done);
    BOOST_TEST(server_done);
    BOOST_TEST(!client_failure);
    BOOST_TEST(!server_failure);
    BOOST_TEST((at_server == message));
    BOOST_TEST((echoed == message));
}

namespace {

/// One end of the full-duplex test: a write loop and a read loop running at
/// once on the same stream, then a shutdown once both are done.
struct duplex_end {
    duplex_end(tls_stream<tcp::socket>& s, std::uint64_t send, std::uint64_t recv, std::size_t n)
        : stream(s), send_seed(send), recv_seed(recv), total(n)
    {
    }

    void start()
    {
        write_next();
        read_next();
    }

    void write_next()
    {
        if (sent == total)
            return finish();
        const std::size_t n = std::min(out.size(), total - sent);
        fill_pattern(send_seed, sent, out.data(), n);
        asio::async_write(stream, asio::buffer(out.data(), n), [this](error_code ec, std::size_t k) {
            if (ec)
                return void(write_ec = ec);
            sent += k;
            write_next();
        });
    }

    void read_next()
    {
        if (received == total)
            return finish();
        const std::size_t room = std::min(in.size(), total - received);
        stream.async_read_some(asio::buffer(in.data(), room), [this](error_code ec, std::size_t k) {
            if (ec)
                return void(read_ec = ec);
            fill_pattern(recv_seed, received, expected.data(), k);
            if (std::memcmp(in.data(), expected.data(), k) != 0)
                return void(first_mismatch = received);
            received += k;
            read_next();
        });
    }

    void finish()
    {
        if (sent == total && received == total)
            stream.async_shutdown([this](error_code ec) {
                shutdown_ec = ec;
                shut_down = true;
            });
    }

    tls_stream<tcp::socket>& stream;
    std::uint64_t send_seed;
    std::uint64_t recv_seed;
    std::size_t total;
    std::vector<std::uint8_t> out = std::vector<std::uint8_t>(256 * 1024);
    std::vector<std::uint8_t> in = std::vector<std::uint8_t>(64 * 1024);
    std::vector<std::uint8_t> expected = std::vector<std::uint8_t>(64 * 1024);
    std::size_t sent = 0;
    std::size_t received = 0;
    std::optional<std::size_t> first_mismatch;
    error_code write_ec, read_ec, shutdown_ec;
    bool shut_down = false;
};

} // namespace

BOOST_AUTO_TEST_CASE(full_duplex_64_mib_each_way)
{
    constexpr std::size_t total = 64u << 20;
    asio::io_context ioc;
    tcp_pair p(ioc);
    handshake_pair(ioc, *p.client, *p.server);

    duplex_end client(*p.client, 1, 2, total);
    duplex_end server(*p.server, 2, 1, total);
    client.start();
    server.start();
    run(ioc, std::chrono::seconds(300));

    for (const duplex_end* end : {&client, &server}) {
        BOOST_TEST(!end->first_mismatch.has_value());
        BOOST_TEST(end->write_ec.message() == error_code{}.message());
        BOOST_TEST(end->read_ec.message() == error_code{}.message());
        BOOST_TEST(end->sent == total);
        BOOST_TEST(end->received == total);
        BOOST_TEST(end->shut_down);
        BOOST_TEST(end->shutdown_ec.message() == error_code{}.message());
    }
}

BOOST_AUTO_TEST_CASE(connection_info_after_handshake)
{
    asio::io_context ioc;
    auto sctx = server_context();
    sctx.set_cipher_suites({mtls::cipher_suite::tls_ecdhe_ecdsa_with_aes_256_gcm_sha384});
    sctx.set_groups({mtls::named_group::secp384r1});
    tcp_pair p(ioc, sctx);
    BOOST_TEST(p.server->info().peer_subject.empty());
    handshake_pair(ioc, *p.client, *p.server);

    for (const auto* s : {&*p.client, &*p.server}) {
        const mtls::connection_info& info = s->info();
        BOOST_TEST((info.version == mtls::tls_version::tls12));
        BOOST_TEST((info.suite == mtls::cipher_suite::tls_ecdhe_ecdsa_with_aes_256_gcm_sha384));
        BOOST_TEST((info.group == mtls::named_group::secp384r1));
        BOOST_TEST(!info.peer_certificates.empty());
    }
    BOOST_TEST(p.server->info().peer_subject.find("mtls test client") != std::string::npos);
    BOOST_TEST(p.client->info().peer_subject.find("localhost") != std::string::npos);
    BOOST_TEST(p.client->info().server_name == "localhost");
    BOOST_TEST((&p.client->engine().info() == &p.client->info()));
    BOOST_TEST((p.server->engine().side() == role::server));
}

BOOST_AUTO_TEST_CASE(untrusted_server_fails_both_handshakes)
{
    asio::io_context ioc;
    tcp_pair p(ioc, server_context("server-untrusted"));
    error_code cec = asio::error::would_block, sec = asio::error::would_block;
    p.client->async_handshake(role::client, [&](error_code ec) { cec = ec; });
    p.server->async_handshake(role::server, [&](error_code ec) { sec = ec; });
    run(ioc);

    BOOST_TEST(cec == mtls::error::certificate_untrusted, cec.message());
    // The client's alert reached the server before the client reported.
    BOOST_TEST(sec == mtls::alert::unknown_ca, sec.message());
}

BOOST_AUTO_TEST_CASE(transport_closed_without_close_notify_is_truncation)
{
    asio::io_context ioc;
    tcp_pair p(ioc);
    handshake_pair(ioc, *p.client, *p.server);

    char buf[16];
    error_code ec = asio::error::would_block;
    p.server->async_read_some(asio::buffer(buf), [&](error_code e, std::size_t) { ec = e; });
    poll(ioc);
    p.client->lowest_layer().close();
    run(ioc);
    BOOST_TEST(ec == mtls::error::stream_truncated, ec.message());
}

BOOST_AUTO_TEST_CASE(close_notify_then_eof_and_answering_shutdown)
{
    asio::io_context ioc;
    tcp_pair p(ioc);
    handshake_pair(ioc, *p.client, *p.server);

    // The client closes; the server's pending read sees a clean end of
    // stream, then the server's shutdown only has to send its close_notify,
    // which completes the client's.
    char buf[16];
    error_code read_ec = asio::error::would_block, client_ec = asio::error::would_block,
               server_ec = asio::error::would_block;
    p.server->async_read_some(asio::buffer(buf), [&](error_code ec, std::size_t) {
        read_ec = ec;
        p.server->async_shutdown([&](error_code e) { server_ec = e; });
    });
    p.client->async_shutdown([&](error_code ec) { client_ec = ec; });
    run(ioc);

    BOOST_TEST(read_ec == asio::error::eof, read_ec.message());
    BOOST_TEST(server_ec.message() == error_code{}.message());
    BOOST_TEST(client_ec.message() == error_code{}.message());
    BOOST_TEST(p.server->engine().peer_closed());
    BOOST_TEST(p.client->engine().peer_closed());
}

BOOST_AUTO_TEST_CASE(deferred_and_use_future)
{
    asio::io_context ioc;
    tcp_pair p(ioc);
    auto client_op = p.client->async_handshake(role::client, asio::deferred);
    std::future<void> server_done = p.server->async_handshake(role::server, asio::use_future);
    error_code cec = asio::error::would_block;
    std::move(client_op)([&](error_code ec) { cec = ec; });
    run(ioc);
    BOOST_TEST(cec.message() == error_code{}.message());
    BOOST_CHECK_NO_THROW(server_done.get());

    const std::string message = "deferred write, future read";
    std::string got(message.size(), '\0');
    auto write_op = asio::async_write(*p.client, asio::buffer(message), asio::deferred);
    std::future<std::size_t> read_n = asio::async_read(*p.server, asio::buffer(got), asio::use_future);
    std::size_t written = 0;
    std::move(write_op)([&](error_code, std::size_t n) { written = n; });
    run(ioc);
    BOOST_TEST(written == message.size());
    BOOST_TEST(read_n.get() == message.size());
    BOOST_TEST(got == message);
}

// ---------------------------------------------------------------------------
// beast::test::stream

BOOST_AUTO_TEST_CASE(byte_at_a_time_transport)
{
    asio::io_context ioc;
    tls_stream<beast::test::stream> client(ioc, client_context());
    tls_stream<beast::test::stream> server(ioc, server_context());
    client.set_host_name("localhost");
    client.next_layer().connect(server.next_layer());
    client.next_layer().read_size(1);
    server.next_layer().read_size(1);
    handshake_pair(ioc, client, server);

    const std::string ping = "ping over one-byte reads";
    std::string got(ping.size(), '\0');
    std::string pong(4, '\0');
    error_code wec = asio::error::would_block, rec = asio::error::would_block;
    asio::async_write(client, asio::buffer(ping), [&](error_code ec, std::size_t) { wec = ec; });
    asio::async_read(server, asio::buffer(got), [&](error_code ec, std::size_t) {
        rec = ec;
        asio::async_write(server, asio::buffer("pong", 4), [](error_code, std::size_t) {});
    });
    asio::async_read(client, asio::buffer(pong), [](error_code, std::size_t) {});
    run(ioc);
    BOOST_TEST(!wec);
    BOOST_TEST(!rec);
    BOOST_TEST(got == ping);
    BOOST_TEST(pong == "pong");

    error_code cec = asio::error::would_block, sec = asio::error::would_block;
    client.async_shutdown([&](error_code ec) { cec = ec; });
    server.async_shutdown([&](error_code ec) { sec = ec; });
    run(ioc);
    BOOST_TEST(cec.message() == error_code{}.message());
    BOOST_TEST(sec.message() == error_code{}.message());
}

namespace {

using mtls::test::holding_stream;

/// Content types of the TLS records in `wire`, which must hold whole records.
std::vector<int> record_types(const std::string& wire)
{
    std::vector<int> types;
    std::size_t at = 0;
    while (wire.size() - at >= 5) {
        types.push_back(static_cast<unsigned char>(wire[at]));
        at += 5 + (static_cast<std::size_t>(static_cast<unsigned char>(wire[at + 3])) << 8) +
              static_cast<unsigned char>(wire[at + 4]);
    }
    BOOST_TEST(at == wire.size(), "records are whole");
    return types;
}

} // namespace

static_assert(std::is_same_v<tls_stream<holding_stream>::lowest_layer_type, beast::test::stream>);

BOOST_AUTO_TEST_CASE(alert_from_a_read_waits_for_the_write_in_flight)
{
    // TLS 1.2, whose record headers show the real content types.
    auto client_ctx = client_context();
    client_ctx.set_max_version(mtls::tls_version::tls12);
    auto server_ctx = server_context();
    server_ctx.set_max_version(mtls::tls_version::tls12);
    asio::io_context ioc;
    tls_stream<holding_stream> client(ioc, client_ctx);
    tls_stream<beast::test::stream> server(ioc, server_ctx);
    client.set_host_name("localhost");
    client.next_layer().next_layer().connect(server.next_layer());
    error_code cec = asio::error::would_block, sec = asio::error::would_block;
    client.async_handshake(role::client, [&](error_code ec) { cec = ec; });
    server.async_handshake(role::server, [&](error_code ec) { sec = ec; });
    run(ioc);
    BOOST_TEST_REQUIRE(!cec);
    BOOST_TEST_REQUIRE(!sec);
    BOOST_TEST(client.next_layer().max_in_flight == 1);

    // A user write goes on the wire and stays there.
    client.next_layer().hold = true;
    const std::string data(1000, 'x');
    error_code write_ec = asio::error::would_block;
    bool write_done = false;
    client.async_write_some(asio::buffer(data), [&](error_code ec, std::size_t) {
        write_ec = ec;
        write_done = true;
    });
    poll(ioc);
    BOOST_TEST_REQUIRE(client.next_layer().in_flight == 1);

    // A forged application data record fails authentication at the client,
    // whose read must now send bad_record_mac: it may not start a second write.
    std::string forged = {'\x17', '\x03', '\x03', '\x00', '\x20'};
    forged.append(32, '\x5a');
    asio::write(server.next_layer(), asio::buffer(forged));
    char buf[64];
    error_code read_ec = asio::error::would_block;
    bool read_done = false;
    client.async_read_some(asio::buffer(buf), [&](error_code ec, std::size_t) {
        read_ec = ec;
        read_done = true;
    });
    poll(ioc);
    BOOST_TEST(!read_done, "the read reports its error only after its alert is sent");
    BOOST_TEST(client.next_layer().max_in_flight == 1);

    client.next_layer().hold = false;
    client.next_layer().release();
    run(ioc);
    BOOST_TEST(client.next_layer().max_in_flight == 1);
    BOOST_TEST(read_done);
    BOOST_TEST(read_ec == mtls::error::bad_record_mac, read_ec.message());
    BOOST_TEST(write_done);
    BOOST_TEST(write_ec == mtls::error::bad_record_mac, write_ec.message());
    // On the wire: the user's record, then the alert, not interleaved.
    const std::vector<int> expected{23, 21};
    BOOST_TEST(record_types(std::string(server.next_layer().str())) == expected,
               boost::test_tools::per_element());
}
