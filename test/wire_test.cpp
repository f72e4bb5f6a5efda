// Tests for src/wire: the bounded reader, the length-prefixing writer and the
// TLS 1.2 handshake message parsers (RFC 5246 §7.4, RFC 8422 §5).

#define BOOST_TEST_MODULE wire
#include <boost/test/unit_test.hpp>

#include "support/hex.hpp"
#include "support/print.hpp"

#include "wire/codec.hpp"
#include "wire/messages.hpp"

#include <algorithm>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

BOOST_TEST_DONT_PRINT_LOG_VALUE(std::byte)
BOOST_TEST_DONT_PRINT_LOG_VALUE(std::vector<std::byte>)
BOOST_TEST_DONT_PRINT_LOG_VALUE(std::vector<std::uint16_t>)
BOOST_TEST_DONT_PRINT_LOG_VALUE(std::vector<mtls::named_group>)
BOOST_TEST_DONT_PRINT_LOG_VALUE(std::vector<mtls::signature_scheme>)

using namespace mtls;
using namespace mtls::wire;

namespace {

byte_vec counting(std::size_t n, std::uint8_t first = 0)
{
    byte_vec out(n);
    for (std::size_t i = 0; i < n; ++i)
        out[i] = static_cast<std::byte>(first + i);
    return out;
}

// A ClientHello body (without handshake header), built from its fields so
// each negative test changes exactly one of them.
struct hello_fields {
    byte_vec version = hex("0303");
    byte_vec random = counting(32);
    byte_vec session_id = hex("04 deadbeef");          // with its 1-byte length
    byte_vec suites = hex("0006 c02b c02f 00ff");      // with its 2-byte length
    byte_vec compression = hex("01 00");
    byte_vec extensions;                               // with its 2-byte length, or none
};

byte_vec build(const hello_fields& f)
{
    return cat({f.version, f.random, f.session_id, f.suites, f.compression, f.extensions});
}

byte_vec with_block16(const byte_vec& body)
{
    byte_vec out{std::byte(static_cast<std::uint8_t>(body.size() >> 8)),
                 std::byte(static_cast<std::uint8_t>(body.size()))};
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

byte_vec server_name_ext()
{
    // RFC 6066 §3: list length 14, host_name(0), name length 11, "example.com".
    return hex("0000 0010 000e 00 000b 6578616d706c652e636f6d");
}

// The extensions a typical TLS 1.2 client sends, plus one unknown (0x1234).
byte_vec client_extensions_body()
{
    return cat({
        server_name_ext(),
        hex("000a 0008 0006 001d 0017 0018"),   // supported_groups
        hex("000b 0002 01 00"),                 // ec_point_formats: uncompressed
        hex("000d 0008 0006 0403 0804 0401"),   // signature_algorithms
        hex("1234 0003 aabbcc"),                // unknown: skipped
        hex("0017 0000"),                       // extended_master_secret
        hex("ff01 0001 00"),                    // renegotiation_info, empty
    });
}

hello_fields typical_client_hello()
{
    hello_fields f;
    f.extensions = with_block16(client_extensions_body());
    return f;
}

// A ServerHello body: version, random, 32-byte session id, suite, compression, extensions.
byte_vec server_hello_fixed()
{
    return cat({hex("0303"), counting(32, 0x40), hex("20"), counting(32, 0x80), hex("c02f 00")});
}

byte_vec server_hello_extensions()
{
    return with_block16(cat({
        hex("0000 0000"),         // server_name acknowledgement (empty)
        hex("0017 0000"),         // extended_master_secret
        hex("ff01 0001 00"),      // renegotiation_info
        hex("000b 0002 01 00"),   // ec_point_formats
    }));
}

} // namespace

BOOST_AUTO_TEST_SUITE(reader_tests)

BOOST_AUTO_TEST_CASE(integers_are_big_endian)
{
    const auto data = hex("01 0203 040506 0708090a0b0c0d0e");
    reader r(data);
    BOOST_TEST(r.u8() == 0x01u);
    BOOST_TEST(r.u16() == 0x0203u);
    BOOST_TEST(r.u24() == 0x040506u);
    BOOST_TEST(r.u64() == 0x0708090a0b0c0d0eull);
    BOOST_TEST(r.ok());
    BOOST_TEST(r.empty());
    BOOST_TEST(r.done());
}

BOOST_AUTO_TEST_CASE(every_read_past_end_fails_with_zero)
{
    // Each reader covers only the first byte of a larger buffer: a read that
    // crossed its end would see the 0xff bytes behind it. The buffer is an
    // exact-size heap block, so a read past it would also trip ASan.
    const auto buffer = hex("7f ffffffffffffffff");
    const bytes_view one = bytes_view(buffer).first(1);

    { reader r(one); r.u8(); BOOST_TEST(r.u8() == 0u); BOOST_TEST(!r.ok()); }
    { reader r(one); BOOST_TEST(r.u16() == 0u); BOOST_TEST(!r.ok()); }
    { reader r(one); BOOST_TEST(r.u24() == 0u); BOOST_TEST(!r.ok()); }
    { reader r(one); BOOST_TEST(r.u64() == 0u); BOOST_TEST(!r.ok()); }
    { reader r(one); BOOST_TEST(r.bytes(2).empty()); BOOST_TEST(!r.ok()); }
    { reader r(one); BOOST_TEST(r.vec8().empty()); BOOST_TEST(!r.ok()); }     // length 0x7f
    { reader r(one); BOOST_TEST(r.vec16().empty()); BOOST_TEST(!r.ok()); }    // no room for length
    { reader r(one); BOOST_TEST(r.vec24().empty()); BOOST_TEST(!r.ok()); }

    // On a fully empty reader too, and for every read after the first failure.
    const bytes_view none = bytes_view(buffer).first(0);
    reader r(none);
    BOOST_TEST(r.ok());
    BOOST_TEST(r.rest().empty());   // reading nothing from nothing is fine
    BOOST_TEST(r.done());
    BOOST_TEST(r.u8() == 0u);
    BOOST_TEST(!r.ok());
    BOOST_TEST(!r.done());
    BOOST_TEST(r.u16() == 0u);
    BOOST_TEST(r.u24() == 0u);
    BOOST_TEST(r.u64() == 0u);
    BOOST_TEST(r.bytes(0).empty());
    BOOST_TEST(r.rest().empty());
    BOOST_TEST(!r.ok());
}

BOOST_AUTO_TEST_CASE(failure_is_sticky_and_blocks_later_reads)
{
    const auto data = hex("0102 03");
    reader r(data);
    BOOST_TEST(r.u24() == 0x010203u);   // exactly fits
    BOOST_TEST(r.done());
    reader s(data);
    BOOST_TEST(s.u64() == 0u);          // does not fit
    BOOST_TEST(!s.ok());
    // A failed reader hands out nothing even though bytes remain.
    BOOST_TEST(s.u8() == 0u);
    BOOST_TEST(s.bytes(1).empty());
    BOOST_TEST(!s.done());
}

BOOST_AUTO_TEST_CASE(vectors_longer_than_remaining_data)
{
    // Length prefixes one more than what follows.
    {
        const auto data = hex("04 aabbcc");
        reader r(data);
        BOOST_TEST(r.vec8().empty());
        BOOST_TEST(!r.ok());
    }
    {
        const auto data = hex("0004 aabbcc");
        reader r(data);
        BOOST_TEST(r.vec16().empty());
        BOOST_TEST(!r.ok());
    }
    {
        const auto data = hex("000004 aabbcc");
        reader r(data);
        BOOST_TEST(r.vec24().empty());
        BOOST_TEST(!r.ok());
    }
    {
        // Maximal lengths on tiny input.
        const auto data = hex("ffffff 00");
        reader r(data);
        BOOST_TEST(r.vec24().empty());
        BOOST_TEST(!r.ok());
    }
    // Exactly fitting lengths succeed and return the body.
    {
        const auto data = hex("03 aabbcc 0002 dddd 000001 ee");
        reader r(data);
        BOOST_TEST(to_vec(r.vec8()) == hex("aabbcc"));
        BOOST_TEST(to_vec(r.vec16()) == hex("dddd"));
        BOOST_TEST(to_vec(r.vec24()) == hex("ee"));
        BOOST_TEST(r.done());
    }
}

BOOST_AUTO_TEST_CASE(done_versus_trailing_bytes)
{
    const auto data = hex("0001 aa bb");
    reader r(data);
    BOOST_TEST(to_vec(r.vec16()) == hex("aa"));
    BOOST_TEST(r.ok());
    BOOST_TEST(!r.empty());
    BOOST_TEST(r.remaining() == 1u);
    BOOST_TEST(!r.done());
    BOOST_TEST(to_vec(r.rest()) == hex("bb"));
    BOOST_TEST(r.done());

    // fail() marks the reader failed even when everything was consumed.
    reader f(data);
    f.rest();
    BOOST_TEST(f.done());
    f.fail();
    BOOST_TEST(!f.ok());
    BOOST_TEST(f.empty());
    BOOST_TEST(!f.done());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(writer_tests)

BOOST_AUTO_TEST_CASE(integers_are_big_endian)
{
    byte_vec out;
    writer w(out);
    w.u8(0x01);
    w.u16(0x0203);
    w.u24(0x040506);
    w.u64(0x0708090a0b0c0d0eull);
    w.bytes(hex("ff"));
    BOOST_TEST(out == hex("01 0203 040506 0708090a0b0c0d0e ff"));
    BOOST_TEST(w.size() == 15u);
}

BOOST_AUTO_TEST_CASE(nested_length_blocks_are_patched)
{
    byte_vec out = hex("eeee");   // blocks are relative to existing content
    writer w(out);
    auto outer = w.open(3);
    w.u8(0x01);
    auto middle = w.open(2);
    auto inner = w.open(1);
    w.bytes(hex("aabbcc"));
    w.close(inner);
    w.u16(0x0102);
    w.close(middle);
    auto empty = w.open(2);
    w.close(empty);
    w.close(outer);
    BOOST_TEST(out == hex("eeee 00000b 01 0006 03aabbcc 0102 0000"));
}

BOOST_AUTO_TEST_CASE(lengths_use_every_byte_of_the_prefix)
{
    byte_vec out;
    writer w(out);
    w.vec16(byte_vec(0x012c));    // 300: needs both bytes
    BOOST_TEST(out.size() == 2u + 0x012c);
    BOOST_TEST(to_vec(bytes_view(out).first(2)) == hex("012c"));

    byte_vec big;
    writer b(big);
    b.vec24(byte_vec(0x011170));  // 70000: needs all three
    BOOST_TEST(big.size() == 3u + 0x011170);
    BOOST_TEST(to_vec(bytes_view(big).first(3)) == hex("011170"));

    byte_vec small;
    writer s(small);
    s.vec8(hex("a1a2"));
    s.vec16({});
    s.vec24(hex("b1"));
    BOOST_TEST(small == hex("02a1a2 0000 000001b1"));
}

BOOST_AUTO_TEST_CASE(encode_handshake_header)
{
    byte_vec out;
    encode_handshake(out, handshake_type::finished, [](writer& w) { w.bytes(counting(12)); });
    BOOST_TEST(out == cat({hex("14 00000c"), counting(12)}));

    // Appends after earlier messages; an empty body has length zero.
    encode_handshake(out, handshake_type::server_hello_done, [](writer&) {});
    BOOST_TEST(out == cat({hex("14 00000c"), counting(12), hex("0e 000000")}));

    byte_vec large;
    encode_handshake(large, handshake_type::certificate, [](writer& w) { w.vec24(byte_vec(70000)); });
    BOOST_TEST(large.size() == 4u + 3u + 70000u);
    BOOST_TEST(to_vec(bytes_view(large).first(7)) == hex("0b 011173 011170"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(client_hello_tests)

BOOST_AUTO_TEST_CASE(valid_client_hello_parses)
{
    const auto body = build(typical_client_hello());
    client_hello ch;
    BOOST_TEST(parse_client_hello(body, ch) == error_code{});
    BOOST_TEST(ch.legacy_version == 0x0303u);
    BOOST_TEST(to_vec(ch.random) == counting(32));
    BOOST_TEST(to_vec(ch.session_id) == hex("deadbeef"));
    BOOST_TEST(ch.cipher_suites == (std::vector<std::uint16_t>{0xc02b, 0xc02f, 0x00ff}));
    BOOST_TEST(to_vec(ch.compression_methods) == hex("00"));

    const auto& e = ch.ext;
    BOOST_TEST_REQUIRE(e.server_name.has_value());
    BOOST_TEST(*e.server_name == "example.com");
    BOOST_TEST_REQUIRE(e.groups.has_value());
    BOOST_TEST(*e.groups == (std::vector<named_group>{named_group::x25519, named_group::secp256r1,
                                                     named_group::secp384r1}));
    BOOST_TEST_REQUIRE(e.ec_point_formats.has_value());
    BOOST_TEST(to_vec(*e.ec_point_formats) == hex("00"));
    BOOST_TEST_REQUIRE(e.signature_schemes.has_value());
    BOOST_TEST(*e.signature_schemes ==
               (std::vector<signature_scheme>{signature_scheme::ecdsa_secp256r1_sha256,
                                              signature_scheme::rsa_pss_rsae_sha256,
                                              signature_scheme::rsa_pkcs1_sha256}));
    BOOST_TEST(e.extended_master_secret);
    BOOST_TEST_REQUIRE(e.renegotiation_info.has_value());
    BOOST_TEST(e.renegotiation_info->empty());
    BOOST_TEST(!e.supported_versions.has_value());
    BOOST_TEST(e.present == (std::vector<std::uint16_t>{0x0000, 0x000a, 0x000b, 0x000d, 0x1234, 0x0017, 0xff01}));
    BOOST_TEST(e.has(extension_type::extended_master_secret));
    BOOST_TEST(!e.has(extension_type::supported_versions));
}

BOOST_AUTO_TEST_CASE(views_point_into_the_message)
{
    const auto body = build(typical_client_hello());
    client_hello ch;
    BOOST_TEST_REQUIRE(parse_client_hello(body, ch) == error_code{});
    // session_id follows version (2), random (32) and its length byte.
    BOOST_TEST(ch.session_id.data() == body.data() + 35);
}

BOOST_AUTO_TEST_CASE(no_extensions_at_all)
{
    const auto body = build(hello_fields{});
    client_hello ch;
    BOOST_TEST(parse_client_hello(body, ch) == error_code{});
    BOOST_TEST(ch.ext.present.empty());
    BOOST_TEST(!ch.ext.extended_master_secret);
    BOOST_TEST(!ch.ext.server_name.has_value());

    // An empty extensions block is also fine.
    hello_fields f;
    f.extensions = hex("0000");
    BOOST_TEST(parse_client_hello(build(f), ch) == error_code{});
}

BOOST_AUTO_TEST_CASE(unknown_extensions_are_skipped)
{
    hello_fields f;
    f.extensions = with_block16(cat({hex("fafa 0000"), hex("1234 0005 0102030405"), hex("0017 0000")}));
    client_hello ch;
    BOOST_TEST(parse_client_hello(build(f), ch) == error_code{});
    BOOST_TEST(ch.ext.extended_master_secret);
    BOOST_TEST(ch.ext.present == (std::vector<std::uint16_t>{0xfafa, 0x1234, 0x0017}));
}

BOOST_AUTO_TEST_CASE(duplicate_extension)
{
    // RFC 5246 §7.4.1.4: at most one extension of each type.
    for (const auto& dup : {hex("0017 0000"), server_name_ext(), hex("1234 0000")}) {
        hello_fields f;
        f.extensions = with_block16(cat({client_extensions_body(), dup}));
        client_hello ch;
        BOOST_TEST(parse_client_hello(build(f), ch) == error::duplicate_extension);
    }
}

BOOST_AUTO_TEST_CASE(every_truncation_fails)
{
    const auto full = build(typical_client_hello());
    const std::size_t without_extensions = build(hello_fields{}).size();
    for (std::size_t n = 0; n < full.size(); ++n) {
        // An exact-size copy: a read past the prefix trips ASan.
        const byte_vec prefix(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
        client_hello ch;
        const auto ec = parse_client_hello(prefix, ch);
        BOOST_TEST_CONTEXT("prefix of " << n << " of " << full.size() << " bytes")
        {
            // Cutting right after compression_methods is a valid extension-less hello.
            if (n == without_extensions)
                BOOST_TEST(ec == error_code{});
            else
                BOOST_TEST(ec == error::decode_error);
        }
    }
}

BOOST_AUTO_TEST_CASE(trailing_data)
{
    auto body = build(typical_client_hello());
    body.push_back(std::byte{0});
    client_hello ch;
    BOOST_TEST(parse_client_hello(body, ch) == error::trailing_data);
}

BOOST_AUTO_TEST_CASE(odd_length_cipher_suites)
{
    hello_fields f;
    f.suites = hex("0003 c02b c0");
    client_hello ch;
    BOOST_TEST(parse_client_hello(build(f), ch) == error::decode_error);
    // RFC 5246 §7.4.1.2: cipher_suites<2..2^16-2>, so empty is malformed too.
    f.suites = hex("0000");
    BOOST_TEST(parse_client_hello(build(f), ch) == error::decode_error);
}

BOOST_AUTO_TEST_CASE(session_id_longer_than_32)
{
    hello_fields f;
    f.session_id = cat({hex("21"), counting(33)});
    client_hello ch;
    BOOST_TEST(parse_client_hello(build(f), ch) == error::decode_error);
    // 32 is the maximum and is fine.
    f.session_id = cat({hex("20"), counting(32)});
    BOOST_TEST(parse_client_hello(build(f), ch) == error_code{});
    BOOST_TEST(ch.session_id.size() == 32u);
}

BOOST_AUTO_TEST_CASE(empty_compression_list)
{
    // RFC 5246 §7.4.1.2: compression_methods<1..2^8-1>.
    hello_fields f;
    f.compression = hex("00");
    client_hello ch;
    BOOST_TEST(parse_client_hello(build(f), ch) == error::decode_error);
}

BOOST_AUTO_TEST_CASE(malformed_known_extensions)
{
    const std::pair<const char*, byte_vec> cases[] = {
        {"odd supported_groups", hex("000a 0005 0003 001d 00")},
        {"empty supported_groups", hex("000a 0002 0000")},
        {"supported_groups list longer than extension", hex("000a 0004 0004 001d")},
        {"empty ec_point_formats", hex("000b 0001 00")},
        {"odd signature_algorithms", hex("000d 0005 0003 0403 04")},
        {"server_name with empty host", hex("0000 0005 0003 00 0000")},
        {"server_name list overruns", hex("0000 0007 0009 00 0002 6162")},
        {"extension length overruns block", hex("0017 0004 00")},
        {"renegotiation_info length overruns", hex("ff01 0001 05")},
    };
    for (const auto& [name, ext] : cases) {
        hello_fields f;
        f.extensions = with_block16(ext);
        client_hello ch;
        BOOST_TEST(parse_client_hello(build(f), ch) == error::decode_error, name);
    }
    // Bytes inside an extension after its defined content.
    {
        hello_fields f;
        f.extensions = with_block16(hex("0017 0001 00"));   // extended_master_secret must be empty
        client_hello ch;
        BOOST_TEST(parse_client_hello(build(f), ch) == error::trailing_data);
    }
    {
        hello_fields f;
        f.extensions = with_block16(hex("000a 0005 0002 001d ff"));
        client_hello ch;
        BOOST_TEST(parse_client_hello(build(f), ch) == error::trailing_data);
    }
    // RFC 6066 §3: at most one host_name.
    {
        hello_fields f;
        f.extensions = with_block16(hex("0000 000a 0008 00 0001 61 00 0001 62"));
        client_hello ch;
        BOOST_TEST(parse_client_hello(build(f), ch) == error::illegal_parameter);
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(server_hello_tests)

BOOST_AUTO_TEST_CASE(hello_retry_request_random_is_the_rfc_value)
{
    // RFC 8446 §4.1.3: SHA-256("HelloRetryRequest"), as printed in the RFC.
    // The engine tests take the value from src/wire; this checks it.
    BOOST_TEST(to_vec(hello_retry_request_random) ==
               hex("CF21AD74E59A6111BE1D8C021E65B891C2A211167ABB8C5E079E09E2C8A8339C"));
}

BOOST_AUTO_TEST_CASE(valid_server_hello_parses)
{
    const auto body = cat({server_hello_fixed(), server_hello_extensions()});
    server_hello sh;
    BOOST_TEST(parse_server_hello(body, sh) == error_code{});
    BOOST_TEST(sh.legacy_version == 0x0303u);
    BOOST_TEST(to_vec(sh.random) == counting(32, 0x40));
    BOOST_TEST(to_vec(sh.session_id) == counting(32, 0x80));
    BOOST_TEST(sh.cipher_suite == 0xc02fu);
    BOOST_TEST(sh.compression_method == 0u);
    BOOST_TEST(sh.ext.extended_master_secret);
    BOOST_TEST(!sh.ext.server_name.has_value());
    BOOST_TEST(sh.ext.has(extension_type::server_name));
    BOOST_TEST_REQUIRE(sh.ext.renegotiation_info.has_value());
    BOOST_TEST(sh.ext.renegotiation_info->empty());
    BOOST_TEST_REQUIRE(sh.ext.ec_point_formats.has_value());
    BOOST_TEST(to_vec(*sh.ext.ec_point_formats) == hex("00"));
    BOOST_TEST(sh.ext.present == (std::vector<std::uint16_t>{0x0000, 0x0017, 0xff01, 0x000b}));
}

BOOST_AUTO_TEST_CASE(supported_versions_in_server_hello_is_one_value)
{
    const auto body = cat({server_hello_fixed(), with_block16(hex("002b 0002 0304"))});
    server_hello sh;
    BOOST_TEST(parse_server_hello(body, sh) == error_code{});
    BOOST_TEST_REQUIRE(sh.ext.supported_versions.has_value());
    BOOST_TEST(*sh.ext.supported_versions == (std::vector<std::uint16_t>{0x0304}));
}

BOOST_AUTO_TEST_CASE(server_name_ack_must_be_empty)
{
    // RFC 6066 §3: the server's server_name extension has empty data.
    const auto body = cat({server_hello_fixed(), with_block16(server_name_ext())});
    server_hello sh;
    BOOST_TEST(parse_server_hello(body, sh) == error::decode_error);
}

BOOST_AUTO_TEST_CASE(every_truncation_fails)
{
    const auto full = cat({server_hello_fixed(), server_hello_extensions()});
    const std::size_t without_extensions = server_hello_fixed().size();
    for (std::size_t n = 0; n < full.size(); ++n) {
        const byte_vec prefix(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
        server_hello sh;
        const auto ec = parse_server_hello(prefix, sh);
        BOOST_TEST_CONTEXT("prefix of " << n << " of " << full.size() << " bytes")
        {
            if (n == without_extensions)
                BOOST_TEST(ec == error_code{});
            else
                BOOST_TEST(ec == error::decode_error);
        }
    }
}

BOOST_AUTO_TEST_CASE(malformed_server_hello)
{
    server_hello sh;
    auto trailing = cat({server_hello_fixed(), server_hello_extensions(), hex("00")});
    BOOST_TEST(parse_server_hello(trailing, sh) == error::trailing_data);

    auto duplicate = cat({server_hello_fixed(), with_block16(hex("0017 0000 0017 0000"))});
    BOOST_TEST(parse_server_hello(duplicate, sh) == error::duplicate_extension);

    auto long_session = cat({hex("0303"), counting(32), hex("21"), counting(33), hex("c02f 00")});
    BOOST_TEST(parse_server_hello(long_session, sh) == error::decode_error);
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

// Runs `parse` on every strict prefix of `full` and expects decode_error.
template <class Parse>
void expect_every_truncation_fails(const byte_vec& full, Parse parse)
{
    for (std::size_t n = 0; n < full.size(); ++n) {
        const byte_vec prefix(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
        BOOST_TEST(parse(prefix) == error::decode_error, "prefix of " << n << " of " << full.size());
    }
}

} // namespace

BOOST_AUTO_TEST_SUITE(certificate12_tests)

BOOST_AUTO_TEST_CASE(valid_chain)
{
    const auto body = hex("00000a 000003 aabbcc 000001 dd");
    std::vector<bytes_view> chain;
    BOOST_TEST(parse_certificate12(body, chain) == error_code{});
    BOOST_TEST_REQUIRE(chain.size() == 2u);
    BOOST_TEST(to_vec(chain[0]) == hex("aabbcc"));
    BOOST_TEST(to_vec(chain[1]) == hex("dd"));
}

BOOST_AUTO_TEST_CASE(empty_chain)
{
    // RFC 5246 §7.4.6: a client without a suitable certificate sends an empty list.
    std::vector<bytes_view> chain{bytes_view{}};   // cleared by the parser
    BOOST_TEST(parse_certificate12(hex("000000"), chain) == error_code{});
    BOOST_TEST(chain.empty());
}

BOOST_AUTO_TEST_CASE(malformed)
{
    std::vector<bytes_view> chain;
    BOOST_TEST(parse_certificate12(hex("000004 000000 00"), chain) == error::decode_error);   // empty cert
    BOOST_TEST(parse_certificate12(hex("000004 000005 aa"), chain) == error::decode_error);    // cert overruns list
    BOOST_TEST(parse_certificate12(hex("000005 000001 aa bb"), chain) == error::decode_error); // dangling bytes in list
    BOOST_TEST(parse_certificate12(hex("000009 000003 aabbcc"), chain) == error::decode_error); // list overruns body
    BOOST_TEST(parse_certificate12(hex("000004 000001 aa 00"), chain) == error::trailing_data);
    expect_every_truncation_fails(hex("00000a 000003 aabbcc 000001 dd"),
                                  [&](bytes_view b) { return parse_certificate12(b, chain); });
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(server_key_exchange_tests)

byte_vec valid_ske()
{
    return cat({hex("03 001d 20"), counting(32, 0x10), hex("0403 0004 deadbeef")});
}

BOOST_AUTO_TEST_CASE(valid_ecdhe_params)
{
    const auto body = valid_ske();
    server_key_exchange ske;
    BOOST_TEST(parse_server_key_exchange(body, ske) == error_code{});
    BOOST_TEST(ske.group == named_group::x25519);
    BOOST_TEST(to_vec(ske.public_key) == counting(32, 0x10));
    BOOST_TEST(ske.scheme == signature_scheme::ecdsa_secp256r1_sha256);
    BOOST_TEST(to_vec(ske.signature) == hex("deadbeef"));
    // RFC 8422 §5.4: the signature covers ServerECDHParams, curve_type through the point.
    BOOST_TEST(ske.params.data() == body.data());
    BOOST_TEST(to_vec(ske.params) == cat({hex("03 001d 20"), counting(32, 0x10)}));
}

BOOST_AUTO_TEST_CASE(curve_type_not_named_curve)
{
    server_key_exchange ske;
    for (const char* curve_type : {"01", "02", "00", "ff"}) {
        auto body = valid_ske();
        body[0] = hex(curve_type)[0];
        BOOST_TEST(parse_server_key_exchange(body, ske) == error::illegal_parameter, curve_type);
    }
}

BOOST_AUTO_TEST_CASE(malformed)
{
    server_key_exchange ske;
    BOOST_TEST(parse_server_key_exchange(hex("03 001d 00 0403 0002 abcd"), ske) == error::decode_error); // empty point
    BOOST_TEST(parse_server_key_exchange(cat({hex("03 001d 20"), counting(32), hex("0403 0000")}), ske) ==
               error::decode_error);                                                                  // empty signature
    BOOST_TEST(parse_server_key_exchange(cat({hex("03 001d 20"), counting(32), hex("0403 0005 aabb")}), ske) ==
               error::decode_error);                                                                  // signature overruns
    BOOST_TEST(parse_server_key_exchange(cat({valid_ske(), hex("00")}), ske) == error::trailing_data);
    expect_every_truncation_fails(valid_ske(),
                                  [&](bytes_view b) { return parse_server_key_exchange(b, ske); });
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(certificate_request12_tests)

byte_vec valid_request()
{
    // certificate_types, supported_signature_algorithms, certificate_authorities.
    return hex("02 01 40  0004 0403 0401  0008 0002 aabb 0002 ccdd");
}

BOOST_AUTO_TEST_CASE(valid_request_parses)
{
    // Parsed views point into the body, so it must outlive them.
    const auto body = valid_request();
    certificate_request12 cr;
    BOOST_TEST(parse_certificate_request12(body, cr) == error_code{});
    BOOST_TEST(to_vec(cr.certificate_types) == hex("0140"));
    BOOST_TEST(cr.schemes == (std::vector<signature_scheme>{signature_scheme::ecdsa_secp256r1_sha256,
                                                            signature_scheme::rsa_pkcs1_sha256}));
    BOOST_TEST_REQUIRE(cr.authorities.size() == 2u);
    BOOST_TEST(to_vec(cr.authorities[0]) == hex("aabb"));
    BOOST_TEST(to_vec(cr.authorities[1]) == hex("ccdd"));

    // No authorities named is allowed.
    const auto no_authorities = hex("01 40 0002 0403 0000");
    BOOST_TEST(parse_certificate_request12(no_authorities, cr) == error_code{});
    BOOST_TEST(cr.authorities.empty());
}

BOOST_AUTO_TEST_CASE(malformed)
{
    certificate_request12 cr;
    BOOST_TEST(parse_certificate_request12(hex("00 0002 0403 0000"), cr) == error::decode_error);    // no types
    BOOST_TEST(parse_certificate_request12(hex("01 40 0000 0000"), cr) == error::decode_error);      // no schemes
    BOOST_TEST(parse_certificate_request12(hex("01 40 0003 0403 04 0000"), cr) == error::decode_error); // odd schemes
    BOOST_TEST(parse_certificate_request12(hex("01 40 0002 0403 0002 0000"), cr) == error::decode_error); // empty DN
    BOOST_TEST(parse_certificate_request12(hex("01 40 0002 0403 0003 0005 aa"), cr) == error::decode_error); // DN overruns
    BOOST_TEST(parse_certificate_request12(cat({valid_request(), hex("00")}), cr) == error::trailing_data);
    expect_every_truncation_fails(valid_request(),
                                  [&](bytes_view b) { return parse_certificate_request12(b, cr); });
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(client_key_exchange_tests)

BOOST_AUTO_TEST_CASE(valid_point)
{
    const auto body = cat({hex("41 04"), counting(64, 1)});
    bytes_view key;
    BOOST_TEST(parse_client_key_exchange(body, key) == error_code{});
    BOOST_TEST(to_vec(key) == cat({hex("04"), counting(64, 1)}));
}

BOOST_AUTO_TEST_CASE(malformed)
{
    bytes_view key;
    BOOST_TEST(parse_client_key_exchange(hex("00"), key) == error::decode_error);        // empty point
    BOOST_TEST(parse_client_key_exchange(hex("05 aabbcc"), key) == error::decode_error); // overruns
    BOOST_TEST(parse_client_key_exchange(hex("01 aa bb"), key) == error::trailing_data);
    expect_every_truncation_fails(hex("03 aabbcc"), [&](bytes_view b) { return parse_client_key_exchange(b, key); });
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(certificate_verify_tests)

BOOST_AUTO_TEST_CASE(valid_signature)
{
    const auto body = hex("0804 0003 aabbcc");
    signed_data sd;
    BOOST_TEST(parse_certificate_verify(body, sd) == error_code{});
    BOOST_TEST(sd.scheme == signature_scheme::rsa_pss_rsae_sha256);
    BOOST_TEST(to_vec(sd.signature) == hex("aabbcc"));
}

BOOST_AUTO_TEST_CASE(malformed)
{
    signed_data sd;
    // An empty signature parses; it then fails to verify (decrypt_error).
    BOOST_TEST(!parse_certificate_verify(hex("0804 0000"), sd));
    BOOST_TEST(sd.signature.empty());
    BOOST_TEST(parse_certificate_verify(hex("0804 0004 aabbcc"), sd) == error::decode_error); // overruns
    BOOST_TEST(parse_certificate_verify(hex("0804 0001 aa bb"), sd) == error::trailing_data);
    expect_every_truncation_fails(hex("0804 0003 aabbcc"), [&](bytes_view b) { return parse_certificate_verify(b, sd); });
}

BOOST_AUTO_TEST_SUITE_END()
