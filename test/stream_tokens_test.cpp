// mtls::tls_stream as an Asio citizen: every kind of completion token on
// handshake, read_some, write_some and shutdown (callbacks, use_awaitable,
// deferred, use_future, yield_context, awaitable operators with a timer).
// Associated executors and allocators: stream_associations_test.cpp.

#include <mtls/tls_stream.hpp> // first: the header is self-contained

#define BOOST_TEST_MODULE stream_tokens
#include <boost/test/unit_test.hpp>

#include "support/exchange.hpp"
#include "support/io.hpp"
#include "support/print.hpp"
#include "support/stream_pair.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>

#include <chrono>
#include <exception>
#include <future>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <variant>

namespace asio = boost::asio;
using asio::ip::tcp;
using mtls::error_code;
using mtls::role;
using mtls::tls_stream;
using namespace std::chrono_literals;

using mtls::test::check_exchange;
using mtls::test::end_result;
using mtls::test::handshake_pair;
using mtls::test::ping;
using mtls::test::pong;
using mtls::test::poll;
using mtls::test::run;
using mtls::test::tcp_pair;
using mtls::test::text;
using mtls::test::what;

// ---------------------------------------------------------------------------
// Completion tokens on the four operations

BOOST_AUTO_TEST_CASE(plain_callbacks)
{
    asio::io_context ioc;
    tcp_pair p(ioc);
    auto& client = *p.client;
    auto& server = *p.server;
    end_result c, s;
    c.got.resize(pong.size());
    s.got.resize(ping.size());

    client.async_handshake(role::client, [&](error_code ec) {
        c.handshake = ec;
        client.async_write_some(asio::buffer(ping), [&](error_code ec, std::size_t n) {
            c.write = ec;
            c.written = n;
            client.async_read_some(asio::buffer(c.got), [&](error_code ec, std::size_t n) {
                c.read = ec;
                c.got.resize(n);
                client.async_shutdown([&](error_code ec) { c.shutdown = ec; });
            });
        });
    });
    server.async_handshake(role::server, [&](error_code ec) {
        s.handshake = ec;
        server.async_read_some(asio::buffer(s.got), [&](error_code ec, std::size_t n) {
            s.read = ec;
            s.got.resize(n);
            server.async_write_some(asio::buffer(pong), [&](error_code ec, std::size_t n) {
                s.write = ec;
                s.written = n;
                server.async_shutdown([&](error_code ec) { s.shutdown = ec; });
            });
        });
    });
    run(ioc);
    check_exchange(c, s);
}

namespace {

asio::awaitable<void> awaitable_client(tls_stream<tcp::socket>& s, end_result& r)
{
    co_await s.async_handshake(role::client, asio::use_awaitable);
    r.handshake = error_code{};
    r.written = co_await s.async_write_some(asio::buffer(ping), asio::use_awaitable);
    r.write = error_code{};
    r.got.resize(pong.size());
    r.got.resize(co_await s.async_read_some(asio::buffer(r.got), asio::use_awaitable));
    r.read = error_code{};
    co_await s.async_shutdown(asio::use_awaitable);
    r.shutdown = error_code{};
}

asio::awaitable<void> awaitable_server(tls_stream<tcp::socket>& s, end_result& r)
{
    co_await s.async_handshake(role::server, asio::use_awaitable);
    r.handshake = error_code{};
    r.got.resize(ping.size());
    r.got.resize(co_await s.async_read_some(asio::buffer(r.got), asio::use_awaitable));
    r.read = error_code{};
    r.written = co_await s.async_write_some(asio::buffer(pong), asio::use_awaitable);
    r.write = error_code{};
    co_await s.async_shutdown(asio::use_awaitable);
    r.shutdown = error_code{};
}

} // namespace

BOOST_AUTO_TEST_CASE(use_awaitable)
{
    asio::io_context ioc;
    tcp_pair p(ioc);
    end_result c, s;
    std::optional<std::exception_ptr> client_done, server_done;
    asio::co_spawn(ioc, awaitable_server(*p.server, s), [&](std::exception_ptr e) { server_done = e; });
    asio::co_spawn(ioc, awaitable_client(*p.client, c), [&](std::exception_ptr e) { client_done = e; });
    run(ioc);
    BOOST_TEST_REQUIRE(client_done.has_value());
    BOOST_TEST_REQUIRE(server_done.has_value());
    BOOST_TEST(!*client_done, what(*client_done));
    BOOST_TEST(!*server_done, what(*server_done));
    check_exchange(c, s);
}

BOOST_AUTO_TEST_CASE(deferred)
{
    asio::io_context ioc;
    tcp_pair p(ioc);
    auto& client = *p.client;
    auto& server = *p.server;
    end_result c, s;
    c.got.resize(pong.size());
    s.got.resize(ping.size());

    // A deferred operation does nothing until it is launched.
    auto client_handshake = client.async_handshake(role::client, asio::deferred);
    auto server_handshake = server.async_handshake(role::server, asio::deferred);
    poll(ioc);
    BOOST_TEST(server.next_layer().available() == 0u, "no ClientHello before launch");
    std::move(client_handshake)([&](error_code ec) { c.handshake = ec; });
    std::move(server_handshake)([&](error_code ec) { s.handshake = ec; });
    run(ioc);
    BOOST_TEST_REQUIRE(c.handshake.has_value());
    BOOST_TEST_REQUIRE(s.handshake.has_value());

    // Sequenced with deferred functions: each step's result starts the next.
    auto client_ops = client.async_write_some(
        asio::buffer(ping), asio::deferred([&](error_code ec, std::size_t n) {
            c.write = ec;
            c.written = n;
            return client.async_read_some(asio::buffer(c.got), asio::deferred([&](error_code ec, std::size_t n) {
                c.read = ec;
                c.got.resize(n);
                return client.async_shutdown(asio::deferred);
            }));
        }));
    auto server_ops = server.async_read_some(
        asio::buffer(s.got), asio::deferred([&](error_code ec, std::size_t n) {
            s.read = ec;
            s.got.resize(n);
            return server.async_write_some(asio::buffer(pong), asio::deferred([&](error_code ec, std::size_t n) {
                s.write = ec;
                s.written = n;
                return server.async_shutdown(asio::deferred);
            }));
        }));
    poll(ioc);
    BOOST_TEST(server.next_layer().available() == 0u, "no record before launch");
    std::move(client_ops)([&](error_code ec) { c.shutdown = ec; });
    std::move(server_ops)([&](error_code ec) { s.shutdown = ec; });
    run(ioc);
    check_exchange(c, s);
}

namespace {

/// Runs an io_context on its own thread until destroyed.
struct io_thread {
    explicit io_thread(asio::io_context& c) : ioc(c), work(asio::make_work_guard(c)), thread([this] { ioc.run(); })
    {
    }
    ~io_thread()
    {
        work.reset();
        if (!finished)
            ioc.stop();
        thread.join();
    }
    /// Lets the io_context run out of work, then joins.
    bool join_when_idle()
    {
        work.reset();
        finished = true;
        for (int i = 0; i < 600 && !ioc.stopped(); ++i)
            std::this_thread::sleep_for(10ms);
        return ioc.stopped();
    }

    asio::io_context& ioc;
    asio::executor_work_guard<asio::io_context::executor_type> work;
    bool finished = false;
    std::thread thread;
};

template <class T>
T get(std::future<T>& f)
{
    BOOST_TEST_REQUIRE((f.wait_for(30s) == std::future_status::ready), "operation still pending");
    return f.get();
}

} // namespace

BOOST_AUTO_TEST_CASE(use_future_with_the_io_context_on_another_thread)
{
    asio::io_context ioc;
    tcp_pair p(ioc);
    auto& client = *p.client;
    auto& server = *p.server;
    std::string at_server(ping.size(), '\0'), at_client(pong.size(), '\0');
    io_thread io(ioc);

    // Each wait orders this thread after the handler that set the future, so
    // the next operation on a stream starts after the previous one ended.
    std::future<void> ch = client.async_handshake(role::client, asio::use_future);
    std::future<void> sh = server.async_handshake(role::server, asio::use_future);
    BOOST_CHECK_NO_THROW(get(ch));
    BOOST_CHECK_NO_THROW(get(sh));

    std::future<std::size_t> cw = client.async_write_some(asio::buffer(ping), asio::use_future);
    std::future<std::size_t> sr = server.async_read_some(asio::buffer(at_server), asio::use_future);
    BOOST_TEST(get(cw) == ping.size());
    at_server.resize(get(sr));
    BOOST_TEST((at_server == ping));

    std::future<std::size_t> sw = server.async_write_some(asio::buffer(pong), asio::use_future);
    std::future<std::size_t> cr = client.async_read_some(asio::buffer(at_client), asio::use_future);
    BOOST_TEST(get(sw) == pong.size());
    at_client.resize(get(cr));
    BOOST_TEST((at_client == pong));

    std::future<void> cs = client.async_shutdown(asio::use_future);
    std::future<void> ss = server.async_shutdown(asio::use_future);
    BOOST_CHECK_NO_THROW(get(cs));
    BOOST_CHECK_NO_THROW(get(ss));

    // An error arrives as the exception of the future: the connection is
    // closed now, so a write fails.
    std::future<std::size_t> late = client.async_write_some(asio::buffer(ping), asio::use_future);
    BOOST_TEST_REQUIRE((late.wait_for(30s) == std::future_status::ready));
    BOOST_CHECK_THROW(late.get(), boost::system::system_error);
    BOOST_TEST(io.join_when_idle(), "the io_context ran out of work");
}

BOOST_AUTO_TEST_CASE(yield_context)
{
    asio::io_context ioc;
    tcp_pair p(ioc);
    auto& client = *p.client;
    auto& server = *p.server;
    end_result c, s;
    std::optional<std::exception_ptr> client_done, server_done;

    asio::spawn(
        ioc,
        [&](asio::yield_context yield) {
            error_code ec;
            server.async_handshake(role::server, yield[ec]);
            s.handshake = ec;
            s.got.resize(ping.size());
            s.got.resize(server.async_read_some(asio::buffer(s.got), yield[ec]));
            s.read = ec;
            s.written = server.async_write_some(asio::buffer(pong), yield[ec]);
            s.write = ec;
            server.async_shutdown(yield[ec]);
            s.shutdown = ec;
        },
        [&](std::exception_ptr e) { server_done = e; });
    asio::spawn(
        ioc,
        [&](asio::yield_context yield) {
            // Without [ec] a failure throws; none is expected.
            client.async_handshake(role::client, yield);
            c.handshake = error_code{};
            c.written = client.async_write_some(asio::buffer(ping), yield);
            c.write = error_code{};
            c.got.resize(pong.size());
            c.got.resize(client.async_read_some(asio::buffer(c.got), yield));
            c.read = error_code{};
            client.async_shutdown(yield);
            c.shutdown = error_code{};
        },
        [&](std::exception_ptr e) { client_done = e; });
    run(ioc);
    BOOST_TEST_REQUIRE(client_done.has_value());
    BOOST_TEST_REQUIRE(server_done.has_value());
    BOOST_TEST(!*client_done, what(*client_done));
    BOOST_TEST(!*server_done, what(*server_done));
    check_exchange(c, s);
}

// ---------------------------------------------------------------------------
// Awaitable operators: a read raced against a timer

namespace {

using asio::experimental::awaitable_operators::operator||;

/// A read that records how it completed before passing the result on.
asio::awaitable<std::size_t> recorded_read(tls_stream<tcp::socket>& s, asio::mutable_buffer b,
                                           std::optional<error_code>& result)
{
    auto [ec, n] = co_await s.async_read_some(b, asio::as_tuple(asio::use_awaitable));
    result = ec;
    if (ec)
        throw boost::system::system_error(ec);
    co_return n;
}

template <class Awaitable>
void spawn_and_run(asio::io_context& ioc, Awaitable a)
{
    std::optional<std::exception_ptr> done;
    asio::co_spawn(ioc, std::move(a), [&](std::exception_ptr e) { done = e; });
    run(ioc);
    BOOST_TEST_REQUIRE(done.has_value());
    BOOST_TEST_REQUIRE(!*done, what(*done));
}

} // namespace

BOOST_AUTO_TEST_CASE(awaitable_or_the_read_wins_when_data_arrives)
{
    asio::io_context ioc;
    tcp_pair p(ioc);
    auto& client = *p.client;
    handshake_pair(ioc, client, *p.server);

    std::optional<error_code> server_write;
    p.server->async_write_some(asio::buffer(pong), [&](error_code ec, std::size_t) { server_write = ec; });
    std::string got(pong.size(), '\0');
    std::variant<std::size_t, std::monostate> result;
    const auto start = std::chrono::steady_clock::now();
    spawn_and_run(ioc, [&]() -> asio::awaitable<void> {
        asio::steady_timer timer(co_await asio::this_coro::executor, 30s);
        result = co_await (client.async_read_some(asio::buffer(got), asio::use_awaitable) ||
                           timer.async_wait(asio::use_awaitable));
    });
    BOOST_TEST(result.index() == 0u, "the read won");
    BOOST_TEST(std::get<0>(result) == pong.size());
    BOOST_TEST((got == pong));
    // The timer was cancelled, not waited for.
    BOOST_TEST((std::chrono::steady_clock::now() - start < 20s));
    BOOST_TEST_REQUIRE(server_write.has_value());
    BOOST_TEST(!*server_write);
}

BOOST_AUTO_TEST_CASE(awaitable_or_the_timer_wins_when_the_peer_is_silent)
{
    asio::io_context ioc;
    tcp_pair p(ioc);
    auto& client = *p.client;
    auto& server = *p.server;
    handshake_pair(ioc, client, server);

    std::string got(pong.size(), '\0');
    std::optional<error_code> read_result;
    std::variant<std::size_t, std::monostate> result;
    spawn_and_run(ioc, [&]() -> asio::awaitable<void> {
        asio::steady_timer timer(co_await asio::this_coro::executor, 50ms);
        result = co_await (recorded_read(client, asio::buffer(got), read_result) ||
                           timer.async_wait(asio::use_awaitable));
    });
    BOOST_TEST(result.index() == 1u, "the timer won");
    // The losing read was cancelled, and said so.
    BOOST_TEST_REQUIRE(read_result.has_value(), "the cancelled read completed");
    BOOST_TEST(*read_result == asio::error::operation_aborted, read_result->message());

    // It had consumed nothing, so the stream goes on: data sent now arrives.
    std::optional<error_code> write_result;
    server.async_write_some(asio::buffer(pong), [&](error_code ec, std::size_t) { write_result = ec; });
    std::optional<error_code> second;
    std::size_t n = 0;
    client.async_read_some(asio::buffer(got), [&](error_code ec, std::size_t k) {
        second = ec;
        n = k;
    });
    run(ioc);
    BOOST_TEST_REQUIRE(second.has_value());
    BOOST_TEST(second->message() == error_code{}.message());
    BOOST_TEST(n == pong.size());
    BOOST_TEST((got == pong));
    BOOST_TEST_REQUIRE(write_result.has_value());
    BOOST_TEST(!*write_result);

    // And it closes cleanly.
    std::optional<error_code> cs, ss;
    client.async_shutdown([&](error_code ec) { cs = ec; });
    server.async_shutdown([&](error_code ec) { ss = ec; });
    run(ioc);
    BOOST_TEST_REQUIRE(cs.has_value());
    BOOST_TEST_REQUIRE(ss.has_value());
    BOOST_TEST(cs->message() == error_code{}.message());
    BOOST_TEST(ss->message() == error_code{}.message());
}

BOOST_AUTO_TEST_CASE(awaitable_or_the_timer_wins_over_half_a_record)
{
    // tls_stream.hpp: a read cancelled while a record is half received keeps
    // that half for the next read.
    asio::io_context ioc;
    tcp_pair p(ioc);
    auto& client = *p.client;
    auto& server = *p.server;
    handshake_pair(ioc, client, server);

    // One record sealed by the server's engine; half of it goes out now.
    const std::string message = text(1000, 3);
    mtls::engine& se = server.engine();
    BOOST_TEST_REQUIRE(se.output().empty());
    BOOST_TEST_REQUIRE(se.write(std::as_bytes(std::span(message))) == message.size());
    const auto out = se.output();
    const std::string record(reinterpret_cast<const char*>(out.data()), out.size());
    se.consume_output(out.size());
    const std::size_t half = record.size() / 2;
    asio::write(server.next_layer(), asio::buffer(record.data(), half));

    std::string got(message.size(), '\0');
    std::optional<error_code> read_result;
    std::variant<std::size_t, std::monostate> result;
    spawn_and_run(ioc, [&]() -> asio::awaitable<void> {
        asio::steady_timer timer(co_await asio::this_coro::executor, 100ms);
        result = co_await (recorded_read(client, asio::buffer(got), read_result) ||
                           timer.async_wait(asio::use_awaitable));
    });
    BOOST_TEST(result.index() == 1u, "the timer won");
    BOOST_TEST_REQUIRE(read_result.has_value());
    BOOST_TEST(*read_result == asio::error::operation_aborted, read_result->message());

    asio::write(server.next_layer(), asio::buffer(record.data() + half, record.size() - half));
    std::optional<error_code> second;
    std::size_t n = 0;
    client.async_read_some(asio::buffer(got), [&](error_code ec, std::size_t k) {
        second = ec;
        n = k;
    });
    run(ioc);
    BOOST_TEST_REQUIRE(second.has_value());
    BOOST_TEST(second->message() == error_code{}.message());
    BOOST_TEST(n == message.size());
    BOOST_TEST((got == message));
}
