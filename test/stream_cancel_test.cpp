// tls_stream as an Asio citizen, part one: per-operation cancellation at
// every suspension point of a handshake and of a read, the send-only
// shutdown, the buffered handshake (beast::async_detect_ssl in front), and
// timeouts through beast::tcp_stream (and a deadline on the cancellation slot
// where tcp_stream's timer can be outrun).

#include <mtls/tls_stream.hpp>

#define BOOST_TEST_MODULE stream_cancel
#include <boost/test/unit_test.hpp>

#include "support/bytes.hpp"
#include "support/certs.hpp"
#include "support/io.hpp"
#include "support/print.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core/detect_ssl.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;
using mtls::error_code;
using mtls::role;
using mtls::tls_stream;
using namespace std::chrono_literals;

namespace {

using test_stream = tls_stream<beast::test::stream>;

using mtls::test::run;

/// A client and a server over a connected pair of beast::test::streams.
struct memory_pair {
    memory_pair(asio::io_context& ioc, mtls::tls_version max)
    {
        auto cctx = mtls::test::client_context("client-ecdsa");
        cctx.set_max_version(max);
        auto sctx = mtls::test::server_context_requiring_client_cert();
        client.emplace(ioc, cctx);
        server.emplace(ioc, sctx);
        client->set_host_name("localhost");
        client->next_layer().connect(server->next_layer());
    }
    std::optional<test_stream> client;
    std::optional<test_stream> server;
};

/// Both handshakes, to completion.
void handshake(asio::io_context& ioc, memory_pair& p)
{
    error_code cec = asio::error::would_block, sec = asio::error::would_block;
    p.client->async_handshake(role::client, [&](error_code ec) { cec = ec; });
    p.server->async_handshake(role::server, [&](error_code ec) { sec = ec; });
    run(ioc);
    BOOST_TEST_REQUIRE(!cec, cec.message());
    BOOST_TEST_REQUIRE(!sec, sec.message());
}

const mtls::tls_version versions[] = {mtls::tls_version::tls13, mtls::tls_version::tls12};

/// A handshaken client (over `ClientNext`: a socket, or beast::tcp_stream for
/// timeouts) and server over loopback TCP, whose reads honour cancellation
/// (beast::test::stream's do not: its reads end only with data).
template <class ClientNext>
struct basic_tcp_pair {
    explicit basic_tcp_pair(asio::io_context& ioc)
        : client(ioc, mtls::test::client_context("client-ecdsa")),
          server(ioc, mtls::test::server_context_requiring_client_cert())
    {
        tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        client.next_layer().connect(acceptor.local_endpoint());
        acceptor.accept(server.next_layer());
        client.set_host_name("localhost");
        error_code cec, sec;
        client.async_handshake(role::client, [&](error_code ec) { cec = ec; });
        server.async_handshake(role::server, [&](error_code ec) { sec = ec; });
        run(ioc);
        BOOST_TEST_REQUIRE(!cec, cec.message());
        BOOST_TEST_REQUIRE(!sec, sec.message());
    }
    tls_stream<ClientNext> client;
    tls_stream<tcp::socket> server;
};
using tcp_pair = basic_tcp_pair<tcp::socket>;
using timed_pair = basic_tcp_pair<beast::tcp_stream>;

} // namespace

BOOST_AUTO_TEST_SUITE(cancellation)

BOOST_AUTO_TEST_CASE(handshake_cancelled_at_every_step)
{
    // Run the client's handshake k handler invocations, then emit a terminal
    // cancellation, for every k until the handshake is done before the
    // signal. A cancelled handshake leaves the stream failed, never half open.
    for (auto version : versions) {
        int aborted_runs = 0;
        bool completed = false;
        for (int k = 0; k < 200 && !completed; ++k) {
            asio::io_context ioc;
            memory_pair p(ioc, version);
            asio::cancellation_signal signal;
            error_code cec = asio::error::would_block;
            p.client->async_handshake(role::client,
                                      asio::bind_cancellation_slot(signal.slot(), [&](error_code ec) { cec = ec; }));
            p.server->async_handshake(role::server, [](error_code) {});
            for (int i = 0; i < k && cec == asio::error::would_block; ++i)
                ioc.run_one();
            if (cec == asio::error::would_block)
                signal.emit(asio::cancellation_type::terminal);
            ioc.restart();
            for (int i = 0; i < 1000 && cec == asio::error::would_block; ++i)
                ioc.run_one_for(1s);
            BOOST_TEST_REQUIRE(cec != asio::error::would_block, "the handshake never completed, k=" << k);
            // The server may wait for a flight that never comes.
            p.server->next_layer().close();
            run(ioc);
            if (!cec) {
                completed = true;
                break;
            }
            ++aborted_runs;
            BOOST_TEST(cec == asio::error::operation_aborted, "k=" << k << ": " << cec.message());
            // Failed, not half open: reads, writes and shutdown refuse.
            char buf[8];
            error_code rec = asio::error::would_block, wec = asio::error::would_block,
                       shec = asio::error::would_block;
            p.client->async_read_some(asio::buffer(buf), [&](error_code ec, std::size_t) { rec = ec; });
            p.client->async_write_some(asio::buffer("x", 1), [&](error_code ec, std::size_t) { wec = ec; });
            run(ioc);
            p.client->async_shutdown([&](error_code ec) { shec = ec; });
            run(ioc);
            BOOST_TEST(rec == asio::error::operation_aborted, rec.message());
            BOOST_TEST(wec == asio::error::operation_aborted, wec.message());
            BOOST_TEST(shec == asio::error::operation_aborted, shec.message());
        }
        BOOST_TEST(completed, "the handshake completes once the signal comes too late");
        // A mutual-auth handshake has several suspension points on the client.
        BOOST_TEST(aborted_runs >= 3, "cancelled runs: " << aborted_runs);
    }
}

BOOST_AUTO_TEST_CASE(read_cancelled_at_every_step_loses_nothing)
{
    // The server asks for a key update and sends data: the client's read
    // receives the KeyUpdate, writes its answer, then reads the data. Each
    // cancellation type at each step completes the read with
    // operation_aborted (or with the data, when too late), and the next read
    // gets every byte.
    const std::string message(3000, 'm');
    const asio::cancellation_type types[] = {asio::cancellation_type::terminal, asio::cancellation_type::partial,
                                             asio::cancellation_type::total};
    for (auto type : types) {
        int aborted_runs = 0;
        bool completed = false;
        for (int k = 0; k < 100 && !completed; ++k) {
            asio::io_context ioc;
            memory_pair p(ioc, mtls::tls_version::tls13);
            handshake(ioc, p);
            asio::cancellation_signal signal;
            std::vector<char> buf(message.size());
            error_code rec = asio::error::would_block;
            std::size_t got = 0;
            p.client->async_read_some(asio::buffer(buf), asio::bind_cancellation_slot(
                                                             signal.slot(), [&](error_code ec, std::size_t n) {
                                                                 rec = ec;
                                                                 got = n;
                                                             }));
            BOOST_TEST_REQUIRE(p.server->engine().update_keys(true));
            asio::async_write(*p.server, asio::buffer(message), [](error_code, std::size_t) {});
            ioc.restart();
            for (int i = 0; i < k && rec == asio::error::would_block; ++i)
                ioc.run_one();
            if (rec == asio::error::would_block)
                signal.emit(type);
            run(ioc);
            BOOST_TEST_REQUIRE(rec != asio::error::would_block);
            std::string received(buf.data(), got);
            if (rec) {
                ++aborted_runs;
                BOOST_TEST(rec == asio::error::operation_aborted, rec.message());
                BOOST_TEST(got == 0u);
            } else {
                completed = true;
            }
            // Nothing was lost: the rest arrives on later reads.
            while (received.size() < message.size()) {
                error_code ec;
                std::size_t n = 0;
                p.client->async_read_some(asio::buffer(buf), [&](error_code e, std::size_t m) {
                    ec = e;
                    n = m;
                });
                run(ioc);
                BOOST_TEST_REQUIRE(!ec, "k=" << k << ": " << ec.message());
                received.append(buf.data(), n);
            }
            BOOST_TEST(received == message);
            // And the client answered the key update: the server reads under
            // the client's next key.
            error_code wec, sec;
            std::size_t n = 0;
            asio::async_write(*p.client, asio::buffer("pong", 4), [&](error_code e, std::size_t) { wec = e; });
            p.server->async_read_some(asio::buffer(buf), [&](error_code e, std::size_t m) {
                sec = e;
                n = m;
            });
            run(ioc);
            BOOST_TEST(!wec, wec.message());
            BOOST_TEST(!sec, sec.message());
            BOOST_TEST(std::string(buf.data(), n) == "pong");
        }
        BOOST_TEST(completed);
        BOOST_TEST(aborted_runs >= 2, "cancelled runs: " << aborted_runs);
    }
}

BOOST_AUTO_TEST_CASE(read_cancelled_with_half_a_record_buffered)
{
    // Partial cancellation while the next layer's read waits: the half
    // record stays buffered; when the rest arrives the next read returns the
    // whole message.
    asio::io_context ioc;
    tcp_pair p(ioc);
    const std::string message = "a message in one record";
    p.server.engine().write({reinterpret_cast<const std::byte*>(message.data()), message.size()});
    auto out = p.server.engine().output();
    const std::string record(reinterpret_cast<const char*>(out.data()), out.size());
    p.server.engine().consume_output(out.size());
    asio::write(p.server.next_layer(), asio::buffer(record.data(), 10));

    asio::cancellation_signal signal;
    char buf[64];
    error_code rec = asio::error::would_block;
    p.client.async_read_some(asio::buffer(buf),
                             asio::bind_cancellation_slot(signal.slot(), [&](error_code ec, std::size_t) { rec = ec; }));
    ioc.restart();
    ioc.run_for(100ms);
    BOOST_TEST_REQUIRE(rec == asio::error::would_block);
    signal.emit(asio::cancellation_type::partial);
    run(ioc);
    BOOST_TEST(rec == asio::error::operation_aborted, rec.message());

    asio::write(p.server.next_layer(), asio::buffer(record.data() + 10, record.size() - 10));
    std::size_t n = 0;
    p.client.async_read_some(asio::buffer(buf), [&](error_code ec, std::size_t m) {
        rec = ec;
        n = m;
    });
    run(ioc);
    BOOST_TEST(!rec, rec.message());
    BOOST_TEST(std::string(buf, n) == message);
}

BOOST_AUTO_TEST_CASE(a_reads_own_write_is_cut_only_by_a_terminal_signal)
{
    // A read first flushes what the engine has queued. With 8 MiB queued and
    // a peer not reading, that write blocks. A partial signal lets it finish
    // (the read then completes with operation_aborted and the stream goes
    // on); a terminal one cuts it, which fails the stream.
    const std::string bulk = [] {
        std::string b(8 << 20, '\0');
        for (std::size_t i = 0; i < b.size(); ++i)
            b[i] = static_cast<char>(i * 131 % 251);
        return b;
    }();
    for (auto type : {asio::cancellation_type::partial, asio::cancellation_type::terminal}) {
        asio::io_context ioc;
        tcp_pair p(ioc);
        BOOST_TEST_REQUIRE(p.client.engine().write({reinterpret_cast<const std::byte*>(bulk.data()), bulk.size()}) ==
                           bulk.size());
        asio::cancellation_signal signal;
        char buf[16];
        error_code rec = asio::error::would_block;
        p.client.async_read_some(asio::buffer(buf), asio::bind_cancellation_slot(
                                                        signal.slot(), [&](error_code ec, std::size_t) { rec = ec; }));
        ioc.restart();
        ioc.run_for(100ms);
        BOOST_TEST_REQUIRE(rec == asio::error::would_block);
        signal.emit(type);
        ioc.restart();
        ioc.run_for(100ms);
        if (type == asio::cancellation_type::terminal) {
            BOOST_TEST(rec == asio::error::operation_aborted, rec.message());
            error_code wec;
            p.client.async_write_some(asio::buffer("x", 1), [&](error_code ec, std::size_t) { wec = ec; });
            p.server.next_layer().close();
            run(ioc);
            BOOST_TEST(wec == asio::error::operation_aborted, wec.message());
            continue;
        }
        BOOST_TEST(rec == asio::error::would_block, "a partial signal must not cut the write");
        std::string got(bulk.size(), '\0');
        error_code sec;
        asio::async_read(p.server, asio::buffer(got), [&](error_code ec, std::size_t) { sec = ec; });
        run(ioc);
        BOOST_TEST(!sec, sec.message());
        BOOST_TEST(got == bulk);
        BOOST_TEST(rec == asio::error::operation_aborted, rec.message());
        // The stream goes on both ways.
        error_code wec;
        std::size_t n = 0;
        asio::async_write(p.client, asio::buffer("after", 5), [&](error_code ec, std::size_t) { wec = ec; });
        p.server.async_read_some(asio::buffer(buf), [&](error_code ec, std::size_t m) {
            sec = ec;
            n = m;
        });
        run(ioc);
        BOOST_TEST(!wec, wec.message());
        BOOST_TEST(std::string(buf, n) == "after");
    }
}

BOOST_AUTO_TEST_CASE(write_cancelled_breaks_the_stream)
{
    // Terminal only: a write stuck on a peer that does not read is cut off,
    // and the connection is failed (a record may be half on the wire).
    asio::io_context ioc;
    tcp_pair p(ioc);
    auto& client = p.client;

    // Partial and total signals are not honoured by a write: it goes on.
    const std::vector<char> chunk(64 * 1024, 'w');
    asio::cancellation_signal signal;
    int writes = 0;
    error_code wec;
    std::function<void()> write_more = [&] {
        client.async_write_some(asio::buffer(chunk), asio::bind_cancellation_slot(
                                                         signal.slot(), [&](error_code ec, std::size_t) {
                                                             wec = ec;
                                                             ++writes;
                                                             if (!ec)
                                                                 write_more();
                                                         }));
    };
    write_more();
    // Until the socket buffers are full and a write is stuck.
    for (int i = 0; i < 10000 && !wec; ++i) {
        const int before = writes;
        ioc.restart();
        ioc.run_for(50ms);
        if (writes == before)
            break;
    }
    BOOST_TEST_REQUIRE(!wec);
    const int stuck_at = writes;
    signal.emit(asio::cancellation_type::partial);
    signal.emit(asio::cancellation_type::total);
    ioc.restart();
    ioc.run_for(100ms);
    BOOST_TEST(writes == stuck_at, "partial and total cancellation are ignored by a write");
    signal.emit(asio::cancellation_type::terminal);
    ioc.restart();
    ioc.run_for(5s);
    BOOST_TEST(writes == stuck_at + 1);
    BOOST_TEST(wec == asio::error::operation_aborted, wec.message());
    error_code again;
    client.async_write_some(asio::buffer(chunk), [&](error_code ec, std::size_t) { again = ec; });
    ioc.restart();
    ioc.run_for(5s);
    BOOST_TEST(again == asio::error::operation_aborted, again.message());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(closing)

BOOST_AUTO_TEST_CASE(send_only_returns_once_close_notify_is_out)
{
    for (auto version : versions) {
        asio::io_context ioc;
        memory_pair p(ioc, version);
        handshake(ioc, p);
        // The server does not read: a waiting shutdown could never finish.
        error_code shec = asio::error::would_block;
        p.client->async_shutdown(mtls::shutdown_mode::send_only, [&](error_code ec) { shec = ec; });
        run(ioc);
        BOOST_TEST(!shec, shec.message());
        BOOST_TEST(p.client->engine().closed_for_writing());
        // The peer sees a clean end.
        char buf[8];
        error_code rec;
        p.server->async_read_some(asio::buffer(buf), [&](error_code ec, std::size_t) { rec = ec; });
        run(ioc);
        BOOST_TEST(rec == asio::error::eof, rec.message());
    }
}

BOOST_AUTO_TEST_CASE(waiting_shutdown_cancelled_then_resumed_by_reading)
{
    // Partial cancellation gives up the wait; close_notify is out, and reads
    // still deliver what the peer sends before its own close_notify.
    asio::io_context ioc;
    tcp_pair p(ioc);
    asio::cancellation_signal signal;
    error_code shec = asio::error::would_block;
    p.client.async_shutdown(asio::bind_cancellation_slot(signal.slot(), [&](error_code ec) { shec = ec; }));
    ioc.restart();
    ioc.run_for(100ms);
    BOOST_TEST_REQUIRE(shec == asio::error::would_block);
    signal.emit(asio::cancellation_type::partial);
    run(ioc);
    BOOST_TEST(shec == asio::error::operation_aborted, shec.message());
    BOOST_TEST(p.client.engine().closed_for_writing());

    error_code wec, sshec, rec;
    asio::async_write(p.server, asio::buffer("last words", 10), [&](error_code ec, std::size_t) {
        wec = ec;
        p.server.async_shutdown([&](error_code e) { sshec = e; });
    });
    char buf[32];
    std::size_t n = 0;
    p.client.async_read_some(asio::buffer(buf), [&](error_code ec, std::size_t m) {
        rec = ec;
        n = m;
    });
    run(ioc);
    BOOST_TEST(!wec, wec.message());
    BOOST_TEST(!rec, rec.message());
    BOOST_TEST(std::string(buf, n) == "last words");
    p.client.async_read_some(asio::buffer(buf), [&](error_code ec, std::size_t) { rec = ec; });
    run(ioc);
    BOOST_TEST(rec == asio::error::eof, rec.message());
    // The server's shutdown had the client's close_notify waiting for it.
    BOOST_TEST(!sshec, sshec.message());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(buffered_handshake)

BOOST_AUTO_TEST_CASE(after_detect_ssl)
{
    // A server that accepts plain and TLS connections on one port reads the
    // first bytes itself (beast::async_detect_ssl), then hands them over.
    for (auto version : versions) {
        asio::io_context ioc;
        tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        auto cctx = mtls::test::client_context("client-ecdsa");
        cctx.set_max_version(version);
        tls_stream<tcp::socket> client(ioc, cctx);
        tls_stream<beast::tcp_stream> server(ioc, mtls::test::server_context_requiring_client_cert());
        client.next_layer().connect(acceptor.local_endpoint());
        server.next_layer().socket() = acceptor.accept();
        client.set_host_name("localhost");

        beast::flat_buffer buffer;
        bool is_tls = false;
        error_code dec, cec, sec;
        std::size_t used = 0;
        beast::async_detect_ssl(server.next_layer(), buffer, [&](error_code ec, bool tls) {
            dec = ec;
            is_tls = tls;
            if (ec || !tls)
                return;
            BOOST_TEST(buffer.size() > 0u);
            server.async_handshake(role::server, buffer.data(), [&](error_code e, std::size_t n) {
                sec = e;
                used = n;
            });
        });
        client.async_handshake(role::client, [&](error_code ec) { cec = ec; });
        run(ioc);
        BOOST_TEST_REQUIRE(!dec, dec.message());
        BOOST_TEST_REQUIRE(is_tls);
        BOOST_TEST_REQUIRE(!cec, cec.message());
        BOOST_TEST_REQUIRE(!sec, sec.message());
        BOOST_TEST(used == buffer.size());
        BOOST_TEST(server.info().version == version);
        BOOST_TEST(!server.info().peer_subject.empty());

        char buf[16];
        std::size_t n = 0;
        asio::async_write(client, asio::buffer("hello", 5), [&](error_code ec, std::size_t) { cec = ec; });
        server.async_read_some(asio::buffer(buf), [&](error_code ec, std::size_t m) {
            sec = ec;
            n = m;
        });
        run(ioc);
        BOOST_TEST(!cec);
        BOOST_TEST(!sec);
        BOOST_TEST(std::string(buf, n) == "hello");
    }
}

BOOST_AUTO_TEST_CASE(synchronous_with_the_whole_client_hello)
{
    // The bytes handed over may hold the complete first flight.
    asio::io_context ioc;
    memory_pair p(ioc, mtls::tls_version::tls13);
    error_code cec = asio::error::would_block;
    p.client->async_handshake(role::client, [&](error_code ec) { cec = ec; });
    ioc.restart();
    ioc.poll();
    // The ClientHello is now in the server's test stream: take it out.
    std::vector<char> hello(16 * 1024);
    const std::size_t got = p.server->next_layer().read_some(asio::buffer(hello));
    BOOST_TEST_REQUIRE(got > 0u);
    std::size_t used = 0;
    error_code sec = asio::error::would_block;
    p.server->async_handshake(role::server, asio::buffer(hello.data(), got), [&](error_code ec, std::size_t n) {
        sec = ec;
        used = n;
    });
    run(ioc);
    BOOST_TEST(!cec, cec.message());
    BOOST_TEST(!sec, sec.message());
    BOOST_TEST(used == got);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(timeouts)

/// A TCP peer that accepts and then does nothing at all.
struct silent_peer {
    explicit silent_peer(asio::io_context& ioc)
        : acceptor(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)), socket(ioc)
    {
    }
    tcp::acceptor acceptor;
    tcp::socket socket;
};

BOOST_AUTO_TEST_CASE(stalled_handshake_is_cut_off)
{
    asio::io_context ioc;
    silent_peer peer(ioc);
    tls_stream<beast::tcp_stream> client(ioc, mtls::test::client_context("client-ecdsa"));
    client.next_layer().connect(peer.acceptor.local_endpoint());
    peer.acceptor.accept(peer.socket);
    client.next_layer().expires_after(200ms);
    error_code ec = asio::error::would_block;
    client.async_handshake(role::client, [&](error_code e) { ec = e; });
    run(ioc);
    BOOST_TEST(ec == error_code(beast::error::timeout), ec.message());
}

BOOST_AUTO_TEST_CASE(flooding_peer_cannot_hold_a_shutdown_open)
{
    // A peer that answers close_notify with endless application data: the
    // waiting shutdown drops it, and a deadline on the operation's
    // cancellation slot ends the wait. The stream checks the slot between
    // steps, so it does not matter that nearly every read completes at once.
    //
    // Not beast::tcp_stream's expiry: in Boost 1.81 a read started after the
    // expiry arms the (already expired) timer and reads; when data is
    // waiting the read completes before the reactor next looks at timers,
    // and its completion cancels the timer or finds its handler stale. A
    // peer that keeps the socket non-empty so holds any read loop on a
    // tcp_stream open (Beast fixed this in PR #2866, May 2024). On one busy
    // core that happened here about once in 12 runs.
    asio::io_context ioc;
    tcp_pair p(ioc);
    auto& client = p.client;
    auto& flooder = p.server;

    const std::vector<char> chunk(16 * 1024, 'f');
    std::size_t flooded = 0;
    bool stop = false;
    std::function<void()> flood = [&] {
        flooder.async_write_some(asio::buffer(chunk), [&](error_code ec, std::size_t n) {
            flooded += n;
            if (!ec && !stop)
                flood();
        });
    };
    flood();
    asio::steady_timer deadline(ioc, 300ms);
    asio::cancellation_signal signal;
    deadline.async_wait([&](error_code ec) {
        if (!ec)
            signal.emit(asio::cancellation_type::partial);
    });
    error_code shec = asio::error::would_block;
    client.async_shutdown(asio::bind_cancellation_slot(signal.slot(), [&](error_code ec) {
        shec = ec;
        stop = true;
        deadline.cancel();
        // The flooder's write may wait on full socket buffers: the reset
        // this close causes ends it.
        client.next_layer().close();
    }));
    run(ioc);
    BOOST_TEST(shec == asio::error::operation_aborted, shec.message());
    BOOST_TEST(flooded > chunk.size(), "the peer kept sending: " << flooded);
}

BOOST_AUTO_TEST_CASE(stalled_read_write_and_shutdown_are_cut_off)
{
    // The server never reads nor writes again. beast::tcp_stream closes its
    // socket on timeout, so each operation gets a fresh connection.
    asio::io_context ioc;
    {
        timed_pair p(ioc);
        char buf[16];
        p.client.next_layer().expires_after(200ms);
        error_code rec = asio::error::would_block;
        p.client.async_read_some(asio::buffer(buf), [&](error_code ec, std::size_t) { rec = ec; });
        run(ioc);
        BOOST_TEST(rec == error_code(beast::error::timeout), rec.message());
    }
    {
        timed_pair p(ioc);
        const std::vector<char> chunk(1 << 20, 'w');
        p.client.next_layer().expires_after(500ms);
        error_code wec;
        std::function<void()> write_more = [&] {
            p.client.async_write_some(asio::buffer(chunk), [&](error_code ec, std::size_t) {
                wec = ec;
                if (!ec)
                    write_more();
            });
        };
        write_more();
        run(ioc);
        BOOST_TEST(wec == error_code(beast::error::timeout), wec.message());
    }
    {
        timed_pair p(ioc);
        p.client.next_layer().expires_after(200ms);
        error_code shec = asio::error::would_block;
        p.client.async_shutdown([&](error_code ec) { shec = ec; });
        run(ioc);
        BOOST_TEST(shec == error_code(beast::error::timeout), shec.message());
    }
}

BOOST_AUTO_TEST_SUITE_END()
