// Heap held by engines, measured with a counting allocator: an established,
// idle end (client and server, TLS 1.2 and 1.3, mutual ECDSA authentication)
// holds at most 8 KiB; a server that has part of a ClientHello at most 24 KiB;
// records in steady state allocate nothing. Allocations per handshake are
// printed for information only.

#define BOOST_TEST_MODULE memory
#include <boost/test/unit_test.hpp>
#include <boost/test/data/test_case.hpp>

#include "support/certs.hpp"
#include "support/heap_meter.hpp"
#include "support/print.hpp"

#include "crypto/aead.hpp"

#include <mtls/engine.hpp>

#include <array>
#include <optional>
#include <vector>

namespace {

using namespace mtls;
using namespace mtls::test;

constexpr std::int64_t idle_end_bound = 8 * 1024;
constexpr std::int64_t partial_hello_bound = 24 * 1024;
/// Connections measured at once: what one of them holds is the average, so
/// that a block shared by all of them (a cache entry) does not count N times.
constexpr std::size_t connections = 8;

/// Allocation calls made inside the calls attributed to each end.
struct call_counts {
    std::uint64_t client = 0;
    std::uint64_t server = 0;
};

/// Runs `f` and adds the allocation calls it made to `count`.
template <class F>
auto counted(std::uint64_t& count, F&& f)
{
    struct lap {
        std::uint64_t& count;
        std::uint64_t start = heap::now().calls;
        ~lap() { count += heap::now().calls - start; }
    } l{count};
    return f();
}

/// Moves `from`'s output into `to` and drains `to`'s plaintext, holding no
/// buffer of its own: false when nothing moved.
bool transfer(engine& from, std::uint64_t& from_calls, engine& to, std::uint64_t& to_calls)
{
    bool moved = false;
    for (auto out = counted(from_calls, [&] { return from.output(); }); !out.empty();
         out = counted(from_calls, [&] { return from.output(); })) {
        const auto took = counted(to_calls, [&] { return to.feed(out); });
        for (auto p = to.plaintext(); !p.empty(); p = to.plaintext())
            counted(to_calls, [&] { to.consume_plaintext(p.size()); return 0; });
        if (took == 0)
            break;
        counted(from_calls, [&] { from.consume_output(took); return 0; });
        moved = true;
    }
    return moved;
}

/// Runs both ends until neither has anything to send; false on a livelock.
bool pump(engine& client, engine& server, call_counts& calls)
{
    for (int round = 0; round < 1000; ++round) {
        bool moved = transfer(client, calls.client, server, calls.server);
        moved = transfer(server, calls.server, client, calls.client) || moved;
        if (!moved)
            return true;
    }
    return false;
}

/// Each end writes `data` and the other reads it, counting allocations.
void round_trip(engine& client, engine& server, const std::vector<std::byte>& data, call_counts& calls)
{
    BOOST_TEST_REQUIRE(counted(calls.client, [&] { return client.write(data); }) == data.size());
    BOOST_TEST_REQUIRE(counted(calls.server, [&] { return server.write(data); }) == data.size());
    BOOST_TEST_REQUIRE(pump(client, server, calls));
}

using contexts = mutual_contexts;

/// Handshakes `client` and `server` (already constructed) and sends a few
/// bytes each way, so that both ends are established and have been used.
call_counts connect(engine& client, engine& server)
{
    call_counts calls;
    client.set_host_name("localhost");
    counted(calls.client, [&] { client.start_handshake(); return 0; });
    counted(calls.server, [&] { server.start_handshake(); return 0; });
    BOOST_TEST_REQUIRE(pump(client, server, calls));
    BOOST_TEST_REQUIRE(client.handshake_done());
    BOOST_TEST_REQUIRE(server.handshake_done());
    BOOST_TEST_REQUIRE(!client.failed());
    BOOST_TEST_REQUIRE(!server.failed());
    const std::array<std::byte, 4> ping{std::byte{'p'}, std::byte{'i'}, std::byte{'n'}, std::byte{'g'}};
    BOOST_TEST_REQUIRE(client.write(ping) == ping.size());
    BOOST_TEST_REQUIRE(server.write(ping) == ping.size());
    call_counts ignored;
    BOOST_TEST_REQUIRE(pump(client, server, ignored));
    return calls;
}

/// Average heap per end of `connections` idle connections, per role: what
/// destroying the ends gives back. What the contexts keep per connection
/// (session cache entries) stays, and is reported apart.
struct idle_heap {
    std::int64_t client = 0;
    std::int64_t server = 0;
    std::int64_t contexts = 0;
};

idle_heap measure_idle(tls_version v)
{
    contexts ctx(v);
    {
        // What the contexts build once (ticket keys, the client's session
        // cache entry) is not a connection's.
        engine c(ctx.client, role::client), s(ctx.server, role::server);
        connect(c, s);
    }
    std::vector<std::optional<engine>> clients(connections), servers(connections);
    const auto before = heap::now().bytes;
    for (std::size_t i = 0; i < connections; ++i) {
        clients[i].emplace(ctx.client, role::client);
        servers[i].emplace(ctx.server, role::server);
        connect(*clients[i], *servers[i]);
    }
    const auto all = heap::now().bytes;
    for (auto& s : servers)
        s.reset();
    const auto without_servers = heap::now().bytes;
    for (auto& c : clients)
        c.reset();
    const auto n = static_cast<std::int64_t>(connections);
    const auto left = heap::now().bytes;
    return {(without_servers - left) / n, (all - without_servers) / n, (left - before) / n};
}

} // namespace

BOOST_AUTO_TEST_CASE(aead_key_holds_only_its_algorithms_context)
{
    // A GCM key is an AES key schedule (about 290 bytes) and mbedTLS's GCM
    // tables (about 430); a ChaCha20-Poly1305 key about 250 bytes. Each
    // direction of a connection holds one key.
    const std::array<std::byte, 32> key{};
    auto held = [&](crypto::aead_alg a) {
        const auto before = heap::now().bytes;
        const crypto::aead k(crypto::mbedtls_provider(), a, std::span(key).first(crypto::aead_key_size(a)));
        return heap::now().bytes - before;
    };
    const auto gcm = held(crypto::aead_alg::aes_128_gcm);
    const auto chachapoly = held(crypto::aead_alg::chacha20_poly1305);
    BOOST_TEST_MESSAGE("AES-128-GCM key: " << gcm << " bytes, ChaCha20-Poly1305 key: " << chachapoly << " bytes");
    BOOST_TEST(gcm <= 800);
    BOOST_TEST(chachapoly <= 320);
    BOOST_TEST(chachapoly > 0);
}

BOOST_DATA_TEST_CASE(idle_established_end_holds_at_most_8_kib, boost::unit_test::data::make(versions), v)
{
    const auto held = measure_idle(v);
    BOOST_TEST_MESSAGE(to_string(v) << ": idle client end " << held.client << " bytes, idle server end "
                                    << held.server << " bytes, contexts' share " << held.contexts << " bytes");
    BOOST_TEST(held.client <= idle_end_bound);
    BOOST_TEST(held.server <= idle_end_bound);
    // The meter sees the engines at all: a connection is not free.
    BOOST_TEST(held.client > 0);
    BOOST_TEST(held.server > 0);
}

BOOST_AUTO_TEST_CASE(server_with_part_of_a_client_hello_holds_at_most_24_kib)
{
    contexts ctx(tls_version::tls13);
    ctx.server.set_min_version(tls_version::tls12);
    std::vector<std::byte> hello;
    {
        engine c(ctx.client, role::client);
        c.set_host_name("localhost");
        c.start_handshake();
        const auto out = c.output();
        hello.assign(out.begin(), out.end());
    }
    BOOST_TEST_REQUIRE(hello.size() > 64u);
    std::vector<std::optional<engine>> servers(connections);
    const auto before = heap::now().bytes;
    for (auto& s : servers) {
        s.emplace(ctx.server, role::server);
        s->start_handshake();
    }
    const auto fresh = heap::now().bytes - before;
    for (auto& s : servers)
        BOOST_TEST_REQUIRE(s->feed(std::span(hello).first(hello.size() / 2)) == hello.size() / 2);
    const auto partial = heap::now().bytes - before;
    const auto n = static_cast<std::int64_t>(connections);
    BOOST_TEST_MESSAGE("server engine: " << fresh / n << " bytes before input, " << partial / n
                                         << " bytes with half a ClientHello");
    BOOST_TEST(partial / n <= partial_hello_bound);
    for (auto& s : servers)
        BOOST_TEST(!s->failed());
}

BOOST_DATA_TEST_CASE(records_in_steady_state_allocate_nothing, boost::unit_test::data::make(versions), v)
{
    contexts ctx(v);
    engine client(ctx.client, role::client), server(ctx.server, role::server);
    connect(client, server);
    std::vector<std::byte> data(16 * 1024, std::byte{0x5a});
    call_counts calls;
    round_trip(client, server, data, calls); // whatever a first record of full size sets up
    calls = {};
    constexpr int records = 64;
    for (int i = 0; i < records; ++i)
        round_trip(client, server, data, calls);
    BOOST_TEST_MESSAGE(to_string(v) << ": allocations over " << records << " 16 KiB records each way: client "
                                    << calls.client << ", server " << calls.server);
    BOOST_TEST(calls.client == 0u);
    BOOST_TEST(calls.server == 0u);
}

BOOST_DATA_TEST_CASE(allocations_per_handshake, boost::unit_test::data::make(versions), v)
{
    contexts ctx(v);
    engine warm_c(ctx.client, role::client), warm_s(ctx.server, role::server);
    connect(warm_c, warm_s);
    engine client(ctx.client, role::client), server(ctx.server, role::server);
    const auto calls = connect(client, server);
    // Information only: how many there are depends on mbedTLS's bignum code.
    BOOST_TEST_MESSAGE(to_string(v) << ": allocations per mutually authenticated handshake: client "
                                    << calls.client << ", server " << calls.server);
    BOOST_TEST(calls.client > 0u);
    BOOST_TEST(calls.server > 0u);
}
