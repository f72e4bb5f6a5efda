// Encoders in src/wire against their parsers: every message and extension
// mtls sends encodes, parses back field by field, and re-encodes to the same
// bytes; real traces (RFC 8448) parse and re-encode unchanged; and the bytes
// equal what the handshake modules wrote by hand before they used the
// encoders, spelled out here so that switching them changes nothing on the wire.

#define BOOST_TEST_MODULE wire_roundtrip
#include "support/rfc8448_trace.hpp"
#include "support/hex.hpp"
#include <boost/test/unit_test.hpp>

#include "wire/messages.hpp"

#include <optional>
#include <string>
#include <vector>

BOOST_TEST_DONT_PRINT_LOG_VALUE(std::byte)
BOOST_TEST_DONT_PRINT_LOG_VALUE(std::vector<std::byte>)
BOOST_TEST_DONT_PRINT_LOG_VALUE(std::optional<std::vector<std::byte>>)
BOOST_TEST_DONT_PRINT_LOG_VALUE(std::vector<std::vector<std::byte>>)
BOOST_TEST_DONT_PRINT_LOG_VALUE(std::vector<std::uint16_t>)
BOOST_TEST_DONT_PRINT_LOG_VALUE(mtls::named_group)
BOOST_TEST_DONT_PRINT_LOG_VALUE(mtls::signature_scheme)
BOOST_TEST_DONT_PRINT_LOG_VALUE(std::vector<mtls::named_group>)
BOOST_TEST_DONT_PRINT_LOG_VALUE(std::vector<mtls::signature_scheme>)
BOOST_TEST_DONT_PRINT_LOG_VALUE(std::optional<std::vector<mtls::named_group>>)
BOOST_TEST_DONT_PRINT_LOG_VALUE(std::optional<std::vector<mtls::signature_scheme>>)
BOOST_TEST_DONT_PRINT_LOG_VALUE(std::optional<std::vector<std::uint16_t>>)
BOOST_TEST_DONT_PRINT_LOG_VALUE(std::optional<std::string_view>)
BOOST_TEST_DONT_PRINT_LOG_VALUE(std::optional<mtls::named_group>)
BOOST_TEST_DONT_PRINT_LOG_VALUE(std::optional<mtls::wire::key_share_entry>)
BOOST_TEST_DONT_PRINT_LOG_VALUE(std::optional<std::vector<mtls::wire::key_share_entry>>)
BOOST_TEST_DONT_PRINT_LOG_VALUE(mtls::wire::random_bytes)
BOOST_TEST_DONT_PRINT_LOG_VALUE(mtls::wire::key_update_request)
BOOST_TEST_DONT_PRINT_LOG_VALUE(std::optional<std::vector<std::uint8_t>>)
BOOST_TEST_DONT_PRINT_LOG_VALUE(std::optional<std::uint16_t>)
BOOST_TEST_DONT_PRINT_LOG_VALUE(std::optional<std::uint32_t>)

using namespace mtls;
using namespace mtls::wire;

namespace {

/// What `encode(w)` writes into a fresh buffer.
template <class Encode>
byte_vec encoded(Encode&& encode)
{
    byte_vec out;
    writer w(out);
    encode(w);
    return out;
}

/// A body encoded by an encoder that reports errors; the test fails on one.
template <class Encode>
byte_vec encoded_ok(Encode&& encode)
{
    error_code ec;
    auto out = encoded([&](writer& w) { ec = encode(w); });
    BOOST_TEST(!ec);
    return out;
}

/// The body of a handshake message (header stripped).
bytes_view body_of(const byte_vec& message)
{
    return bytes_view(message).subspan(handshake_header_size);
}

std::optional<byte_vec> owned(const std::optional<bytes_view>& v)
{
    if (!v)
        return std::nullopt;
    return to_vec(*v);
}

std::vector<byte_vec> owned(const std::vector<bytes_view>& v)
{
    std::vector<byte_vec> out;
    for (auto b : v)
        out.push_back(to_vec(b));
    return out;
}

/// Every field of two extension sets, one check each.
void check_same(const hello_extensions& a, const hello_extensions& b)
{
    BOOST_TEST(a.present == b.present);
    BOOST_TEST(a.server_name == b.server_name);
    BOOST_TEST(a.groups == b.groups);
    BOOST_TEST(owned(a.ec_point_formats) == owned(b.ec_point_formats));
    BOOST_TEST(a.signature_schemes == b.signature_schemes);
    BOOST_TEST(a.extended_master_secret == b.extended_master_secret);
    BOOST_TEST(owned(a.renegotiation_info) == owned(b.renegotiation_info));
    BOOST_TEST(a.supported_versions == b.supported_versions);
    BOOST_TEST(a.key_shares == b.key_shares);
    BOOST_TEST(a.key_share == b.key_share);
    BOOST_TEST(a.selected_group == b.selected_group);
    BOOST_TEST(owned(a.cookie) == owned(b.cookie));
    BOOST_TEST(a.authorities.has_value() == b.authorities.has_value());
    if (a.authorities && b.authorities)
        BOOST_TEST(owned(*a.authorities) == owned(*b.authorities));
    BOOST_TEST(a.signature_schemes_cert == b.signature_schemes_cert);
    BOOST_TEST(owned(a.session_ticket) == owned(b.session_ticket));
    BOOST_TEST(a.psk_modes == b.psk_modes);
    BOOST_TEST(a.selected_psk == b.selected_psk);
    BOOST_TEST_REQUIRE(a.psks.has_value() == b.psks.has_value());
    if (a.psks) {
        BOOST_TEST_REQUIRE(a.psks->identities.size() == b.psks->identities.size());
        for (std::size_t i = 0; i < a.psks->identities.size(); ++i) {
            BOOST_TEST(to_vec(a.psks->identities[i].identity) == to_vec(b.psks->identities[i].identity));
            BOOST_TEST(a.psks->identities[i].obfuscated_ticket_age == b.psks->identities[i].obfuscated_ticket_age);
        }
        BOOST_TEST(owned(a.psks->binders) == owned(b.psks->binders));
    }
    BOOST_TEST_REQUIRE(a.other.size() == b.other.size());
    for (std::size_t i = 0; i < a.other.size(); ++i) {
        BOOST_TEST(a.other[i].type == b.other[i].type);
        BOOST_TEST(to_vec(a.other[i].body) == to_vec(b.other[i].body));
    }
}

/// The fields ClientHello and ServerHello share.
template <class Hello>
void check_same_hello(const Hello& a, const Hello& b)
{
    BOOST_TEST(a.legacy_version == b.legacy_version);
    BOOST_TEST(a.random == b.random);
    BOOST_TEST(to_vec(a.session_id) == to_vec(b.session_id));
    check_same(a.ext, b.ext);
}

void check_same(const client_hello& a, const client_hello& b)
{
    check_same_hello(a, b);
    BOOST_TEST(a.cipher_suites == b.cipher_suites);
    BOOST_TEST(to_vec(a.compression_methods) == to_vec(b.compression_methods));
}

void check_same(const server_hello& a, const server_hello& b)
{
    check_same_hello(a, b);
    BOOST_TEST(a.cipher_suite == b.cipher_suite);
    BOOST_TEST(a.compression_method == b.compression_method);
    BOOST_TEST(a.hello_retry == b.hello_retry);
}

void check_same(const certificate_request13& a, const certificate_request13& b)
{
    BOOST_TEST(to_vec(a.request_context) == to_vec(b.request_context));
    check_same(a.ext, b.ext);
}

/// `body`, which `sent` encoded to, parses back to `sent` field by field and
/// encodes again to the same bytes.
template <class Message, class Parse, class Encode>
void check_parses_back(const byte_vec& body, const Message& sent, Parse&& parse, Encode&& encode)
{
    Message back;
    BOOST_TEST_REQUIRE(!parse(body, back));
    check_same(back, sent);
    BOOST_TEST(encoded_ok([&](writer& w) { return encode(w, back); }) == body);
}

random_bytes random_of(const byte_vec& v)
{
    random_bytes r{};
    std::copy(v.begin(), v.end(), r.begin());
    return r;
}

const byte_vec random_a = hex(std::string(64, '1'));
const byte_vec session_a = hex(std::string(64, '2'));
const byte_vec key_a = hex(std::string(64, '3'));
const byte_vec cookie_a = hex(std::string(64, '4'));
const byte_vec dn_a = hex("3002aabb");
const byte_vec dn_b = hex("3001cc");

} // namespace

BOOST_AUTO_TEST_SUITE(writer_blocks)

BOOST_AUTO_TEST_CASE(prefixed_patches_nested_lengths)
{
    byte_vec out = hex("ee");
    writer w(out);
    w.prefixed(3, [&] {
        w.u8(0x01);
        w.prefixed(2, [&] {
            w.prefixed(1, [&] { w.bytes(hex("aabbcc")); });
            w.u16(0x0102);
        });
        w.prefixed(2, [] {});
    });
    BOOST_TEST(out == hex("ee 00000b 01 0006 03aabbcc 0102 0000"));
    BOOST_TEST(!w.overflowed());
}

BOOST_AUTO_TEST_CASE(a_body_longer_than_its_prefix_is_flagged)
{
    byte_vec fits;
    writer f(fits);
    f.vec8(byte_vec(255));
    BOOST_TEST(!f.overflowed());

    byte_vec out;
    writer w(out);
    w.vec8(byte_vec(256)); // one byte more than a 1-byte length states
    BOOST_TEST(w.overflowed());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(rfc8448_traces)

// Each trace message parses and encodes back to the same bytes, header included.
BOOST_AUTO_TEST_CASE(client_hello_reencodes_unchanged)
{
    client_hello ch;
    BOOST_TEST_REQUIRE(!parse_client_hello(body_of(rfc8448::client_hello), ch));
    // record_size_limit is kept raw; session_ticket (empty: asking for one)
    // and psk_key_exchange_modes (psk_dhe_ke) are decoded.
    BOOST_TEST_REQUIRE(ch.ext.other.size() == 1u);
    BOOST_TEST(ch.ext.other.front().type == 0x001c);
    BOOST_TEST_REQUIRE(ch.ext.session_ticket.has_value());
    BOOST_TEST(ch.ext.session_ticket->empty());
    BOOST_TEST(ch.ext.psk_modes == std::optional{std::vector<std::uint8_t>{psk_dhe_ke}});
    byte_vec out;
    error_code ec;
    encode_handshake(out, handshake_type::client_hello, [&](writer& w) { ec = encode_client_hello(w, ch); });
    BOOST_TEST(!ec);
    BOOST_TEST(out == rfc8448::client_hello);
}

BOOST_AUTO_TEST_CASE(server_hello_reencodes_unchanged)
{
    server_hello sh;
    BOOST_TEST_REQUIRE(!parse_server_hello(body_of(rfc8448::server_hello), sh));
    BOOST_TEST(encoded_ok([&](writer& w) { return encode_server_hello(w, sh); }) ==
               to_vec(body_of(rfc8448::server_hello)));
}

BOOST_AUTO_TEST_CASE(server_hello_built_as_the_server_does_matches_the_trace)
{
    // RFC 8448's order, which tls13_server keeps: key_share, then supported_versions.
    server_hello sh;
    sh.legacy_version = version_tls12;
    sh.random = random_of(rfc8448::server_random);
    sh.cipher_suite = 0x1301;
    sh.ext.add_key_share({named_group::x25519, rfc8448::server_public}).add_supported_versions({version_tls13});
    BOOST_TEST(encoded_ok([&](writer& w) { return encode_server_hello(w, sh); }) ==
               to_vec(body_of(rfc8448::server_hello)));
}

BOOST_AUTO_TEST_CASE(hello_retry_request_reencodes_unchanged)
{
    // RFC 8448 §5: key_share (secp256r1), cookie, supported_versions.
    const auto hrr = hex("020000ac0303cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e"
                         "09e2c8a8339c001301000084003300020017002c0074007271dcd04bb88bc318"
                         "9119398a00000000eefafc76c146b823b096f8aacad365dd0030953f4edf6256"
                         "36e5f21bb2e23fcc654b1b5b40318d10d137abcbb87574e36e8a1f025f7dfa5d"
                         "6e50781b5eda4aa15b0c8be778257d16aa3030e9e7841dd9e4c0342267e8ca0c"
                         "af571fb2b7cff0f934b0002b00020304");
    server_hello sh;
    BOOST_TEST_REQUIRE(!parse_server_hello(body_of(hrr), sh));
    BOOST_TEST(sh.hello_retry);
    BOOST_TEST(sh.ext.selected_group == std::optional{named_group::secp256r1});
    BOOST_TEST(encoded_ok([&](writer& w) { return encode_server_hello(w, sh); }) == to_vec(body_of(hrr)));
}

BOOST_AUTO_TEST_CASE(encrypted_extensions_reencode_unchanged)
{
    // supported_groups, record_size_limit (raw) and the empty server_name acknowledgement.
    hello_extensions ee;
    BOOST_TEST_REQUIRE(!parse_encrypted_extensions(body_of(rfc8448::encrypted_extensions), ee));
    BOOST_TEST(ee.has(extension_type::server_name));
    BOOST_TEST(encoded_ok([&](writer& w) { return encode_encrypted_extensions(w, ee); }) ==
               to_vec(body_of(rfc8448::encrypted_extensions)));
}

BOOST_AUTO_TEST_CASE(certificate_certificate_verify_and_finished_reencode_unchanged)
{
    certificate13 cert;
    BOOST_TEST_REQUIRE(!parse_certificate13(body_of(rfc8448::certificate), cert));
    BOOST_TEST(encoded([&](writer& w) { encode_certificate13(w, cert); }) == to_vec(body_of(rfc8448::certificate)));

    signed_data cv;
    BOOST_TEST_REQUIRE(!parse_certificate_verify(body_of(rfc8448::certificate_verify), cv));
    BOOST_TEST(encoded([&](writer& w) { encode_certificate_verify(w, cv); }) ==
               to_vec(body_of(rfc8448::certificate_verify)));

    byte_vec fin;
    encode_handshake(fin, handshake_type::finished,
                     [&](writer& w) { encode_finished(w, rfc8448::server_finished_verify_data); });
    BOOST_TEST(fin == rfc8448::server_finished);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(as_the_handshake_sends_them)

// tls13_client::send_client_hello offering 1.3 and 1.2, second hello (with cookie).
BOOST_AUTO_TEST_CASE(client_hello_offering_both_versions)
{
    client_hello ch;
    ch.legacy_version = version_tls12;
    ch.random = random_of(random_a);
    ch.session_id = session_a;
    ch.cipher_suites = {0x1301, 0x1302, 0xc02b};
    ch.compression_methods = compression_null;
    ch.ext.add_server_name("example.com")
        .add_groups({named_group::x25519, named_group::secp256r1})
        .add_signature_schemes({signature_scheme::ecdsa_secp256r1_sha256, signature_scheme::rsa_pss_rsae_sha256})
        .add_ec_point_formats(point_formats_uncompressed)
        .add_empty(extension_type::extended_master_secret)
        .add_renegotiation_info({})
        .add_supported_versions({version_tls13, version_tls12})
        .add_cookie(cookie_a)
        .add_key_shares({{named_group::x25519, key_a}});
    const auto expected =
        cat({hex("0303"), random_a, hex("20"), session_a, hex("0006 1301 1302 c02b 01 00"), hex("0090"),
             hex("0000 0010 000e 00 000b"), to_vec(std::as_bytes(std::span{"example.com", 11})),
             hex("000a 0006 0004 001d 0017"), hex("000d 0006 0004 0403 0804"), hex("000b 0002 01 00"), hex("0017 0000"),
             hex("ff01 0001 00"), hex("002b 0005 04 0304 0303"), hex("002c 0022 0020"), cookie_a,
             hex("0033 0026 0024 001d 0020"), key_a});
    const auto body = encoded_ok([&](writer& w) { return encode_client_hello(w, ch); });
    BOOST_TEST(body == expected);

    check_parses_back(body, ch, parse_client_hello, encode_client_hello);
}

// tls13_server::send_hello_retry_request: supported_versions, key_share, cookie.
BOOST_AUTO_TEST_CASE(hello_retry_request)
{
    server_hello hrr;
    hrr.legacy_version = version_tls12;
    hrr.hello_retry = true;
    hrr.session_id = session_a;
    hrr.cipher_suite = 0x1301;
    hrr.ext.add_supported_versions({version_tls13}).add_selected_group(named_group::secp256r1).add_cookie(cookie_a);
    std::vector<std::byte> hrr_random(hello_retry_request_random.begin(), hello_retry_request_random.end());
    const auto expected = cat({hex("0303"), hrr_random, hex("20"), session_a, hex("1301 00"), hex("0032"),
                               hex("002b 0002 0304"), hex("0033 0002 0017"), hex("002c 0022 0020"), cookie_a});
    const auto body = encoded_ok([&](writer& w) { return encode_server_hello(w, hrr); });
    BOOST_TEST(body == expected);

    hrr.random = hello_retry_request_random; // what the encoder wrote in its place
    check_parses_back(body, hrr, parse_server_hello, encode_server_hello);
}

// tls12_server::send_server_hello_flight: renegotiation_info, EMS, ec_point_formats.
BOOST_AUTO_TEST_CASE(tls12_server_hello)
{
    server_hello sh;
    sh.legacy_version = version_tls12;
    sh.random = random_of(random_a);
    sh.cipher_suite = 0xc02b;
    sh.ext.add_renegotiation_info({})
        .add_empty(extension_type::extended_master_secret)
        .add_ec_point_formats(point_formats_uncompressed);
    const auto expected = cat(
        {hex("0303"), random_a, hex("00 c02b 00 000f"), hex("ff01 0001 00"), hex("0017 0000"), hex("000b 0002 01 00")});
    const auto body = encoded_ok([&](writer& w) { return encode_server_hello(w, sh); });
    BOOST_TEST(body == expected);

    check_parses_back(body, sh, parse_server_hello, encode_server_hello);

    // No extension to send still writes the (empty) block, as tls12_server does.
    server_hello bare = sh;
    bare.ext = {};
    BOOST_TEST(encoded_ok([&](writer& w) { return encode_server_hello(w, bare); }) ==
               cat({hex("0303"), random_a, hex("00 c02b 00 0000")}));
}

BOOST_AUTO_TEST_CASE(encrypted_extensions_acknowledging_sni)
{
    hello_extensions ack;
    ack.add_empty(extension_type::server_name); // RFC 6066 §3: empty in a server's reply
    const auto body = encoded_ok([&](writer& w) { return encode_encrypted_extensions(w, ack); });
    BOOST_TEST(body == hex("0004 0000 0000"));
    check_parses_back(body, ack, parse_encrypted_extensions, encode_encrypted_extensions);

    const hello_extensions none;
    BOOST_TEST(encoded_ok([&](writer& w) { return encode_encrypted_extensions(w, none); }) == hex("0000"));
}

// tls13_server: signature_algorithms, then certificate_authorities when any name fits.
BOOST_AUTO_TEST_CASE(certificate_request13_with_authorities)
{
    certificate_request13 cr;
    cr.ext.add_signature_schemes({signature_scheme::ecdsa_secp256r1_sha256, signature_scheme::rsa_pss_rsae_sha256})
        .add_authorities({dn_a, dn_b});
    const auto expected = hex("00 001b 000d 0006 0004 0403 0804 002f 000d 000b 0004 3002aabb 0003 3001cc");
    const auto body = encoded_ok([&](writer& w) { return encode_certificate_request13(w, cr); });
    BOOST_TEST(body == expected);

    check_parses_back(body, cr, parse_certificate_request13, encode_certificate_request13);
}

BOOST_AUTO_TEST_CASE(authorities_are_cut_to_the_budget)
{
    const std::vector<bytes_view> names{dn_a, dn_b, dn_a};
    // dn_a costs 2 + 4 bytes in the list, dn_b 2 + 3: the first two need 11.
    BOOST_TEST(names_within(names, 11).size() == 2u);
    BOOST_TEST(names_within(names, 10).size() == 1u);
    BOOST_TEST(names_within(names, 5).empty());
    BOOST_TEST(names_within(names, 16).size() == 2u);
    BOOST_TEST(names_within(names, 17).size() == 3u);
    // The cut list is what gets written: 11 bytes after the list's length.
    const auto cut = names_within(names, 11);
    certificate_request12 cr{{}, {}, {cut.begin(), cut.end()}};
    BOOST_TEST(encoded([&](writer& w) { encode_certificate_request12(w, cr); }).size() == 1u + 2u + 2u + 11u);
}

BOOST_AUTO_TEST_CASE(certificate13_lists)
{
    certificate13 empty;
    BOOST_TEST(encoded([&](writer& w) { encode_certificate13(w, empty); }) == hex("00 000000"));
    certificate13 parsed_empty;
    BOOST_TEST_REQUIRE(!parse_certificate13(hex("00 000000"), parsed_empty));
    BOOST_TEST(parsed_empty.chain.empty());

    certificate13 two;
    two.chain = {dn_a, dn_b};
    const auto body = encoded([&](writer& w) { encode_certificate13(w, two); });
    BOOST_TEST(body == hex("00 000011 000004 3002aabb 0000 000003 3001cc 0000"));
    certificate13 back;
    BOOST_TEST_REQUIRE(!parse_certificate13(body, back));
    BOOST_TEST(owned(back.chain) == owned(two.chain));
    BOOST_TEST(!back.entry_extensions);
}

BOOST_AUTO_TEST_CASE(certificate12_lists)
{
    BOOST_TEST(encoded([&](writer& w) { encode_certificate12(w, {}); }) == hex("000000"));
    const std::vector<bytes_view> chain{dn_a, dn_b};
    const auto body = encoded([&](writer& w) { encode_certificate12(w, chain); });
    BOOST_TEST(body == hex("00000d 000004 3002aabb 000003 3001cc"));
    std::vector<bytes_view> back;
    BOOST_TEST_REQUIRE(!parse_certificate12(body, back));
    BOOST_TEST(owned(back) == owned(chain));
    std::vector<bytes_view> none{dn_a};
    BOOST_TEST_REQUIRE(!parse_certificate12(hex("000000"), none));
    BOOST_TEST(none.empty());
}

BOOST_AUTO_TEST_CASE(server_key_exchange_and_its_signed_params)
{
    const auto sig = hex("5151515151");
    const auto params = encoded([&](writer& w) { encode_ecdhe_params(w, named_group::x25519, key_a); });
    BOOST_TEST(params == cat({hex("03 001d 20"), key_a}));

    server_key_exchange ske{named_group::x25519, key_a, {}, signature_scheme::rsa_pss_rsae_sha256, sig};
    const auto body = encoded([&](writer& w) { encode_server_key_exchange(w, ske); });
    BOOST_TEST(body == cat({params, hex("0804 0005"), sig}));

    server_key_exchange back;
    BOOST_TEST_REQUIRE(!parse_server_key_exchange(body, back));
    BOOST_TEST(back.group == ske.group);
    BOOST_TEST(to_vec(back.public_key) == key_a);
    BOOST_TEST(to_vec(back.params) == params); // what the client verifies is what the server signed
    BOOST_TEST(back.scheme == ske.scheme);
    BOOST_TEST(to_vec(back.signature) == sig);
    BOOST_TEST(encoded([&](writer& w) { encode_server_key_exchange(w, back); }) == body);
}

BOOST_AUTO_TEST_CASE(certificate_request12_with_and_without_names)
{
    const std::array types{std::byte{cert_type_ecdsa_sign}, std::byte{cert_type_rsa_sign}};
    certificate_request12 cr{
        types, {signature_scheme::ecdsa_secp256r1_sha256, signature_scheme::rsa_pss_rsae_sha256}, {dn_a, dn_b}};
    const auto body = encoded([&](writer& w) { encode_certificate_request12(w, cr); });
    BOOST_TEST(body == hex("02 40 01 0004 0403 0804 000b 0004 3002aabb 0003 3001cc"));
    certificate_request12 back;
    BOOST_TEST_REQUIRE(!parse_certificate_request12(body, back));
    BOOST_TEST(to_vec(back.certificate_types) == to_vec(cr.certificate_types));
    BOOST_TEST(back.schemes == cr.schemes);
    BOOST_TEST(owned(back.authorities) == owned(cr.authorities));

    // No trust anchor names: an empty list, still written.
    cr.authorities.clear();
    const auto bare = encoded([&](writer& w) { encode_certificate_request12(w, cr); });
    BOOST_TEST(bare == hex("02 40 01 0004 0403 0804 0000"));
    BOOST_TEST_REQUIRE(!parse_certificate_request12(bare, back));
    BOOST_TEST(back.authorities.empty());
}

BOOST_AUTO_TEST_CASE(client_hello_offering_a_psk_last)
{
    // As a resuming client sends it: pre_shared_key after everything else.
    const byte_vec binder(32, std::byte{0x5c});
    client_hello ch;
    ch.legacy_version = version_tls12;
    ch.random = random_of(random_a);
    ch.cipher_suites = {0x1301};
    ch.compression_methods = compression_null;
    ch.ext.add_session_ticket({})
        .add_supported_versions({version_tls13})
        .add_psk_modes({psk_dhe_ke})
        .add_psks({{{dn_b, 7}}, {binder}});
    const auto expected =
        cat({hex("0303"), random_a, hex("00 0002 1301 01 00 0043"), hex("0023 0000"), hex("002b 0003 02 0304"),
             hex("002d 0002 01 01"), hex("0029 002e 0009 0003 3001cc 00000007 0021 20"), binder});
    const auto body = encoded_ok([&](writer& w) { return encode_client_hello(w, ch); });
    BOOST_TEST(body == expected);
    check_parses_back(body, ch, parse_client_hello, encode_client_hello);
}

BOOST_AUTO_TEST_CASE(server_hello_accepting_a_ticket_or_a_psk)
{
    server_hello sh;
    sh.legacy_version = version_tls12;
    sh.random = random_of(random_a);
    sh.cipher_suite = 0x1301;
    sh.ext.add_supported_versions({version_tls13}).add_selected_psk(0);
    auto body = encoded_ok([&](writer& w) { return encode_server_hello(w, sh); });
    BOOST_TEST(body == cat({hex("0303"), random_a, hex("00 1301 00 000c 002b 0002 0304 0029 0002 0000")}));
    check_parses_back(body, sh, parse_server_hello, encode_server_hello);

    // TLS 1.2 (RFC 5077 §3.2): an empty session_ticket promises a NewSessionTicket.
    sh.cipher_suite = 0xc02b;
    sh.ext = {};
    sh.ext.add_empty(extension_type::extended_master_secret).add_session_ticket({});
    body = encoded_ok([&](writer& w) { return encode_server_hello(w, sh); });
    BOOST_TEST(body == cat({hex("0303"), random_a, hex("00 c02b 00 0008 0017 0000 0023 0000")}));
    check_parses_back(body, sh, parse_server_hello, encode_server_hello);
}

BOOST_AUTO_TEST_CASE(new_session_tickets)
{
    // RFC 8446 §4.6.1, with and without early_data.
    for (bool early_data : {false, true}) {
        new_session_ticket13 nst{604800, 0xa1b2c3d4, dn_b, dn_a, {}};
        if (early_data)
            nst.max_early_data = 0x4000;
        const auto body = encoded([&](writer& w) { encode_new_session_ticket13(w, nst); });
        BOOST_TEST(body == cat({hex("00093a80 a1b2c3d4 03 3001cc 0004 3002aabb"),
                                early_data ? hex("0008 002a 0004 00004000") : hex("0000")}));
        new_session_ticket13 back;
        BOOST_TEST_REQUIRE(!parse_new_session_ticket13(body, back));
        BOOST_TEST(back.lifetime == nst.lifetime);
        BOOST_TEST(back.age_add == nst.age_add);
        BOOST_TEST(to_vec(back.nonce) == dn_b);
        BOOST_TEST(to_vec(back.ticket) == dn_a);
        BOOST_TEST(back.max_early_data == nst.max_early_data);
        BOOST_TEST(encoded([&](writer& w) { encode_new_session_ticket13(w, back); }) == body);
    }
    // RFC 5077 §3.3: the ticket may be empty (the server issues none after all).
    for (const auto& ticket : {dn_a, byte_vec{}}) {
        const new_session_ticket12 nst{7200, ticket};
        const auto body = encoded([&](writer& w) { encode_new_session_ticket12(w, nst); });
        BOOST_TEST(body == cat({hex("00001c20"), ticket.empty() ? hex("0000") : hex("0004 3002aabb")}));
        new_session_ticket12 back;
        BOOST_TEST_REQUIRE(!parse_new_session_ticket12(body, back));
        BOOST_TEST(back.lifetime_hint == 7200u);
        BOOST_TEST(to_vec(back.ticket) == ticket);
        BOOST_TEST(encoded([&](writer& w) { encode_new_session_ticket12(w, back); }) == body);
    }
}

BOOST_AUTO_TEST_CASE(short_messages)
{
    byte_vec done;
    encode_handshake(done, handshake_type::server_hello_done, [](writer& w) { encode_server_hello_done(w); });
    BOOST_TEST(done == hex("0e 000000"));

    const auto cke = encoded([&](writer& w) { encode_client_key_exchange(w, key_a); });
    BOOST_TEST(cke == cat({hex("20"), key_a}));
    bytes_view pub;
    BOOST_TEST_REQUIRE(!parse_client_key_exchange(cke, pub));
    BOOST_TEST(to_vec(pub) == key_a);

    const signed_data cv{signature_scheme::ecdsa_secp256r1_sha256, dn_a};
    const auto cv_body = encoded([&](writer& w) { encode_certificate_verify(w, cv); });
    BOOST_TEST(cv_body == hex("0403 0004 3002aabb"));
    signed_data cv_back;
    BOOST_TEST_REQUIRE(!parse_certificate_verify(cv_body, cv_back));
    BOOST_TEST(cv_back.scheme == cv.scheme);
    BOOST_TEST(to_vec(cv_back.signature) == dn_a);

    BOOST_TEST(encoded([&](writer& w) { encode_finished(w, key_a); }) == key_a);

    for (auto request : {key_update_request::update_not_requested, key_update_request::update_requested}) {
        byte_vec ku;
        encode_handshake(ku, handshake_type::key_update, [&](writer& w) { encode_key_update(w, request); });
        BOOST_TEST(ku == cat({hex("18 000001"), byte_vec{std::byte(static_cast<std::uint8_t>(request))}}));
        key_update_request back{};
        BOOST_TEST_REQUIRE(!parse_key_update(body_of(ku), back));
        BOOST_TEST(back == request);
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(each_extension)

namespace {

/// One extension alone: encodes to `body` (its type and length added), parses
/// back to the same fields, and re-encodes to the same bytes.
void round_trip(const hello_extensions& ext, extensions_in in, const byte_vec& body)
{
    const auto block = encoded_ok([&](writer& w) { return encode_extensions(w, ext, in); });
    BOOST_TEST_REQUIRE(ext.present.size() == 1u);
    byte_vec header;
    writer h(header);
    h.u16(static_cast<std::uint16_t>(4 + body.size()));
    h.u16(ext.present.front());
    h.u16(static_cast<std::uint16_t>(body.size()));
    BOOST_TEST(block == cat({header, body}));

    check_parses_back(
        block, ext, [&](bytes_view b, hello_extensions& out) { return parse_extensions(b.subspan(2), in, out); },
        [&](writer& w, const hello_extensions& e) { return encode_extensions(w, e, in); });
}

hello_extensions one()
{
    return {};
}

} // namespace

BOOST_AUTO_TEST_CASE(server_name_by_position)
{
    round_trip(one().add_server_name("a.example"), extensions_in::client_hello, hex("000c 00 0009 612e6578616d706c65"));
    for (auto in : {extensions_in::server_hello, extensions_in::encrypted_extensions})
        round_trip(one().add_empty(extension_type::server_name), in, {});
}

BOOST_AUTO_TEST_CASE(lists_of_16_bit_values)
{
    round_trip(one().add_groups({named_group::secp384r1}), extensions_in::client_hello, hex("0002 0018"));
    round_trip(one().add_signature_schemes({signature_scheme::rsa_pss_rsae_sha384, signature_scheme::rsa_pkcs1_sha256}),
               extensions_in::certificate_request, hex("0004 0805 0401"));
    round_trip(one().add_signature_schemes_cert({signature_scheme::ecdsa_secp384r1_sha384}),
               extensions_in::client_hello, hex("0002 0503"));
}

BOOST_AUTO_TEST_CASE(tls12_extensions)
{
    round_trip(one().add_ec_point_formats(point_formats_uncompressed), extensions_in::server_hello, hex("01 00"));
    round_trip(one().add_renegotiation_info({}), extensions_in::client_hello, hex("00"));
    // A renegotiating client's verify_data (RFC 5746 §3.5).
    round_trip(one().add_renegotiation_info(dn_a), extensions_in::client_hello, hex("04 3002aabb"));
    round_trip(one().add_empty(extension_type::extended_master_secret), extensions_in::server_hello, {});
}

BOOST_AUTO_TEST_CASE(supported_versions_by_position)
{
    round_trip(one().add_supported_versions({version_tls13}), extensions_in::client_hello, hex("02 0304"));
    round_trip(one().add_supported_versions({version_tls13}), extensions_in::server_hello, hex("0304"));
    round_trip(one().add_supported_versions({version_tls13}), extensions_in::hello_retry_request, hex("0304"));
}

BOOST_AUTO_TEST_CASE(key_share_by_position)
{
    round_trip(one().add_key_shares({{named_group::x25519, key_a}, {named_group::secp256r1, dn_a}}),
               extensions_in::client_hello, cat({hex("002c 001d 0020"), key_a, hex("0017 0004 3002aabb")}));
    // RFC 8446 §4.2.8: a client may send no share at all, to ask for HRR.
    round_trip(one().add_key_shares({}), extensions_in::client_hello, hex("0000"));
    round_trip(one().add_key_share({named_group::x25519, key_a}), extensions_in::server_hello,
               cat({hex("001d 0020"), key_a}));
    round_trip(one().add_selected_group(named_group::x25519), extensions_in::hello_retry_request, hex("001d"));
}

BOOST_AUTO_TEST_CASE(cookie_and_authorities)
{
    round_trip(one().add_cookie(dn_b), extensions_in::client_hello, hex("0003 3001cc"));
    round_trip(one().add_authorities({dn_a}), extensions_in::certificate_request, hex("0006 0004 3002aabb"));
}

BOOST_AUTO_TEST_CASE(resumption_extensions_by_position)
{
    // RFC 5077 §3.2: a ClientHello asks for a ticket (empty) or offers one; a
    // ServerHello's is empty.
    round_trip(one().add_session_ticket({}), extensions_in::client_hello, {});
    round_trip(one().add_session_ticket(dn_a), extensions_in::client_hello, dn_a);
    round_trip(one().add_session_ticket({}), extensions_in::server_hello, {});
    // RFC 8446 §4.2.9: unknown modes (0x7f) are kept too.
    round_trip(one().add_psk_modes({psk_dhe_ke, psk_ke, 0x7f}), extensions_in::client_hello, hex("03 01 00 7f"));
    // RFC 8446 §4.2.11: the ServerHello's selected_identity.
    round_trip(one().add_selected_psk(2), extensions_in::server_hello, hex("0002"));
}

BOOST_AUTO_TEST_CASE(pre_shared_key_offers)
{
    const byte_vec binder_a(32, std::byte{0xa1});
    const byte_vec binder_b(48, std::byte{0xb2});
    round_trip(one().add_psks({{{dn_a, 0x01020304}}, {binder_a}}), extensions_in::client_hello,
               cat({hex("000a 0004 3002aabb 01020304 0021 20"), binder_a}));
    round_trip(one().add_psks({{{dn_a, 1}, {dn_b, 0xffffffff}, {key_a, 0}}, {binder_a, binder_b, binder_a}}),
               extensions_in::client_hello,
               cat({hex("0039 0004 3002aabb 00000001 0003 3001cc ffffffff 0020"), key_a, hex("00000000"),
                    hex("0073 20"), binder_a, hex("30"), binder_b, hex("20"), binder_a}));
}

BOOST_AUTO_TEST_CASE(empty_and_raw_extensions)
{
    // Empty-bodied ones built with add_empty parse into `other`: compare bytes only.
    for (auto t : {extension_type::early_data, extension_type::post_handshake_auth}) {
        const auto ext = one().add_empty(t);
        const auto block =
            encoded_ok([&](writer& w) { return encode_extensions(w, ext, extensions_in::client_hello); });
        byte_vec expected;
        writer e(expected);
        e.u16(4);
        e.u16(static_cast<std::uint16_t>(t));
        e.u16(0);
        BOOST_TEST(block == expected);
        hello_extensions back;
        BOOST_TEST_REQUIRE(!parse_extensions(bytes_view(block).subspan(2), extensions_in::client_hello, back));
        BOOST_TEST(back.has(t));
        BOOST_TEST(encoded_ok([&](writer& w) { return encode_extensions(w, back, extensions_in::client_hello); }) ==
                   block);
    }
    const auto record_size_limit = hex("4001");
    round_trip(one().add_raw(0x001c, record_size_limit), extensions_in::encrypted_extensions, record_size_limit);
}

BOOST_AUTO_TEST_CASE(order_follows_present)
{
    const auto unknown_body = hex("ab"); // views are kept: the bytes must outlive `ext`
    hello_extensions ext;
    ext.add_supported_versions({version_tls13})
        .add_raw(0x1234, unknown_body)
        .add_key_share({named_group::x25519, dn_a});
    const auto block = encoded_ok([&](writer& w) { return encode_extensions(w, ext, extensions_in::server_hello); });
    BOOST_TEST(block == hex("0017 002b 0002 0304 1234 0001 ab 0033 0008 001d 0004 3002aabb"));
    hello_extensions back;
    BOOST_TEST_REQUIRE(!parse_extensions(bytes_view(block).subspan(2), extensions_in::server_hello, back));
    check_same(back, ext);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(programming_errors)

// A type listed in `present` with nothing to write from is a bug in mtls:
// reported as internal_error, not written as a malformed extension.
BOOST_AUTO_TEST_CASE(a_listed_type_without_its_value_is_an_internal_error)
{
    const std::vector<std::pair<extension_type, extensions_in>> cases{
        {extension_type::server_name, extensions_in::client_hello},
        {extension_type::supported_groups, extensions_in::client_hello},
        {extension_type::ec_point_formats, extensions_in::server_hello},
        {extension_type::signature_algorithms, extensions_in::certificate_request},
        {extension_type::renegotiation_info, extensions_in::server_hello},
        {extension_type::supported_versions, extensions_in::client_hello},
        {extension_type::key_share, extensions_in::client_hello},
        {extension_type::key_share, extensions_in::server_hello},
        {extension_type::key_share, extensions_in::hello_retry_request},
        {extension_type::cookie, extensions_in::hello_retry_request},
        {extension_type::certificate_authorities, extensions_in::certificate_request},
        {extension_type::signature_algorithms_cert, extensions_in::client_hello},
        {extension_type::session_ticket, extensions_in::client_hello},
        {extension_type::psk_key_exchange_modes, extensions_in::client_hello},
        {extension_type::pre_shared_key, extensions_in::client_hello},
        {extension_type::pre_shared_key, extensions_in::server_hello},
    };
    for (auto [type, in] : cases) {
        hello_extensions ext;
        ext.present.push_back(static_cast<std::uint16_t>(type));
        byte_vec out;
        writer w(out);
        BOOST_TEST(encode_extensions(w, ext, in) == make_error_code(error::internal_error),
                   "extension " << static_cast<int>(type));
    }
}

BOOST_AUTO_TEST_CASE(a_server_selects_exactly_one_version)
{
    auto ext = hello_extensions{}.add_supported_versions({version_tls13, version_tls12});
    byte_vec out;
    writer w(out);
    BOOST_TEST(encode_extensions(w, ext, extensions_in::server_hello) == make_error_code(error::internal_error));
    byte_vec ch;
    writer c(ch);
    BOOST_TEST(!encode_extensions(c, ext, extensions_in::client_hello));
}

BOOST_AUTO_TEST_CASE(a_block_too_long_for_its_length_is_an_internal_error)
{
    // 70 names of 1000 bytes: more than certificate_authorities' 2-byte length holds.
    const byte_vec dn(1000, std::byte{0x30});
    certificate_request13 cr;
    cr.ext.add_authorities(std::vector<bytes_view>(70, dn));
    byte_vec out;
    writer w(out);
    BOOST_TEST(encode_certificate_request13(w, cr) == make_error_code(error::internal_error));

    cr.ext = {};
    cr.ext.add_authorities(std::vector<bytes_view>(60, dn));
    byte_vec fits;
    writer f(fits);
    BOOST_TEST(!encode_certificate_request13(f, cr));
}

BOOST_AUTO_TEST_SUITE_END()

// The largest bodies the encoders produce for what mtls sends fit the caps a
// receiver applies before buffering a message.
BOOST_AUTO_TEST_CASE(largest_sent_bodies_fit_the_receive_caps)
{
    const byte_vec point(255, std::byte{4}); // ECPoint<1..2^8-1>
    BOOST_TEST(encoded([&](writer& w) { encode_client_key_exchange(w, point); }).size() <=
               max_body_size(handshake_type::client_key_exchange, 0));
    const byte_vec sha384_verify_data(48);
    BOOST_TEST(encoded([&](writer& w) { encode_finished(w, sha384_verify_data); }).size() <=
               max_body_size(handshake_type::finished, 0));
    BOOST_TEST(encoded([&](writer& w) { encode_key_update(w, key_update_request::update_requested); }).size() <=
               max_body_size(handshake_type::key_update, 0));
    const byte_vec rsa16384_signature(2048);
    const server_key_exchange ske{
        named_group::secp384r1, point, {}, signature_scheme::rsa_pss_rsae_sha512, rsa16384_signature};
    BOOST_TEST(encoded([&](writer& w) { encode_server_key_exchange(w, ske); }).size() <=
               max_body_size(handshake_type::server_key_exchange, 0));

    // The largest CertificateRequest13: a full extensions block (0xFFFF bytes),
    // 70 of them signature_algorithms, the rest one CA name.
    const byte_vec dn(0xFFFF - 70 - 8, std::byte{0x30});
    certificate_request13 cr;
    cr.ext.add_signature_schemes(std::vector<signature_scheme>(32, signature_scheme::rsa_pss_rsae_sha256))
        .add_authorities({dn});
    const auto body = encoded_ok([&](writer& w) { return encode_certificate_request13(w, cr); });
    BOOST_TEST(body.size() <= max_body_size(handshake_type::certificate_request, 0));
    BOOST_TEST(max_body_size(handshake_type::certificate, 12345) == 12345u);
}
