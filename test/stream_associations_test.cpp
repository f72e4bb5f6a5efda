// mtls::tls_stream as an Asio citizen: handlers on their associated
// executor, never inside the initiating function, and intermediate
// allocations through the associated allocator.

#include <mtls/tls_stream.hpp> // first: the header is self-contained

#define BOOST_TEST_MODULE stream_associations
#include <boost/test/unit_test.hpp>

#include "support/bytes.hpp"
#include "support/certs.hpp"
#include "support/exchange.hpp"
#include "support/io.hpp"
#include "support/print.hpp"
#include "support/stream_pair.hpp"

#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/_experimental/test/stream.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace asio = boost::asio;
namespace beast = boost::beast;
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

namespace {

mtls::context server_ctx() { return mtls::test::server_context_requiring_client_cert(); }

mtls::context client_ctx() { return mtls::test::client_context("client-ecdsa"); }

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
