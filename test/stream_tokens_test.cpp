// mtls::tls_stream as an Asio citizen: every kind of completion token on
// handshake, read_some, write_some and shutdown (callbacks, use_awaitable,
// deferred, use_future, yield_context, awaitable operators with a timer);
// handlers on their associated executor, never inside the initiating
// function, and intermediate allocations through the associated allocator.

#include <mtls/tls_stream.hpp> // first: the header is self-contained

#define BOOST_TEST_MODULE stream_tokens
#include <boost/test/unit_test.hpp>

#include "engine_pair.hpp" // contexts from the test PKI

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/_experimental/test/stream.hpp>

#include <chrono>
#include <cstdint>
#include <exception>
#include <future>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <variant>

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;
using mtls::error_code;
using mtls::role;
using mtls::tls_stream;
using namespace std::chrono_literals;

namespace mtls {
std::ostream& boost_test_print_type(std::ostream& os, error e)
{
    return os << make_error_code(e).message();
}
} // namespace mtls

namespace {

// ---------------------------------------------------------------------------
// Fixtures

mtls::context server_ctx() { return mtls::test::server_context_requiring_client_cert(); }

mtls::context client_ctx() { return mtls::test::client_context("client-ecdsa"); }

/// A mutually authenticating client/server pair over loopback TCP.
struct tcp_pair {
    explicit tcp_pair(asio::io_context& ioc)
    {
        tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        tcp::socket c(ioc);
        c.connect(acceptor.local_endpoint());
        tcp::socket s = acceptor.accept();
        client.emplace(std::move(c), client_ctx());
        server.emplace(std::move(s), server_ctx());
        client->set_host_name("localhost");
    }
    std::optional<tls_stream<tcp::socket>> client;
    std::optional<tls_stream<tcp::socket>> server;
};

/// The same over beast::test::stream, whose writes complete by posting.
struct test_stream_pair {
    explicit test_stream_pair(asio::io_context& ioc) : client(ioc, client_ctx()), server(ioc, server_ctx())
    {
        client.set_host_name("localhost");
        client.next_layer().connect(server.next_layer());
    }
    tls_stream<beast::test::stream> client;
    tls_stream<beast::test::stream> server;
};

/// Runs `ioc` until it is out of work, with a bound so a bug hangs no build.
void run(asio::io_context& ioc, std::chrono::steady_clock::duration limit = 60s)
{
    ioc.restart();
    ioc.run_for(limit);
    BOOST_TEST_REQUIRE(ioc.stopped(), "operations still pending after the time limit");
}

/// Runs the handlers that are ready; returns how many ran.
std::size_t poll(asio::io_context& ioc)
{
    ioc.restart();
    return ioc.poll();
}

/// Runs handlers one at a time until `done()`, within a bound.
template <class Pred>
void run_until(asio::io_context& ioc, Pred done)
{
    ioc.restart();
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (!done() && std::chrono::steady_clock::now() < deadline)
        ioc.run_one_until(deadline);
    BOOST_TEST_REQUIRE(done(), "not done within the time limit");
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

std::string text(std::size_t n, unsigned seed)
{
    const auto b = mtls::test::pattern(n, seed);
    return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

// One record each way (below 2^14 bytes), so one read_some returns a whole
// message once its record is in.
const std::string ping = text(3000, 1);
const std::string pong = text(5000, 2);

/// What one end saw in the four-operation exchange: handshake, then the
/// client writes ping and reads pong, the server the reverse, then shutdown.
struct end_result {
    std::optional<error_code> handshake, write, read, shutdown;
    std::size_t written = 0;
    std::string got;
};

void check_exchange(const end_result& client, const end_result& server)
{
    for (const end_result* r : {&client, &server}) {
        BOOST_TEST_REQUIRE(r->handshake.has_value());
        BOOST_TEST(r->handshake->message() == error_code{}.message());
        BOOST_TEST_REQUIRE(r->write.has_value());
        BOOST_TEST(r->write->message() == error_code{}.message());
        BOOST_TEST_REQUIRE(r->read.has_value());
        BOOST_TEST(r->read->message() == error_code{}.message());
        BOOST_TEST_REQUIRE(r->shutdown.has_value());
        BOOST_TEST(r->shutdown->message() == error_code{}.message());
    }
    BOOST_TEST(client.written == ping.size());
    BOOST_TEST(server.written == pong.size());
    BOOST_TEST((server.got == ping));
    BOOST_TEST((client.got == pong));
}

/// Counts what an allocator handed out, to see whose allocator Asio used.
struct alloc_counts {
    std::size_t allocations = 0;
    std::size_t deallocations = 0;
};

template <class T>
struct counting_allocator {
    using value_type = T;

    explicit counting_allocator(alloc_counts& c) noexcept : counts(&c) {}
    template <class U>
    counting_allocator(const counting_allocator<U>& other) noexcept : counts(other.counts)
    {
    }

    T* allocate(std::size_t n)
    {
        ++counts->allocations;
        return std::allocator<T>().allocate(n);
    }
    void deallocate(T* p, std::size_t n)
    {
        ++counts->deallocations;
        std::allocator<T>().deallocate(p, n);
    }
    template <class U>
    bool operator==(const counting_allocator<U>& other) const noexcept
    {
        return counts == other.counts;
    }
    template <class U>
    bool operator!=(const counting_allocator<U>& other) const noexcept
    {
        return counts != other.counts;
    }

    alloc_counts* counts;
};

} // namespace

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

std::string what(const std::exception_ptr& e)
{
    if (!e)
        return "none";
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& x) {
        return x.what();
    } catch (...) {
        return "unknown exception";
    }
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

// ---------------------------------------------------------------------------
// Executors, inline completion, allocators

BOOST_AUTO_TEST_CASE(handlers_run_on_their_associated_strand)
{
    asio::io_context ioc;
    tcp_pair p(ioc);
    auto& client = *p.client;
    auto& server = *p.server;
    auto client_strand = asio::make_strand(ioc);
    auto server_strand = asio::make_strand(ioc);
    int on_strand = 0, off_strand = 0;
    auto check = [&](const auto& strand) {
        if (strand.running_in_this_thread())
            ++on_strand;
        else
            ++off_strand;
    };
    end_result c, s;
    c.got.resize(pong.size());
    s.got.resize(ping.size());

    client.async_handshake(role::client, asio::bind_executor(client_strand, [&](error_code ec) {
        check(client_strand);
        c.handshake = ec;
        client.async_write_some(asio::buffer(ping), asio::bind_executor(client_strand, [&](error_code ec, std::size_t n) {
            check(client_strand);
            c.write = ec;
            c.written = n;
            client.async_read_some(asio::buffer(c.got), asio::bind_executor(client_strand, [&](error_code ec, std::size_t n) {
                check(client_strand);
                c.read = ec;
                c.got.resize(n);
                client.async_shutdown(asio::bind_executor(client_strand, [&](error_code ec) {
                    check(client_strand);
                    c.shutdown = ec;
                }));
            }));
        }));
    }));
    server.async_handshake(role::server, asio::bind_executor(server_strand, [&](error_code ec) {
        check(server_strand);
        s.handshake = ec;
        server.async_read_some(asio::buffer(s.got), asio::bind_executor(server_strand, [&](error_code ec, std::size_t n) {
            check(server_strand);
            s.read = ec;
            s.got.resize(n);
            server.async_write_some(asio::buffer(pong), asio::bind_executor(server_strand, [&](error_code ec, std::size_t n) {
                check(server_strand);
                s.write = ec;
                s.written = n;
                server.async_shutdown(asio::bind_executor(server_strand, [&](error_code ec) {
                    check(server_strand);
                    s.shutdown = ec;
                }));
            }));
        }));
    }));
    run(ioc);
    check_exchange(c, s);
    BOOST_TEST(on_strand == 8);
    BOOST_TEST(off_strand == 0);

    // Completions that need no I/O (a zero-size read, an error found at
    // once) go through the strand as well.
    char buf[4];
    client.async_read_some(asio::buffer(buf, 0),
                           asio::bind_executor(client_strand, [&](error_code, std::size_t) { check(client_strand); }));
    client.async_write_some(asio::buffer(buf), asio::bind_executor(client_strand, [&](error_code ec, std::size_t) {
        check(client_strand);
        BOOST_TEST(!!ec, "no writing after close_notify");
    }));
    run(ioc);
    BOOST_TEST(on_strand == 10);
    BOOST_TEST(off_strand == 0);
}

BOOST_AUTO_TEST_CASE(a_shutdown_waiting_for_a_write_completes_on_its_strand)
{
    // A read-type operation that must send waits for the write in flight
    // (the write gate), and is resumed through its own executor.
    asio::io_context ioc;
    test_stream_pair p(ioc);
    handshake_pair(ioc, p.client, p.server);
    auto strand = asio::make_strand(ioc);
    std::optional<error_code> write_result, shutdown_result, server_read;
    bool on_strand = false;
    std::string got(ping.size(), '\0');

    std::optional<error_code> server_shutdown;
    p.client.async_write_some(asio::buffer(ping), [&](error_code ec, std::size_t) { write_result = ec; });
    p.client.async_shutdown(asio::bind_executor(strand, [&](error_code ec) {
        on_strand = strand.running_in_this_thread();
        shutdown_result = ec;
    }));
    asio::async_read(p.server, asio::buffer(got), [&](error_code ec, std::size_t) {
        server_read = ec;
        p.server.async_shutdown([&](error_code ec) { server_shutdown = ec; });
    });
    run(ioc);
    BOOST_TEST_REQUIRE(server_shutdown.has_value());
    BOOST_TEST(server_shutdown->message() == error_code{}.message());
    BOOST_TEST_REQUIRE(write_result.has_value());
    BOOST_TEST_REQUIRE(shutdown_result.has_value());
    BOOST_TEST(write_result->message() == error_code{}.message());
    BOOST_TEST(shutdown_result->message() == error_code{}.message());
    BOOST_TEST(on_strand);
    // The record went out before close_notify.
    BOOST_TEST_REQUIRE(server_read.has_value());
    BOOST_TEST(!*server_read);
    BOOST_TEST((got == ping));
}

BOOST_AUTO_TEST_CASE(handlers_never_run_inside_the_initiating_function)
{
    asio::io_context ioc;
    tcp_pair p(ioc);
    auto& client = *p.client;
    auto& server = *p.server;
    bool initiating = false;
    int inline_calls = 0, calls = 0;
    // Wraps a handler so a call made while `initiating` is counted.
    auto watch = [&](auto h) {
        return [&, h = std::move(h)](auto... args) mutable {
            ++calls;
            if (initiating)
                ++inline_calls;
            h(args...);
        };
    };
    auto initiate = [&](auto&& start) {
        initiating = true;
        start();
        initiating = false;
    };

    // Before a handshake: every operation fails at once.
    char buf[10];
    std::optional<error_code> early_read, early_write, early_shutdown;
    initiate([&] {
        client.async_read_some(asio::buffer(buf), watch([&](error_code ec, std::size_t) { early_read = ec; }));
    });
    initiate([&] {
        client.async_write_some(asio::buffer(buf), watch([&](error_code ec, std::size_t) { early_write = ec; }));
    });
    BOOST_TEST(calls == 0);
    run(ioc);
    initiate([&] { client.async_shutdown(watch([&](error_code ec) { early_shutdown = ec; })); });
    BOOST_TEST(calls == 2);
    run(ioc);
    BOOST_TEST(calls == 3);
    BOOST_TEST(inline_calls == 0);
    BOOST_TEST_REQUIRE(early_read.has_value());
    BOOST_TEST(*early_read == mtls::error::not_connected);
    BOOST_TEST_REQUIRE(early_write.has_value());
    BOOST_TEST(*early_write == mtls::error::not_connected);
    BOOST_TEST_REQUIRE(early_shutdown.has_value());
    BOOST_TEST(*early_shutdown == mtls::error::not_connected);

    std::optional<error_code> ch, sh;
    initiate([&] { client.async_handshake(role::client, watch([&](error_code ec) { ch = ec; })); });
    initiate([&] { server.async_handshake(role::server, watch([&](error_code ec) { sh = ec; })); });
    run(ioc);
    BOOST_TEST_REQUIRE(ch.has_value());
    BOOST_TEST_REQUIRE(sh.has_value());
    BOOST_TEST_REQUIRE(!*ch);
    BOOST_TEST_REQUIRE(!*sh);

    // Zero-size reads and writes complete without I/O.
    std::optional<std::pair<error_code, std::size_t>> zero_read, zero_write;
    initiate([&] {
        client.async_read_some(asio::buffer(buf, 0),
                               watch([&](error_code ec, std::size_t n) { zero_read.emplace(ec, n); }));
    });
    initiate([&] {
        client.async_write_some(asio::buffer(buf, 0),
                                watch([&](error_code ec, std::size_t n) { zero_write.emplace(ec, n); }));
    });
    BOOST_TEST(!zero_read.has_value());
    BOOST_TEST(!zero_write.has_value());
    run(ioc);
    BOOST_TEST_REQUIRE(zero_read.has_value());
    BOOST_TEST_REQUIRE(zero_write.has_value());
    BOOST_TEST(!zero_read->first);
    BOOST_TEST(zero_read->second == 0u);
    BOOST_TEST(!zero_write->first);
    BOOST_TEST(zero_write->second == 0u);

    // One record of 100 bytes read 10 at a time: after the first read the
    // rest is plaintext already decrypted, and the second read needs no I/O.
    const std::string message = text(100, 4);
    std::optional<error_code> sent;
    initiate([&] {
        server.async_write_some(asio::buffer(message), watch([&](error_code ec, std::size_t) { sent = ec; }));
    });
    std::optional<std::pair<error_code, std::size_t>> first, second;
    std::string got;
    initiate([&] {
        client.async_read_some(asio::buffer(buf), watch([&](error_code ec, std::size_t n) {
                                   first.emplace(ec, n);
                                   got.append(buf, n);
                               }));
    });
    run(ioc);
    BOOST_TEST_REQUIRE(first.has_value());
    BOOST_TEST_REQUIRE(!first->first);
    BOOST_TEST_REQUIRE(first->second == sizeof buf);
    BOOST_TEST(client.engine().plaintext().size() == message.size() - sizeof buf);
    initiate([&] {
        client.async_read_some(asio::buffer(buf), watch([&](error_code ec, std::size_t n) {
                                   second.emplace(ec, n);
                                   got.append(buf, n);
                               }));
    });
    BOOST_TEST(!second.has_value());
    poll(ioc);
    BOOST_TEST_REQUIRE(second.has_value());
    BOOST_TEST(!second->first);
    BOOST_TEST((got == message.substr(0, 2 * sizeof buf)));

    // After the peer's close_notify a read ends at once with eof.
    std::optional<error_code> cs, ss, eof1, eof2;
    char rest[100];
    initiate([&] { server.async_shutdown(watch([&](error_code ec) { ss = ec; })); });
    initiate([&] {
        asio::async_read(client, asio::buffer(rest), watch([&](error_code ec, std::size_t) { eof1 = ec; }));
    });
    run_until(ioc, [&] { return eof1.has_value(); }); // the server's shutdown waits for the client's
    BOOST_TEST_REQUIRE(eof1.has_value());
    BOOST_TEST(*eof1 == asio::error::eof, eof1->message());
    initiate([&] { client.async_read_some(asio::buffer(rest), watch([&](error_code ec, std::size_t) { eof2 = ec; })); });
    BOOST_TEST(!eof2.has_value());
    initiate([&] { client.async_shutdown(watch([&](error_code ec) { cs = ec; })); });
    run(ioc);
    BOOST_TEST_REQUIRE(eof2.has_value());
    BOOST_TEST(*eof2 == asio::error::eof, eof2->message());
    BOOST_TEST_REQUIRE(cs.has_value());
    BOOST_TEST_REQUIRE(ss.has_value());
    BOOST_TEST(cs->message() == error_code{}.message());
    BOOST_TEST(ss->message() == error_code{}.message());
    BOOST_TEST(inline_calls == 0);
    BOOST_TEST(calls == 14);
}

BOOST_AUTO_TEST_CASE(intermediate_allocations_use_the_associated_allocator)
{
    // A read-type operation waiting for the write in flight: the write gate
    // keeps the waiter type-erased, allocated with the handler's allocator.
    {
        asio::io_context ioc;
        test_stream_pair p(ioc);
        handshake_pair(ioc, p.client, p.server);
        alloc_counts counts;
        std::optional<error_code> write_result, shutdown_result;
        p.client.async_write_some(asio::buffer(ping), [&](error_code ec, std::size_t) { write_result = ec; });
        BOOST_TEST_REQUIRE(!write_result.has_value(), "the write is in flight");
        p.client.async_shutdown(asio::bind_allocator(counting_allocator<void>(counts),
                                                     [&](error_code ec) { shutdown_result = ec; }));
        // Nothing reached the next layer yet: what was allocated is the wait.
        BOOST_TEST(counts.allocations > 0u, "the gate's waiter used the handler's allocator");
        std::string got(ping.size(), '\0');
        asio::async_read(p.server, asio::buffer(got), [&](error_code ec, std::size_t) {
            if (!ec)
                p.server.async_shutdown([](error_code) {});
        });
        run(ioc);
        BOOST_TEST((got == ping));
        BOOST_TEST_REQUIRE(shutdown_result.has_value());
        BOOST_TEST(shutdown_result->message() == error_code{}.message());
        BOOST_TEST(counts.deallocations == counts.allocations);
    }
    // A read over TCP that has to wait: the socket's pending operation is
    // allocated through the composed operation, with the handler's allocator.
    {
        asio::io_context ioc;
        tcp_pair p(ioc);
        handshake_pair(ioc, *p.client, *p.server);
        alloc_counts counts;
        std::string got(ping.size(), '\0');
        std::optional<error_code> read_result;
        p.client->async_read_some(asio::buffer(got),
                                  asio::bind_allocator(counting_allocator<void>(counts),
                                                       [&](error_code ec, std::size_t n) {
                                                           read_result = ec;
                                                           got.resize(n);
                                                       }));
        poll(ioc);
        BOOST_TEST(counts.allocations > 0u, "the socket's read used the handler's allocator");
        BOOST_TEST(!read_result.has_value());
        p.server->async_write_some(asio::buffer(ping), [](error_code, std::size_t) {});
        run(ioc);
        BOOST_TEST_REQUIRE(read_result.has_value());
        BOOST_TEST(!*read_result);
        BOOST_TEST((got == ping));
        BOOST_TEST(counts.deallocations == counts.allocations);
    }
    // An operation that completes at once is posted with the handler's
    // allocator too. Over a concrete io_context executor: any_io_executor
    // drops the allocator property that post() asks for.
    {
        asio::io_context ioc;
        tls_stream<beast::test::basic_stream<asio::io_context::executor_type>> s(ioc.get_executor(),
                                                                                  client_ctx());
        alloc_counts counts;
        char buf[1];
        std::optional<error_code> result;
        s.async_read_some(asio::buffer(buf, 0), asio::bind_allocator(counting_allocator<void>(counts),
                                                                     [&](error_code ec, std::size_t) { result = ec; }));
        BOOST_TEST(counts.allocations > 0u);
        run(ioc);
        BOOST_TEST_REQUIRE(result.has_value());
        BOOST_TEST(counts.deallocations == counts.allocations);
    }
}
