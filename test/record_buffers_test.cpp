// The record layer's buffers, seen through mtls::engine: no allocation per
// record in steady state (both directions, TLS 1.2 and 1.3), no receive or
// send buffer held by an idle connection, input that arrives in the small
// span an idle engine lends and continues into a pooled buffer, and the
// largest legal record still fitting.
//
// Global operator new is replaced to count allocations and live bytes. Where
// no sanitizer owns the allocator, calloc is counted too: mbedTLS allocates
// with it.

#define BOOST_TEST_MODULE record_buffers
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "support/bytes.hpp"
#include "support/certs.hpp"
#include "support/checks.hpp"
#include "support/pump.hpp"
#include "support/records.hpp"

#include "record/record_buffer.hpp"
#include "record/record_layer.hpp"

#include <atomic>
#include <cstdlib>
#include <malloc.h>
#include <new>

#if defined(__SANITIZE_ADDRESS__)
#define MTLS_TEST_OWN_CALLOC 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MTLS_TEST_OWN_CALLOC 0
#endif
#endif
#ifndef MTLS_TEST_OWN_CALLOC
#define MTLS_TEST_OWN_CALLOC 1
#endif

namespace {

std::atomic<std::size_t> allocations{0};
std::atomic<std::size_t> live_bytes{0};

void* counted(std::size_t n)
{
    void* p = std::malloc(n == 0 ? 1 : n);
    if (p == nullptr)
        throw std::bad_alloc();
    allocations.fetch_add(1, std::memory_order_relaxed);
    live_bytes.fetch_add(malloc_usable_size(p), std::memory_order_relaxed);
    return p;
}

void uncounted(void* p) noexcept
{
    if (p == nullptr)
        return;
    live_bytes.fetch_sub(malloc_usable_size(p), std::memory_order_relaxed);
    std::free(p);
}

} // namespace

void* operator new(std::size_t n) { return counted(n); }
void* operator new[](std::size_t n) { return counted(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept
{
    try {
        return counted(n);
    } catch (...) {
        return nullptr;
    }
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void operator delete(void* p) noexcept { uncounted(p); }
void operator delete[](void* p) noexcept { uncounted(p); }
void operator delete(void* p, std::size_t) noexcept { uncounted(p); }
void operator delete[](void* p, std::size_t) noexcept { uncounted(p); }

#if MTLS_TEST_OWN_CALLOC
extern "C" void* __libc_calloc(std::size_t, std::size_t);
extern "C" void* calloc(std::size_t count, std::size_t size)
{
    allocations.fetch_add(1, std::memory_order_relaxed);
    return __libc_calloc(count, size);
}
#endif

using namespace mtls;
using namespace mtls::test;
namespace data = boost::unit_test::data;

namespace {

constexpr std::size_t small_span = record::record_layer::small_input_size;

/// Heap the engines hold: live bytes less the blocks parked in this
/// thread's pool, which belong to no connection.
std::size_t engine_heap() { return live_bytes.load() - record::pooled_bytes(); }

engine_pair connected(tls_version v)
{
    return engine_pair(versioned(client_context("client-ecdsa"), v), versioned(server_context_requiring_client_cert(), v));
}

/// Hands `in` to `e`, `piece` bytes per feed() (0: all at once).
void feed_all(engine& e, std::span<const std::byte> in, std::size_t piece)
{
    const std::size_t step = piece == 0 ? in.size() : piece;
    for (std::size_t off = 0; off < in.size(); off += step) {
        const auto part = in.subspan(off, std::min(step, in.size() - off));
        BOOST_TEST_REQUIRE(e.feed(part) == part.size());
    }
}

/// One record of `payload` from `from` to `to`, read and checked there
/// without allocating in the test itself.
void one_record(engine& from, engine& to, std::span<const std::byte> payload, std::size_t piece)
{
    BOOST_TEST_REQUIRE(from.write(payload) == payload.size());
    const auto out = from.output();
    feed_all(to, out, piece);
    from.consume_output(out.size());
    const auto got = to.plaintext();
    BOOST_TEST_REQUIRE(std::equal(got.begin(), got.end(), payload.begin(), payload.end()));
    to.consume_plaintext(got.size());
}

const std::array record_sizes{std::size_t{1}, std::size_t{16384}};
const std::array feed_pieces{std::size_t{0}, std::size_t{1}};

} // namespace

BOOST_DATA_TEST_CASE(no_allocation_per_record_in_steady_state,
                     data::make(versions) * data::make(record_sizes) * data::make(feed_pieces), v, size, piece)
{
    // Issue 13: the per-record path allocates nothing once warm, even when
    // every record drains the buffers and the next one takes them again.
    auto p = connected(v);
    MTLS_REQUIRE_HANDSHAKE(p);
    const bytes payload = pattern(size, 3);
    for (int i = 0; i < 3; ++i) { // warm-up: session tickets, pooled blocks
        one_record(p.client, p.server, payload, piece);
        one_record(p.server, p.client, payload, piece);
    }
    const std::size_t before = allocations.load();
    for (int i = 0; i < 8; ++i) {
        one_record(p.client, p.server, payload, piece);
        one_record(p.server, p.client, payload, piece);
    }
    BOOST_TEST(allocations.load() - before == 0u);
}

BOOST_DATA_TEST_CASE(idle_engine_holds_no_record_buffers, data::make(versions), v)
{
    // Issue 13: buffers are released while idle and taken again when data
    // arrives or is written.
    auto p = connected(v);
    MTLS_REQUIRE_HANDSHAKE(p);
    const bytes payload = pattern(16384, 4);
    one_record(p.client, p.server, payload, 0);
    one_record(p.server, p.client, payload, 0);
    const std::size_t idle = engine_heap();
    // A read pending on an idle connection lends only the small span.
    BOOST_TEST(p.server.input_space().size() <= small_span);
    BOOST_TEST(p.client.input_space().size() <= small_span);

    // Half a record in: the server holds a receive buffer.
    BOOST_TEST_REQUIRE(p.client.write(payload) == payload.size());
    const auto out = p.client.output();
    feed_all(p.server, out.first(out.size() / 2), 0);
    const std::size_t receiving = engine_heap();
    BOOST_TEST(receiving - idle >= record::receive_block + record::send_block); // and the client its queue
    feed_all(p.server, out.subspan(out.size() / 2), 0);
    p.client.consume_output(out.size());
    BOOST_TEST(engine_heap() > idle); // the plaintext is read in place: the buffer stays until it is consumed
    p.server.consume_plaintext(p.server.plaintext().size());
    BOOST_TEST(engine_heap() == idle);
}

BOOST_DATA_TEST_CASE(records_straddling_the_small_span,
                     data::make(versions) *
                         data::make({std::size_t{1}, small_span - 7, small_span, small_span + 3, std::size_t{5000}}),
                     v, piece)
{
    // Small records are opened in the span inside the engine; a record
    // that does not fit moves, with what follows it, into a pooled buffer.
    auto p = connected(v);
    MTLS_REQUIRE_HANDSHAKE(p);
    p.feed_size = piece;
    const bytes tiny = pattern(10, 5);
    const bytes near_small = pattern(small_span - 30, 6);
    const bytes over_small = pattern(small_span + 40, 7);
    const bytes large = pattern(40000, 8);
    bytes expected;
    for (const bytes* b : {&tiny, &near_small, &over_small, &tiny, &large, &tiny}) {
        BOOST_TEST_REQUIRE(p.client.write(*b) == b->size());
        expected.insert(expected.end(), b->begin(), b->end());
    }
    BOOST_TEST_REQUIRE(p.pump());
    BOOST_TEST(!p.server.failed());
    BOOST_TEST(p.received(direction::to_server) == expected);
    BOOST_TEST(p.server.input_space().size() <= small_span);
}

BOOST_DATA_TEST_CASE(largest_record_fits_and_one_byte_more_is_refused,
                     data::make(versions) * data::make({std::size_t{0}, std::size_t{1}, small_span - 1}), v, piece)
{
    // RFC 5246 §6.2.3: 2^14 + 2048; RFC 8446 §5.2: 2^14 + 256. A record of
    // the limit is taken whole (noise then fails authentication); one byte
    // more is refused on its header.
    const std::size_t limit = max_plaintext + (v == tls_version::tls13 ? 256 : 2048);
    for (const std::size_t length : {limit, limit + 1}) {
        BOOST_TEST_CONTEXT("length " << length)
        {
            auto p = connected(v);
            MTLS_REQUIRE_HANDSHAKE(p);
            p.feed_size = piece == 0 ? std::numeric_limits<std::size_t>::max() : piece;
            p.inject(direction::to_server, make_record(content::application_data, pattern(length, 9)));
            BOOST_TEST(p.pump());
            if (length == limit)
                MTLS_CHECK_FAILURE(p.server, error::bad_record_mac, p.client, alert::bad_record_mac);
            else
                MTLS_CHECK_FAILURE(p.server, error::record_overflow, p.client, alert::record_overflow);
        }
    }
}
