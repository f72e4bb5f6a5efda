// Tests for src/record: the record layer's framing, limits and queues.

#define BOOST_TEST_MODULE record_layer
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "support/hex.hpp"
#include "support/print.hpp"
#include "support/record_suites.hpp"

#include "crypto/aead.hpp"
#include "record/protection.hpp"
#include "record/record_layer.hpp"

#include <algorithm>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

BOOST_TEST_DONT_PRINT_LOG_VALUE(std::byte)
BOOST_TEST_DONT_PRINT_LOG_VALUE(std::vector<std::byte>)

using namespace mtls;
using namespace mtls::record;
using crypto::aead_alg;
using namespace mtls::test::record_suites;

namespace {

/// Hands `data` to `l` through as many input spaces as it takes: while
/// nothing is buffered the layer lends only its small span.
void feed(record_layer& l, bytes_view data)
{
    while (!data.empty()) {
        auto space = l.input_space();
        BOOST_TEST_REQUIRE(!space.empty());
        const std::size_t n = std::min(space.size(), data.size());
        std::copy_n(data.begin(), n, space.begin());
        l.commit(n);
        data = data.subspan(n);
    }
}

struct plain_record {
    std::uint8_t type;
    std::uint16_t version;
    byte_vec payload;
};

/// Splits a byte stream into records by their headers.
std::vector<plain_record> split_records(bytes_view out)
{
    std::vector<plain_record> recs;
    while (!out.empty()) {
        BOOST_TEST_REQUIRE(out.size() >= 5u);
        const auto version = static_cast<std::uint16_t>(std::to_integer<unsigned>(out[1]) << 8 | std::to_integer<unsigned>(out[2]));
        const auto len = std::to_integer<std::size_t>(out[3]) << 8 | std::to_integer<std::size_t>(out[4]);
        BOOST_TEST_REQUIRE(out.size() >= 5 + len);
        recs.push_back({std::to_integer<std::uint8_t>(out[0]), version, to_vec(out.subspan(5, len))});
        out = out.subspan(5 + len);
    }
    return recs;
}

byte_vec take_output(record_layer& l)
{
    auto out = to_vec(l.output());
    l.consume(out.size());
    return out;
}

/// Feeds `wire` to `l` and expects `next` to fail with `expected`.
void expect_error(record_layer& l, const byte_vec& wire, error expected)
{
    feed(l, wire);
    record_layer::record rec;
    error_code ec;
    BOOST_TEST(!l.next(rec, ec));
    BOOST_TEST(ec == expected);
}

/// Feeds `l` a valid first record and takes it: the peer speaks TLS, and
/// later headers are checked as TLS headers.
void accept_first_record(record_layer& l)
{
    feed(l, hex("16 0303 0001 01"));
    record_layer::record rec;
    error_code ec;
    BOOST_TEST_REQUIRE(l.next(rec, ec));
    l.release();
}

} // namespace

BOOST_AUTO_TEST_SUITE(record_layer_tests)

BOOST_AUTO_TEST_CASE(send_splits_into_max_size_records)
{
    // RFC 5246 §6.2.1: fragments of at most 2^14 bytes.
    record_layer l;
    const auto data = pattern(40000);
    l.send(content_type::handshake, data);
    const auto out = take_output(l);
    BOOST_TEST(out.size() == 40000u + 3 * 5);
    const auto recs = split_records(out);
    BOOST_TEST_REQUIRE(recs.size() == 3u);
    const std::size_t sizes[] = {16384, 16384, 7232};
    byte_vec joined;
    for (std::size_t i = 0; i < 3; ++i) {
        BOOST_TEST(recs[i].type == 22u);
        BOOST_TEST(recs[i].version == 0x0303u);
        BOOST_TEST(recs[i].payload.size() == sizes[i]);
        joined.insert(joined.end(), recs[i].payload.begin(), recs[i].payload.end());
    }
    BOOST_TEST(joined == data);
    BOOST_TEST(l.output_empty());
}

BOOST_AUTO_TEST_CASE(prepare_and_seal_application_records)
{
    record_layer l;
    auto room = l.prepare();
    BOOST_TEST(room.size() == 16384u);
    const auto hello = hex("68656c6c6f");
    std::copy(hello.begin(), hello.end(), room.begin());
    l.seal(hello.size());
    room = l.prepare();
    const auto world = hex("776f726c6421");
    std::copy(world.begin(), world.end(), room.begin());
    l.seal(world.size());
    BOOST_TEST(take_output(l) == cat({hex("17 0303 0005"), hello, hex("17 0303 0006"), world}));

    // The write version goes into the header.
    l.set_write_version(0x0301);
    l.send(content_type::alert, hex("0100"));
    BOOST_TEST(take_output(l) == hex("15 0301 0002 0100"));
}

BOOST_AUTO_TEST_CASE(prepare_and_seal_protected_records)
{
    for (const auto& s : suites) {
        BOOST_TEST_CONTEXT(s.name)
        {
            record_layer l;
            l.set_write_protection(make_protection(s));
            BOOST_TEST(l.write_protected());
            const auto text = pattern(3000, 5);
            auto room = l.prepare();
            BOOST_TEST_REQUIRE(room.size() == 16384u);
            std::copy(text.begin(), text.end(), room.begin());
            l.seal(text.size());
            l.send(content_type::handshake, pattern(7));

            const auto recs = split_records(take_output(l));
            BOOST_TEST_REQUIRE(recs.size() == 2u);
            auto opener = make_protection(s);
            const std::pair<content_type, byte_vec> expected[] = {
                {content_type::application_data, text}, {content_type::handshake, pattern(7)}};
            for (std::size_t i = 0; i < 2; ++i) {
                auto whole = cat({byte_vec{std::byte{recs[i].type}}, be16(recs[i].version),
                                  be16(recs[i].payload.size()), recs[i].payload});
                auto got = open_record(opener, whole);
                BOOST_TEST_REQUIRE(got.ec == error_code{});
                BOOST_TEST(got.type == expected[i].first);
                BOOST_TEST(got.plaintext == expected[i].second);
            }
            BOOST_TEST(l.write_protection()->sequence() == 2u);
        }
    }
}

BOOST_AUTO_TEST_CASE(output_stays_put_while_more_is_queued)
{
    record_layer l;
    const auto first = pattern(100, 1);
    l.send(content_type::handshake, first);
    const auto span = l.output();
    const auto snapshot = to_vec(span);
    BOOST_TEST(snapshot == cat({hex("16 0303 0064"), first}));

    // Enough to force any single buffer to grow and move.
    const auto second = pattern(40000, 2);
    l.send(content_type::application_data, second);
    l.send(content_type::alert, hex("0100"));
    BOOST_TEST(to_vec(span) == snapshot);   // under ASan: no use after free either

    // Until it is consumed, output() hands out the same bytes, nothing more.
    const auto again = l.output();
    BOOST_TEST(again.data() == span.data());
    BOOST_TEST(again.size() == span.size());

    // A partial consume leaves the rest in place.
    l.consume(10);
    const auto rest = l.output();
    BOOST_TEST(rest.data() == span.data() + 10);
    BOOST_TEST(rest.size() == span.size() - 10);
    l.send(content_type::application_data, pattern(5, 3));
    BOOST_TEST(to_vec(l.output()) == to_vec(span.subspan(10)));
    l.consume(rest.size());
    BOOST_TEST(!l.output_empty());

    // Then everything queued meanwhile, in order.
    const auto recs = split_records(take_output(l));
    BOOST_TEST_REQUIRE(recs.size() == 5u);
    BOOST_TEST(recs[0].type == 23u);
    BOOST_TEST(recs[1].type == 23u);
    BOOST_TEST(recs[2].type == 23u);
    BOOST_TEST(cat({recs[0].payload, recs[1].payload, recs[2].payload}) == second);
    BOOST_TEST(recs[3].type == 21u);
    BOOST_TEST(recs[3].payload == hex("0100"));
    BOOST_TEST(recs[4].type == 23u);
    BOOST_TEST(recs[4].payload == pattern(5, 3));
    BOOST_TEST(l.output_empty());
    BOOST_TEST(l.output().empty());
}

BOOST_AUTO_TEST_CASE(queue_cycles_through_both_buffers)
{
    // Several rounds of output / send / consume: nothing lost or reordered.
    record_layer l;
    byte_vec sent, received;
    for (std::uint8_t round = 0; round < 6; ++round) {
        const auto a = pattern(50 + round, round);
        l.send(content_type::application_data, a);
        sent.insert(sent.end(), a.begin(), a.end());
        const auto held = l.output();
        const auto held_copy = to_vec(held);
        const auto b = pattern(20000 + round, static_cast<std::uint8_t>(round + 100));
        l.send(content_type::application_data, b);
        sent.insert(sent.end(), b.begin(), b.end());
        BOOST_TEST(to_vec(held) == held_copy);
        l.consume(held.size());
        for (const auto& r : split_records(held_copy))
            received.insert(received.end(), r.payload.begin(), r.payload.end());
        // Take half of what follows now, the rest next round.
        const auto next = l.output();
        const auto half = next.size() / 2;
        const auto part = to_vec(next);
        l.consume(half);
        BOOST_TEST(to_vec(l.output()) == byte_vec(part.begin() + static_cast<std::ptrdiff_t>(half), part.end()));
        l.consume(next.size() - half);
        for (const auto& r : split_records(part))
            received.insert(received.end(), r.payload.begin(), r.payload.end());
    }
    BOOST_TEST(l.output_empty());
    BOOST_TEST(received == sent);
}

BOOST_AUTO_TEST_CASE(partial_header_and_body_wait_without_error)
{
    record_layer l;
    const auto wire = hex("16 0303 0004 01020304");
    record_layer::record rec;
    error_code ec;
    BOOST_TEST(!l.next(rec, ec));   // nothing yet
    BOOST_TEST(!ec);
    for (std::size_t i = 0; i + 1 < wire.size(); ++i) {
        feed(l, bytes_view(wire).subspan(i, 1));
        BOOST_TEST(!l.next(rec, ec), "after " << i + 1 << " bytes");
        BOOST_TEST(!ec, "after " << i + 1 << " bytes");
        BOOST_TEST(l.has_partial());
    }
    feed(l, bytes_view(wire).last(1));
    BOOST_TEST_REQUIRE(l.next(rec, ec));
    BOOST_TEST(!ec);
    BOOST_TEST(rec.type == content_type::handshake);
    BOOST_TEST(to_vec(rec.payload) == hex("01020304"));
    BOOST_TEST(!l.has_partial());
    l.release();
    BOOST_TEST(!l.next(rec, ec));
    BOOST_TEST(!ec);
}

BOOST_AUTO_TEST_CASE(unknown_content_type)
{
    // RFC 5246 §6: unknown types get unexpected_message; detected from the header alone.
    for (const char* type : {"18", "19", "00", "ff", "13"}) {
        record_layer l;
        accept_first_record(l);
        expect_error(l, cat({hex(type), hex("0303 0001")}), error::unknown_content_type);
    }
    // Heartbeat (24) is a TLS content type, if not one mtls speaks: a TLS
    // peer's first record.
    record_layer l;
    expect_error(l, hex("18 0303 0001 00"), error::unknown_content_type);
}

BOOST_AUTO_TEST_CASE(first_header_not_tls)
{
    // No TLS content type, or no {03,XX} version: the peer does not speak TLS.
    for (const char* header : {"19 0303 0001", "00 0303 0001", "13 0303 0001", "16 0200 0001", "16 0400 0001",
                               "5353 482d 32"}) {
        record_layer l;
        expect_error(l, hex(header), error::peer_not_tls);
    }
    record_layer l;
    expect_error(l, hex("4745 5420 2f"), error::peer_speaks_http); // "GET /"
}

BOOST_AUTO_TEST_CASE(bad_record_version)
{
    {
        // Not {03,XX}: no TLS version at all.
        record_layer l;
        accept_first_record(l);
        expect_error(l, hex("16 0200 0001 00"), error::bad_record_version);
    }
    {
        record_layer l;
        accept_first_record(l);
        expect_error(l, hex("16 0400 0001 00"), error::bad_record_version);
    }
    {
        record_layer l;
        l.expect_version(0x0303);
        feed(l, hex("16 0303 0001 01"));
        record_layer::record rec;
        error_code ec;
        BOOST_TEST(l.next(rec, ec));
        l.release();
        expect_error(l, hex("16 0301 0001 01"), error::bad_record_version);
    }
}

namespace data = boost::unit_test::data;

BOOST_DATA_TEST_CASE(any_03xx_before_the_version_is_settled, data::make({0x0300, 0x0301, 0x0303, 0x0304, 0x03FF}),
                     version)
{
    // RFC 5246 Appendix E.1: the record carrying the first ClientHello may
    // say any {03,XX}, SSL 3.0's 0x0300 included; RFC 8446 §5.1 likewise.
    record_layer l;
    byte_vec wire = hex("16 0000 0001 01");
    wire[1] = std::byte(static_cast<std::uint8_t>(version >> 8));
    wire[2] = std::byte(static_cast<std::uint8_t>(version));
    feed(l, wire);
    record_layer::record rec;
    error_code ec;
    BOOST_TEST(l.next(rec, ec));
    BOOST_TEST(!ec);
}

BOOST_AUTO_TEST_CASE(tls13_ignores_the_record_version)
{
    // RFC 8446 §5.1: legacy_record_version "MUST be ignored for all purposes"
    // once the ClientHello has gone by.
    record_layer l;
    l.ignore_version();
    for (auto wire : {hex("16 0303 0001 01"), hex("16 0000 0001 01"), hex("16 7a7a 0001 01"), hex("16 0301 0001 01")}) {
        feed(l, wire);
        record_layer::record rec;
        error_code ec;
        BOOST_TEST(l.next(rec, ec));
        BOOST_TEST(!ec);
        l.release();
    }
}

BOOST_AUTO_TEST_CASE(unprotected_record_overflow)
{
    // RFC 5246 §6.2.1: TLSPlaintext.length <= 2^14.
    {
        record_layer l;
        expect_error(l, hex("17 0303 4001"), error::record_overflow);   // header alone suffices
    }
    {
        record_layer l;
        feed(l, cat({hex("17 0303 4000"), pattern(16384)}));
        record_layer::record rec;
        error_code ec;
        BOOST_TEST_REQUIRE(l.next(rec, ec));
        BOOST_TEST(rec.payload.size() == 16384u);
    }
}

BOOST_AUTO_TEST_CASE(protected_record_overflow)
{
    // RFC 5246 §6.2.3: 2^14 + 2048; RFC 8446 §5.2: 2^14 + 256.
    for (const auto& s : suites) {
        BOOST_TEST_CONTEXT(s.name)
        {
            const std::size_t limit = s.scheme == nonce_scheme::tls13 ? 16384 + 256 : 16384 + 2048;
            record_layer over;
            over.set_read_protection(make_protection(s));
            expect_error(over, cat({hex("17 0303"), be16(limit + 1)}), error::record_overflow);

            // At the limit the layer waits for the body.
            record_layer at;
            at.set_read_protection(make_protection(s));
            feed(at, cat({hex("17 0303"), be16(limit)}));
            record_layer::record rec;
            error_code ec;
            BOOST_TEST(!at.next(rec, ec));
            BOOST_TEST(!ec);
        }
    }
}

BOOST_AUTO_TEST_CASE(decrypted_plaintext_over_limit)
{
    // RFC 5246 §6.2.3 / RFC 8446 §5.4: a ciphertext within bounds whose
    // plaintext exceeds 2^14 is record_overflow.
    for (const auto& s : suites) {
        BOOST_TEST_CONTEXT(s.name)
        {
            auto sealer = make_protection(s);
            record_layer l;
            l.set_read_protection(make_protection(s));
            feed(l, seal_record(sealer, content_type::application_data, pattern(16384)));
            record_layer::record rec;
            error_code ec;
            BOOST_TEST_REQUIRE(l.next(rec, ec));
            BOOST_TEST(rec.payload.size() == 16384u);
            l.release();
            expect_error(l, seal_record(sealer, content_type::application_data, pattern(16385)),
                         error::record_overflow);
        }
    }
}

BOOST_AUTO_TEST_CASE(tampered_record_through_the_layer)
{
    for (const auto& s : suites) {
        BOOST_TEST_CONTEXT(s.name)
        {
            auto sealer = make_protection(s);
            const auto rec = seal_record(sealer, content_type::application_data, pattern(40));
            for (std::size_t i = 0; i < rec.size(); ++i) {
                // A changed type or version byte is rejected by the header
                // checks first; which error depends on the value.
                if (i < 3)
                    continue;
                auto bad = rec;
                bad[i] ^= std::byte{0x01};
                // A length that grew needs its extra bytes to arrive.
                bad.resize(std::max<std::size_t>(bad.size(), 5 + get16(bad, 3)));
                record_layer l;
                l.set_read_protection(make_protection(s));
                expect_error(l, bad, error::bad_record_mac);
            }
            // TLS 1.2 authenticates the type: handshake instead of application_data.
            if (s.scheme != nonce_scheme::tls13) {
                auto retyped = rec;
                retyped[0] = std::byte{0x16};
                record_layer l;
                l.set_read_protection(make_protection(s));
                expect_error(l, retyped, error::bad_record_mac);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(back_to_back_layers_exchange_one_mebibyte)
{
    // a -> b: TLS 1.2 ChaCha20-Poly1305 via prepare/seal; b -> a: TLS 1.3
    // AES-256-GCM via send. The wire is cut at sizes unrelated to records.
    record_layer a, b;
    a.set_write_protection(make_protection(suites[2], 1));
    b.set_read_protection(make_protection(suites[2], 1));
    b.set_write_protection(make_protection(suites[4], 2));
    a.set_read_protection(make_protection(suites[4], 2));
    a.expect_version(0x0303);
    b.expect_version(0x0303);

    constexpr std::size_t total = 1u << 20;
    const std::size_t cut = 7001;

    // Moves what `from` queued into `to` and collects what `to` decrypts.
    auto pump = [&](record_layer& from, record_layer& to, byte_vec& received, std::size_t& records) {
        while (!from.output_empty()) {
            auto out = from.output();
            auto space = to.input_space();
            const auto n = std::min({out.size(), space.size(), cut});
            BOOST_TEST_REQUIRE(n > 0u);
            std::copy_n(out.begin(), n, space.begin());
            to.commit(n);
            from.consume(n);
            record_layer::record rec;
            error_code ec;
            while (to.next(rec, ec)) {
                BOOST_TEST_REQUIRE(rec.type == content_type::application_data);
                received.insert(received.end(), rec.payload.begin(), rec.payload.end());
                ++records;
                to.release();
            }
            BOOST_TEST_REQUIRE(!ec, ec.message());
        }
    };

    const auto data_ab = pattern(total, 11);
    byte_vec got_ab;
    std::size_t records_ab = 0, sealed_ab = 0;
    const std::size_t chunk_sizes[] = {1, 16384, 100, 5000, 16383, 12345, 0, 16384};
    std::size_t off = 0;
    for (std::size_t i = 0; off < total; ++i) {
        const auto n = std::min(chunk_sizes[i % std::size(chunk_sizes)], total - off);
        auto room = a.prepare();
        std::copy_n(data_ab.begin() + static_cast<std::ptrdiff_t>(off), n, room.begin());
        a.seal(n);
        ++sealed_ab;
        off += n;
        if (i % 3 == 2)
            pump(a, b, got_ab, records_ab);
    }
    pump(a, b, got_ab, records_ab);
    BOOST_TEST(got_ab.size() == total);
    BOOST_TEST(got_ab == data_ab);
    BOOST_TEST(records_ab == sealed_ab);
    BOOST_TEST(b.read_protection()->sequence() == sealed_ab);
    BOOST_TEST(!b.has_partial());

    const auto data_ba = pattern(total, 22);
    byte_vec got_ba;
    std::size_t records_ba = 0;
    b.send(content_type::application_data, data_ba);
    pump(b, a, got_ba, records_ba);
    BOOST_TEST(got_ba == data_ba);
    BOOST_TEST(records_ba == total / 16384);
    BOOST_TEST(a.read_protection()->sequence() == total / 16384);
    BOOST_TEST(!a.has_partial());
}

BOOST_AUTO_TEST_CASE(input_space_compaction_keeps_partial_record)
{
    record_layer l;
    const auto r1 = hex("16 0303 0003 aabbcc");
    const auto r2 = hex("17 0303 0004 01020304");
    feed(l, cat({r1, byte_vec(r2.begin(), r2.begin() + 6)}));
    const auto space_before = l.input_space().size();

    record_layer::record rec;
    error_code ec;
    BOOST_TEST_REQUIRE(l.next(rec, ec));
    BOOST_TEST(to_vec(rec.payload) == hex("aabbcc"));

    // While the payload is held, input_space must not move it.
    const auto payload = rec.payload;
    BOOST_TEST(l.input_space().size() == space_before);
    BOOST_TEST(to_vec(payload) == hex("aabbcc"));
    BOOST_TEST(!l.next(rec, ec));   // r2 is incomplete
    BOOST_TEST(!ec);

    // After release, compaction reclaims r1's bytes and keeps r2's start.
    l.release();
    BOOST_TEST(l.input_space().size() == space_before + r1.size());
    BOOST_TEST(l.has_partial());
    feed(l, bytes_view(r2).subspan(6));
    BOOST_TEST_REQUIRE(l.next(rec, ec));
    BOOST_TEST(rec.type == content_type::application_data);
    BOOST_TEST(to_vec(rec.payload) == hex("01020304"));
    BOOST_TEST(!l.has_partial());
}

BOOST_AUTO_TEST_CASE(compaction_with_protected_partial_record)
{
    // The same with real records near maximum size: a whole record and most
    // of the next arrive together, the rest arrives after compaction.
    const suite& s = suites[0];
    auto sealer = make_protection(s);
    const auto r1 = seal_record(sealer, content_type::application_data, pattern(16384, 1));
    const auto r2 = seal_record(sealer, content_type::application_data, pattern(16384, 2));
    record_layer l;
    l.set_read_protection(make_protection(s));
    const std::size_t split = r2.size() - 100;
    feed(l, cat({r1, byte_vec(r2.begin(), r2.begin() + static_cast<std::ptrdiff_t>(split))}));
    record_layer::record rec;
    error_code ec;
    BOOST_TEST_REQUIRE(l.next(rec, ec));
    BOOST_TEST(to_vec(rec.payload) == pattern(16384, 1));
    BOOST_TEST(!l.next(rec, ec));
    BOOST_TEST(!ec);
    l.release();
    feed(l, bytes_view(r2).subspan(split));
    BOOST_TEST_REQUIRE(l.next(rec, ec));
    BOOST_TEST(to_vec(rec.payload) == pattern(16384, 2));
}

BOOST_AUTO_TEST_SUITE_END()
