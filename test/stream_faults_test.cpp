// mtls::tls_stream when the transport fails: every I/O operation of a full
// exchange (handshake, data both ways, shutdown) made to fail in turn with
// beast::test::fail_count, on either end and in TLS 1.3 and 1.2; a peer
// that stops mid-record or mid-handshake; the lowest layer closed under a
// pending read, write or handshake. Every run must end: each operation
// completes, with an error on the failing side.

#include <mtls/tls_stream.hpp> // first: the header is self-contained

#define BOOST_TEST_MODULE stream_faults
#include <boost/test/unit_test.hpp>

#include "support/bytes.hpp"
#include "support/certs.hpp"
#include "support/io.hpp"
#include "support/print.hpp"
#include "support/stream_pair.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/_experimental/test/fail_count.hpp>
#include <boost/beast/_experimental/test/stream.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <utility>

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;
using mtls::error_code;
using mtls::role;
using mtls::tls_stream;
using mtls::test::bytes;
using namespace std::chrono_literals;

namespace {

// ---------------------------------------------------------------------------
// Fixtures

mtls::context server_ctx(mtls::tls_version max)
{
    auto ctx = mtls::test::server_context_requiring_client_cert();
    ctx.set_max_version(max);
    return ctx;
}

mtls::context client_ctx(mtls::tls_version max)
{
    auto ctx = mtls::test::client_context("client-ecdsa");
    ctx.set_max_version(max);
    return ctx;
}

constexpr mtls::tls_version versions[] = {mtls::tls_version::tls13, mtls::tls_version::tls12};

using mtls::test::poll;
using mtls::test::run;

std::string as_string(std::span<const std::byte> b)
{
    return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

// ---------------------------------------------------------------------------
// One end of the exchange: handshake; a write loop and a read loop at once
// (4 KiB each way, in 1 KiB writes); shutdown once both are done. The first
// error ends the end and closes its transport, as an application would, so
// the peer's pending operations end too.

constexpr std::size_t exchange_size = 4096;
constexpr std::size_t write_chunk = 1024;

struct exchange_end {
    exchange_end(tls_stream<beast::test::stream>& s, role r, unsigned send_seed, unsigned recv_seed)
        : stream(s), side(r), out(as_string(mtls::test::pattern(exchange_size, send_seed))),
          expected(as_string(mtls::test::pattern(exchange_size, recv_seed))), in(exchange_size, '\0')
    {
    }

    void start()
    {
        stream.async_handshake(side, [this](error_code ec) {
            if (failed(ec))
                return;
            write_next();
            read_next();
        });
    }

    void write_next()
    {
        if (sent == out.size())
            return maybe_shutdown();
        const std::size_t n = std::min(write_chunk, out.size() - sent);
        stream.async_write_some(asio::buffer(out.data() + sent, n), [this](error_code ec, std::size_t k) {
            if (failed(ec))
                return;
            sent += k;
            write_next();
        });
    }

    void read_next()
    {
        if (received == in.size())
            return maybe_shutdown();
        stream.async_read_some(asio::buffer(in.data() + received, in.size() - received),
                               [this](error_code ec, std::size_t k) {
                                   if (failed(ec))
                                       return;
                                   received += k;
                                   read_next();
                               });
    }

    void maybe_shutdown()
    {
        if (sent != out.size() || received != in.size())
            return;
        stream.async_shutdown([this](error_code ec) {
            if (failed(ec))
                return;
            shut_down = true;
        });
    }

    bool failed(const error_code& ec)
    {
        if (!ec)
            return false;
        if (!first_error)
            first_error = ec;
        stream.next_layer().close();
        return true;
    }

    bool succeeded() const { return !first_error && shut_down && in == expected && sent == out.size(); }

    tls_stream<beast::test::stream>& stream;
    role side;
    std::string out;
    std::string expected;
    std::string in;
    std::size_t sent = 0;
    std::size_t received = 0;
    bool shut_down = false;
    std::optional<error_code> first_error;
};

enum class faulty { client, server };

struct exchange_outcome {
    std::optional<error_code> client_error;
    std::optional<error_code> server_error;
    bool client_ok = false;
    bool server_ok = false;
    bool stopped = false;
    mtls::tls_version client_version{};
};

/// The exchange with the `n`-th I/O operation of one end's transport failing
/// (and every one after it: fail_count keeps failing once reached).
exchange_outcome exchange_with_fault(mtls::tls_version version, faulty who, std::size_t n)
{
    asio::io_context ioc;
    beast::test::fail_count fc(n);
    tls_stream<beast::test::stream> client(who == faulty::client ? beast::test::stream(ioc, fc)
                                                                 : beast::test::stream(ioc),
                                           client_ctx(version));
    tls_stream<beast::test::stream> server(who == faulty::server ? beast::test::stream(ioc, fc)
                                                                 : beast::test::stream(ioc),
                                           server_ctx(version));
    client.set_host_name("localhost");
    client.next_layer().connect(server.next_layer());
    // Short reads: records and flights arrive in pieces, so there are more
    // operations to fail, inside the handshake too.
    client.next_layer().read_size(700);
    server.next_layer().read_size(700);

    exchange_end c(client, role::client, 1, 2);
    exchange_end s(server, role::server, 2, 1);
    c.start();
    s.start();
    ioc.run_for(30s);

    exchange_outcome r;
    r.stopped = ioc.stopped();
    r.client_error = c.first_error;
    r.server_error = s.first_error;
    r.client_ok = c.succeeded();
    r.server_ok = s.succeeded();
    if (r.client_ok)
        r.client_version = client.info().version;
    return r;
}

/// Fails operation 1, 2, ... of `who`'s transport until the exchange gets
/// through without reaching the failure.
void fail_each_operation(mtls::tls_version version, faulty who)
{
    const char* name = who == faulty::client ? "client" : "server";
    std::optional<std::size_t> clean_run;
    for (std::size_t n = 1; n <= 500 && !clean_run; ++n) {
        const exchange_outcome r = exchange_with_fault(version, who, n);
        BOOST_TEST_INFO_SCOPE(name << " fails operation " << n);
        // No hang: the io_context ran out of work, so every operation ended.
        BOOST_TEST_REQUIRE(r.stopped, "operations still pending after the time limit");
        const std::optional<error_code>& failing = who == faulty::client ? r.client_error : r.server_error;
        if (!failing) {
            // The failure was never reached: a clean exchange.
            BOOST_TEST(r.client_ok);
            BOOST_TEST(r.server_ok);
            BOOST_TEST(!r.client_error.has_value());
            BOOST_TEST(!r.server_error.has_value());
            BOOST_TEST((r.client_version == version));
            clean_run = n;
            break;
        }
        // The injected failure is what the failing side reports first: the
        // stream passes the transport's error through.
        const error_code injected = beast::test::error::test_failure;
        BOOST_TEST(*failing == injected, failing->message());
    }
    BOOST_TEST_REQUIRE(clean_run.has_value(), "the exchange never completed without a failure");
    BOOST_TEST_MESSAGE(name << " (" << mtls::to_string(version) << "): clean from operation " << *clean_run);
    // Beyond the handshake's operations, which the loop therefore covered.
    BOOST_TEST(*clean_run > 10u);
}

} // namespace

// ---------------------------------------------------------------------------
// Every operation failing in turn

BOOST_AUTO_TEST_CASE(each_client_operation_failing_tls13)
{
    fail_each_operation(mtls::tls_version::tls13, faulty::client);
}

BOOST_AUTO_TEST_CASE(each_server_operation_failing_tls13)
{
    fail_each_operation(mtls::tls_version::tls13, faulty::server);
}

BOOST_AUTO_TEST_CASE(each_client_operation_failing_tls12)
{
    fail_each_operation(mtls::tls_version::tls12, faulty::client);
}

BOOST_AUTO_TEST_CASE(each_server_operation_failing_tls12)
{
    fail_each_operation(mtls::tls_version::tls12, faulty::server);
}

// ---------------------------------------------------------------------------
// A peer that stops part way

BOOST_AUTO_TEST_CASE(peer_stops_mid_record)
{
    // RFC 8446 §6.1 / RFC 5246 §7.2.1: the transport ending without
    // close_notify is a truncation, not a clean end of stream.
    for (const auto version : versions) {
        BOOST_TEST_INFO_SCOPE(mtls::to_string(version));
        asio::io_context ioc;
        tls_stream<beast::test::stream> client(ioc, client_ctx(version));
        tls_stream<beast::test::stream> server(ioc, server_ctx(version));
        client.set_host_name("localhost");
        client.next_layer().connect(server.next_layer());
        std::optional<error_code> ch, sh;
        client.async_handshake(role::client, [&](error_code ec) { ch = ec; });
        server.async_handshake(role::server, [&](error_code ec) { sh = ec; });
        run(ioc);
        BOOST_TEST_REQUIRE((ch && !*ch && sh && !*sh));

        // One record sealed by the server's engine; half of it is sent.
        const bytes message = mtls::test::pattern(1000, 5);
        mtls::engine& se = server.engine();
        BOOST_TEST_REQUIRE(se.output().empty());
        BOOST_TEST_REQUIRE(se.write(message) == message.size());
        const std::string record = as_string(se.output());
        se.consume_output(record.size());
        asio::write(server.next_layer(), asio::buffer(record.data(), record.size() / 2));
        server.next_layer().close();

        char buf[2000];
        std::optional<error_code> read_ec;
        std::size_t n = 1;
        client.async_read_some(asio::buffer(buf), [&](error_code ec, std::size_t k) {
            read_ec = ec;
            n = k;
        });
        run(ioc);
        BOOST_TEST_REQUIRE(read_ec.has_value());
        BOOST_TEST(*read_ec == mtls::error::stream_truncated, read_ec->message());
        BOOST_TEST(n == 0u, "nothing of the half record is delivered");
    }
}

BOOST_AUTO_TEST_CASE(server_stops_mid_handshake)
{
    // Half of the server's first flight, then end of stream: the client's
    // handshake fails instead of waiting for the rest.
    for (const auto version : versions) {
        BOOST_TEST_INFO_SCOPE(mtls::to_string(version));
        asio::io_context ioc;
        tls_stream<beast::test::stream> client(ioc, client_ctx(version));
        client.set_host_name("localhost");
        beast::test::stream peer(ioc);
        client.next_layer().connect(peer);
        const auto ctx = server_ctx(version);
        mtls::engine server(ctx, role::server);
        server.start_handshake();

        std::optional<error_code> ch;
        client.async_handshake(role::client, [&](error_code ec) { ch = ec; });
        poll(ioc);
        const std::string hello(peer.str());
        BOOST_TEST_REQUIRE(!hello.empty(), "the ClientHello was sent");
        peer.clear();
        server.feed(std::as_bytes(std::span(hello)));
        const std::string flight = as_string(server.output());
        BOOST_TEST_REQUIRE(flight.size() > 200u);
        asio::write(peer, asio::buffer(flight.data(), flight.size() / 2));
        peer.close();
        run(ioc);
        BOOST_TEST_REQUIRE(ch.has_value());
        BOOST_TEST(*ch == mtls::error::stream_truncated, ch->message());
    }
}

BOOST_AUTO_TEST_CASE(client_stops_mid_handshake)
{
    for (const auto version : versions) {
        BOOST_TEST_INFO_SCOPE(mtls::to_string(version));
        asio::io_context ioc;
        tls_stream<beast::test::stream> server(ioc, server_ctx(version));
        beast::test::stream peer(ioc);
        server.next_layer().connect(peer);
        const auto ctx = client_ctx(version);
        mtls::engine client(ctx, role::client);
        client.start_handshake();

        std::optional<error_code> sh;
        server.async_handshake(role::server, [&](error_code ec) { sh = ec; });
        const std::string hello = as_string(client.output());
        BOOST_TEST_REQUIRE(hello.size() > 50u);
        asio::write(peer, asio::buffer(hello.data(), hello.size() / 2));
        poll(ioc);
        BOOST_TEST(!sh.has_value(), "half a ClientHello: the server waits for more");
        peer.close();
        run(ioc);
        BOOST_TEST_REQUIRE(sh.has_value());
        BOOST_TEST(*sh == mtls::error::stream_truncated, sh->message());
    }
}

// ---------------------------------------------------------------------------
// The lowest layer closed under pending operations. Whatever the operation
// was waiting for, it ends with the transport's error and the io_context
// runs out of work; the sanitizer build (LSan) checks nothing is left behind.

using mtls::test::handshake_pair;
using mtls::test::tcp_pair;

BOOST_AUTO_TEST_CASE(close_under_a_pending_read)
{
    for (const auto version : versions) {
        BOOST_TEST_INFO_SCOPE(mtls::to_string(version));
        asio::io_context ioc;
        tcp_pair p(ioc, version);
        handshake_pair(ioc, *p.client, *p.server);
        char buf[100];
        std::optional<error_code> read_ec;
        p.client->async_read_some(asio::buffer(buf), [&](error_code ec, std::size_t) { read_ec = ec; });
        poll(ioc);
        BOOST_TEST_REQUIRE(!read_ec.has_value(), "the read waits for the silent peer");
        p.client->lowest_layer().close();
        run(ioc);
        BOOST_TEST_REQUIRE(read_ec.has_value());
        BOOST_TEST(*read_ec == asio::error::operation_aborted, read_ec->message());
    }
}

BOOST_AUTO_TEST_CASE(close_under_a_pending_write_and_read)
{
    for (const auto version : versions) {
        BOOST_TEST_INFO_SCOPE(mtls::to_string(version));
        asio::io_context ioc;
        tcp_pair p(ioc, version);
        handshake_pair(ioc, *p.client, *p.server);
        // Small socket buffers and a peer that does not read: the write
        // soon waits for room.
        p.client->lowest_layer().set_option(asio::socket_base::send_buffer_size(4096));
        p.server->lowest_layer().set_option(asio::socket_base::receive_buffer_size(4096));
        const std::string big(8u << 20, 'w');
        std::optional<error_code> write_ec, read_ec;
        std::size_t written = 0;
        asio::async_write(*p.client, asio::buffer(big), [&](error_code ec, std::size_t n) {
            write_ec = ec;
            written = n;
        });
        char buf[100];
        p.client->async_read_some(asio::buffer(buf), [&](error_code ec, std::size_t) { read_ec = ec; });
        for (int i = 0; i < 1000 && poll(ioc) != 0; ++i) {
        }
        BOOST_TEST_REQUIRE(!write_ec.has_value(), "the write waits for room");
        BOOST_TEST_REQUIRE(!read_ec.has_value());
        p.client->lowest_layer().close();
        run(ioc);
        BOOST_TEST_REQUIRE(write_ec.has_value());
        BOOST_TEST_REQUIRE(read_ec.has_value());
        BOOST_TEST(*write_ec == asio::error::operation_aborted, write_ec->message());
        BOOST_TEST(*read_ec == asio::error::operation_aborted, read_ec->message());
        BOOST_TEST(written < big.size());
    }
}

BOOST_AUTO_TEST_CASE(close_under_a_pending_handshake)
{
    for (const auto version : versions) {
        BOOST_TEST_INFO_SCOPE(mtls::to_string(version));
        asio::io_context ioc;
        tcp_pair p(ioc, version);
        // The server never answers: the ClientHello is sent and the client
        // waits for the ServerHello.
        std::optional<error_code> ch;
        p.client->async_handshake(role::client, [&](error_code ec) { ch = ec; });
        poll(ioc);
        BOOST_TEST_REQUIRE(!ch.has_value());
        BOOST_TEST(p.server->next_layer().available() > 0u, "the ClientHello arrived");
        p.client->lowest_layer().close();
        run(ioc);
        BOOST_TEST_REQUIRE(ch.has_value());
        BOOST_TEST(*ch == asio::error::operation_aborted, ch->message());
    }
}

BOOST_AUTO_TEST_CASE(close_under_a_pending_handshake_over_a_test_stream)
{
    // beast::test::stream's close() ends its pending read as a socket does.
    for (const auto version : versions) {
        BOOST_TEST_INFO_SCOPE(mtls::to_string(version));
        asio::io_context ioc;
        tls_stream<beast::test::stream> server(ioc, server_ctx(version));
        beast::test::stream peer(ioc);
        server.next_layer().connect(peer);
        std::optional<error_code> sh;
        server.async_handshake(role::server, [&](error_code ec) { sh = ec; });
        poll(ioc);
        BOOST_TEST_REQUIRE(!sh.has_value());
        server.lowest_layer().close();
        run(ioc);
        BOOST_TEST_REQUIRE(sh.has_value());
        BOOST_TEST(*sh == asio::error::operation_aborted, sh->message());
    }
}
