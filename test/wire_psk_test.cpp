// The resumption extensions and messages of src/wire refused when malformed:
// session_ticket (RFC 5077 §3.2), psk_key_exchange_modes (RFC 8446 §4.2.9),
// pre_shared_key (§4.2.11) and its binders (§4.2.11.2), NewSessionTicket
// (RFC 8446 §4.6.1, RFC 5077 §3.3); what their encoders refuse to write; and
// the resumed ClientHello of RFC 8448 §4, parsed and re-encoded.

#define BOOST_TEST_MODULE wire_psk
#include <boost/test/unit_test.hpp>

#include "support/hex.hpp"
#include "support/print.hpp"

#include "wire/messages.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

BOOST_TEST_DONT_PRINT_LOG_VALUE(std::byte)
BOOST_TEST_DONT_PRINT_LOG_VALUE(std::vector<std::byte>)
BOOST_TEST_DONT_PRINT_LOG_VALUE(std::vector<std::uint16_t>)
BOOST_TEST_DONT_PRINT_LOG_VALUE(std::optional<std::vector<std::uint8_t>>)

using namespace mtls;
using namespace mtls::wire;

namespace {

// RFC 8448 §4, {client} send handshake record, payload (512 octets): a
// ClientHello offering one PSK, its binder the last 32 bytes.
const byte_vec resumed_client_hello = hex(
    "010001fc03031bc3ceb6bbe39cff938355b5a50adb6db21b7a6af649d7b4bc41"
    "9d7876487d95000006130113031302010001cd0000000b000900000673657276"
    "6572ff01000100000a00140012001d0017001800190100010101020103010400"
    "3300260024001d0020e4ffb68ac05f8d96c99da26698346c6be16482badddafe"
    "051a66b4f18d668f0b002a0000002b0003020304000d0020001e040305030603"
    "020308040805080604010501060102010402050206020202002d00020101001c"
    "0002400100150057000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000"
    "2900dd00b800b22c035d829359ee5ff7af4ec900000000262a6494dc486d2c8a"
    "34cb33fa90bf1b0070ad3c498883c9367c09a2be785abc55cd226097a3a98211"
    "7283f82a03a143efd3ff5dd36d64e861be7fd61d2827db279cce145077d454a3"
    "664d4e6da4d29ee03725a6a4dafcd0fc67d2aea70529513e3da2677fa5906c5b"
    "3f7d8f92f228bda40dda721470f9fbf297b5aea617646fac5c03272e970727c6"
    "21a79141ef5f7de6505e5bfbc388e93343694093934ae4d357fad6aacb002120"
    "3add4fb2d8fdf822a0ca3cf7678ef5e88dae990141c5924d57bb6fa31b9e5f9d");
constexpr std::size_t resumed_prefix_size = 477; // "ClientHello prefix (477 octets)"

constexpr auto psk_type = static_cast<std::uint16_t>(extension_type::pre_shared_key);

/// An extension: type, 2-byte length, body.
byte_vec extension(std::uint16_t type, const byte_vec& body)
{
    byte_vec out;
    writer w(out);
    w.u16(type);
    w.vec16(body);
    return out;
}

byte_vec extension(extension_type type, const byte_vec& body)
{
    return extension(static_cast<std::uint16_t>(type), body);
}

/// identities<7..2^16-1>: each identity with its 2-byte length and an age.
byte_vec identities(std::initializer_list<byte_vec> ids)
{
    byte_vec out;
    writer w(out);
    w.prefixed(2, [&] {
        for (const auto& id : ids) {
            w.vec16(id);
            w.u32(0x01020304);
        }
    });
    return out;
}

/// binders<33..2^16-1>: each binder with its 1-byte length.
byte_vec binders(std::initializer_list<byte_vec> list)
{
    byte_vec out;
    writer w(out);
    w.prefixed(2, [&] {
        for (const auto& b : list)
            w.vec8(b);
    });
    return out;
}

const byte_vec id_a = hex("aabbccdd");
const byte_vec id_b = hex("ee");
const byte_vec binder_32(32, std::byte{0x42});
const byte_vec binder_48(48, std::byte{0x48});

/// A well-formed pre_shared_key body with two identities.
byte_vec two_offers()
{
    return cat({identities({id_a, id_b}), binders({binder_32, binder_48})});
}

error_code parse(const byte_vec& block, extensions_in in, hello_extensions& out)
{
    return parse_extensions(block, in, out);
}

error_code parse(const byte_vec& block, extensions_in in)
{
    hello_extensions ext;
    return parse(block, in, ext);
}

error_code encode(const hello_extensions& ext, extensions_in in)
{
    byte_vec out;
    writer w(out);
    return encode_extensions(w, ext, in);
}

offered_psks offer(std::vector<bytes_view> ids, std::vector<bytes_view> list)
{
    offered_psks p;
    for (auto id : ids)
        p.identities.push_back({id, 0});
    p.binders = std::move(list);
    return p;
}

} // namespace

BOOST_AUTO_TEST_SUITE(rfc8448_resumption)

BOOST_AUTO_TEST_CASE(resumed_client_hello_parses_and_reencodes)
{
    client_hello ch;
    const bytes_view body = bytes_view(resumed_client_hello).subspan(handshake_header_size);
    BOOST_TEST_REQUIRE(!parse_client_hello(body, ch));
    BOOST_TEST(ch.ext.present.back() == psk_type);
    BOOST_TEST(ch.ext.psk_modes == std::optional{std::vector<std::uint8_t>{psk_dhe_ke}});
    BOOST_TEST(ch.ext.has(extension_type::early_data));
    BOOST_TEST_REQUIRE(ch.ext.psks.has_value());
    BOOST_TEST_REQUIRE(ch.ext.psks->identities.size() == 1u);
    BOOST_TEST(ch.ext.psks->identities[0].identity.size() == 178u);
    BOOST_TEST(ch.ext.psks->identities[0].obfuscated_ticket_age == 0xfad6aacbu);
    BOOST_TEST_REQUIRE(ch.ext.psks->binders.size() == 1u);
    BOOST_TEST(to_vec(ch.ext.psks->binders[0]) ==
               hex("3add4fb2d8fdf822a0ca3cf7678ef5e88dae990141c5924d57bb6fa31b9e5f9d"));
    // Truncate(ClientHello) of RFC 8446 §4.2.11.2 is the trace's prefix.
    BOOST_TEST(resumed_client_hello.size() - binders_size(*ch.ext.psks) == resumed_prefix_size);

    byte_vec out;
    error_code ec;
    encode_handshake(out, handshake_type::client_hello, [&](writer& w) { ec = encode_client_hello(w, ch); });
    BOOST_TEST(!ec);
    BOOST_TEST(out == resumed_client_hello);
}

BOOST_AUTO_TEST_CASE(write_binders_completes_the_truncated_hello)
{
    // As a client sends it: encoded with a zero binder, hashed up to the
    // binders, then the binder written in place.
    const auto binder = to_vec(bytes_view(resumed_client_hello).last(32));
    byte_vec message = resumed_client_hello;
    std::fill(message.end() - 32, message.end(), std::byte{0});
    const std::vector<bytes_view> list{binder};
    BOOST_TEST_REQUIRE(!write_binders(message, list));
    BOOST_TEST(message == resumed_client_hello);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(client_hello_refusals)

BOOST_AUTO_TEST_CASE(pre_shared_key_must_be_last)
{
    const auto psk = extension(extension_type::pre_shared_key, two_offers());
    const auto ems = extension(extension_type::extended_master_secret, {});
    BOOST_TEST(!parse(cat({ems, psk}), extensions_in::client_hello));
    // RFC 8446 §4.2.11: "Servers MUST check that it is the last extension".
    BOOST_TEST(parse(cat({psk, ems}), extensions_in::client_hello) == error::illegal_parameter);
    BOOST_TEST(parse(cat({psk, extension(0x1234, {})}), extensions_in::client_hello) == error::illegal_parameter);
    // The ServerHello's selected_identity may sit anywhere.
    BOOST_TEST(!parse(cat({extension(extension_type::pre_shared_key, hex("0000")), ems}), extensions_in::server_hello));

    // Through the message parser too.
    client_hello ch;
    const auto hello = cat({hex("0303"), byte_vec(32), hex("00 0002 1301 01 00"), hex("0000")});
    byte_vec bad = hello;
    const auto block = cat({psk, ems});
    bad.resize(bad.size() - 2);
    writer w(bad);
    w.vec16(block);
    BOOST_TEST(parse_client_hello(bad, ch) == error::illegal_parameter);
}

BOOST_AUTO_TEST_CASE(one_binder_per_identity)
{
    // RFC 8446 §4.2.11: "one for each value in the identities list".
    BOOST_TEST(parse(extension(psk_type, cat({identities({id_a, id_b}), binders({binder_32})})),
                     extensions_in::client_hello) == error::illegal_parameter);
    BOOST_TEST(parse(extension(psk_type, cat({identities({id_a}), binders({binder_32, binder_32})})),
                     extensions_in::client_hello) == error::illegal_parameter);
}

BOOST_AUTO_TEST_CASE(binder_lengths)
{
    // PskBinderEntry<32..255>.
    auto with_binder = [](std::size_t n) {
        return extension(psk_type, cat({identities({id_a}), binders({byte_vec(n, std::byte{1})})}));
    };
    BOOST_TEST(parse(with_binder(31), extensions_in::client_hello) == error::decode_error);
    BOOST_TEST(parse(with_binder(0), extensions_in::client_hello) == error::decode_error);
    for (std::size_t n : {32u, 255u}) {
        hello_extensions ext;
        BOOST_TEST_REQUIRE(!parse(with_binder(n), extensions_in::client_hello, ext));
        BOOST_TEST(ext.psks->binders.front().size() == n);
    }
}

BOOST_AUTO_TEST_CASE(empty_lists_and_identities)
{
    // identities<7..2^16-1>, identity<1..2^16-1>, binders<33..2^16-1>.
    BOOST_TEST(parse(extension(psk_type, cat({hex("0000"), binders({binder_32})})), extensions_in::client_hello) ==
               error::decode_error);
    BOOST_TEST(parse(extension(psk_type, cat({identities({id_a}), hex("0000")})), extensions_in::client_hello) ==
               error::decode_error);
    BOOST_TEST(parse(extension(psk_type, cat({identities({{}}), binders({binder_32})})),
                     extensions_in::client_hello) == error::decode_error);
    BOOST_TEST(parse(extension(psk_type, {}), extensions_in::client_hello) == error::decode_error);
}

BOOST_AUTO_TEST_CASE(every_truncation_of_an_offer_fails)
{
    const auto body = two_offers();
    for (std::size_t n = 0; n < body.size(); ++n) {
        const byte_vec cut(body.begin(), body.begin() + static_cast<std::ptrdiff_t>(n));
        BOOST_TEST(parse(extension(psk_type, cut), extensions_in::client_hello) == error::decode_error,
                   "cut at " << n);
    }
    auto longer = body;
    longer.push_back(std::byte{0});
    BOOST_TEST(parse(extension(psk_type, longer), extensions_in::client_hello) == error::trailing_data);
    // The block's own length lies: the extension runs past it.
    auto block = extension(psk_type, body);
    block.pop_back();
    BOOST_TEST(parse(block, extensions_in::client_hello) == error::decode_error);
}

BOOST_AUTO_TEST_CASE(psk_key_exchange_modes)
{
    constexpr auto modes = extension_type::psk_key_exchange_modes;
    // ke_modes<1..255>.
    BOOST_TEST(parse(extension(modes, hex("00")), extensions_in::client_hello) == error::decode_error);
    BOOST_TEST(parse(extension(modes, {}), extensions_in::client_hello) == error::decode_error);
    BOOST_TEST(parse(extension(modes, hex("02 01")), extensions_in::client_hello) == error::decode_error);
    BOOST_TEST(parse(extension(modes, hex("01 01 00")), extensions_in::client_hello) == error::trailing_data);
    // RFC 8446 §4.2.9: unknown modes are the server's to ignore, so they are kept.
    hello_extensions ext;
    BOOST_TEST_REQUIRE(!parse(extension(modes, hex("02 fe 01")), extensions_in::client_hello, ext));
    const std::vector<std::uint8_t> kept{0xfe, psk_dhe_ke};
    BOOST_TEST(ext.psk_modes == std::optional{kept});
}

BOOST_AUTO_TEST_CASE(session_ticket_and_selected_identity_in_server_hello)
{
    constexpr auto ticket = extension_type::session_ticket;
    // RFC 5077 §3.2: the server's session_ticket is empty.
    BOOST_TEST(parse(extension(ticket, hex("00")), extensions_in::server_hello) == error::decode_error);
    BOOST_TEST(!parse(extension(ticket, {}), extensions_in::server_hello));
    BOOST_TEST(!parse(extension(ticket, hex("00")), extensions_in::client_hello));
    // selected_identity is a uint16.
    BOOST_TEST(parse(extension(psk_type, {}), extensions_in::server_hello) == error::decode_error);
    BOOST_TEST(parse(extension(psk_type, hex("00")), extensions_in::server_hello) == error::decode_error);
    BOOST_TEST(parse(extension(psk_type, hex("000000")), extensions_in::server_hello) == error::trailing_data);
}

BOOST_AUTO_TEST_CASE(outside_the_hellos_they_are_kept_raw)
{
    // Not decoded where no RFC defines them: the receiver refuses them by
    // type (RFC 8446 §4.2), whatever their body.
    const std::vector<std::pair<extension_type, extensions_in>> cases{
        {extension_type::pre_shared_key, extensions_in::hello_retry_request},
        {extension_type::pre_shared_key, extensions_in::encrypted_extensions},
        {extension_type::session_ticket, extensions_in::encrypted_extensions},
        {extension_type::session_ticket, extensions_in::hello_retry_request},
        {extension_type::psk_key_exchange_modes, extensions_in::server_hello},
        {extension_type::psk_key_exchange_modes, extensions_in::certificate_request},
    };
    for (auto [type, in] : cases) {
        hello_extensions ext;
        BOOST_TEST_REQUIRE(!parse(cat({extension(type, hex("00")), extension(0x1234, {})}), in, ext));
        BOOST_TEST(ext.has(type));
        BOOST_TEST_REQUIRE(ext.other.size() == 2u);
        BOOST_TEST(ext.other.front().type == static_cast<std::uint16_t>(type));
        BOOST_TEST((!ext.psks && !ext.selected_psk && !ext.session_ticket && !ext.psk_modes));
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(encoder_refusals)

BOOST_AUTO_TEST_CASE(pre_shared_key_not_last_in_a_client_hello)
{
    const auto good = offer({id_a}, {binder_32});
    auto last = hello_extensions{}.add_empty(extension_type::extended_master_secret).add_psks(good);
    BOOST_TEST(!encode(last, extensions_in::client_hello));
    auto first = hello_extensions{}.add_psks(good).add_empty(extension_type::extended_master_secret);
    BOOST_TEST(encode(first, extensions_in::client_hello) == error::internal_error);
    const auto raw_body = two_offers();
    auto raw = hello_extensions{}.add_raw(psk_type, raw_body).add_empty(extension_type::early_data);
    BOOST_TEST(encode(raw, extensions_in::client_hello) == error::internal_error);
    // A ServerHello's selected_identity has no place to keep.
    auto sh = hello_extensions{}.add_selected_psk(0).add_empty(extension_type::extended_master_secret);
    BOOST_TEST(!encode(sh, extensions_in::server_hello));
}

BOOST_AUTO_TEST_CASE(malformed_offers_are_not_written)
{
    const byte_vec binder_31(31), binder_256(256);
    const std::vector<offered_psks> bad{
        offer({}, {}),
        offer({id_a, id_b}, {binder_32}),
        offer({id_a}, {binder_32, binder_32}),
        offer({id_a}, {binder_31}),
        offer({id_a}, {binder_256}),
        offer({bytes_view{}}, {binder_32}),
    };
    for (std::size_t i = 0; i < bad.size(); ++i)
        BOOST_TEST(encode(hello_extensions{}.add_psks(bad[i]), extensions_in::client_hello) == error::internal_error,
                   "offer " << i);
    BOOST_TEST(!encode(hello_extensions{}.add_psks(offer({id_a}, {byte_vec(255)})), extensions_in::client_hello));
}

BOOST_AUTO_TEST_CASE(other_misuse)
{
    BOOST_TEST(encode(hello_extensions{}.add_session_ticket(id_a), extensions_in::server_hello) ==
               error::internal_error);
    BOOST_TEST(encode(hello_extensions{}.add_psk_modes({}), extensions_in::client_hello) == error::internal_error);
    BOOST_TEST(encode(hello_extensions{}.add_psk_modes(std::vector<std::uint8_t>(256, psk_dhe_ke)),
                      extensions_in::client_hello) == error::internal_error);
    BOOST_TEST(encode(hello_extensions{}.add_selected_psk(0), extensions_in::hello_retry_request) ==
               error::internal_error);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(binders_in_place)

namespace {

/// A ClientHello body whose pre_shared_key carries `list`.
byte_vec hello_with(const std::vector<bytes_view>& list)
{
    client_hello ch;
    ch.legacy_version = version_tls12;
    ch.cipher_suites = {0x1301};
    ch.compression_methods = compression_null;
    ch.ext.add_supported_versions({version_tls13}).add_psks(offer(std::vector<bytes_view>(list.size(), id_a), list));
    byte_vec out;
    writer w(out);
    BOOST_TEST_REQUIRE(!encode_client_hello(w, ch));
    return out;
}

} // namespace

BOOST_AUTO_TEST_CASE(binders_size_is_the_list_with_its_length)
{
    BOOST_TEST(binders_size(offer({id_a, id_b}, {binder_32, binder_48})) == 2u + 33u + 49u);
    BOOST_TEST(binders_size(offer({id_a}, {byte_vec(255)})) == 2u + 256u);
    // What it counts is exactly the tail the encoder wrote after the identities.
    const auto full = hello_with({binder_32, binder_48});
    const auto tail = bytes_view(full).last(binders_size(offer({id_a, id_b}, {binder_32, binder_48})));
    BOOST_TEST(to_vec(tail) == binders({binder_32, binder_48}));
}

BOOST_AUTO_TEST_CASE(write_binders_overwrites_only_the_binders)
{
    const byte_vec zero_32(32), zero_48(48);
    auto message = hello_with({zero_32, zero_48});
    const std::vector<bytes_view> real{binder_32, binder_48};
    BOOST_TEST_REQUIRE(!write_binders(message, real));
    BOOST_TEST(message == hello_with(real));
}

BOOST_AUTO_TEST_CASE(write_binders_refuses_a_tail_of_other_lengths)
{
    const byte_vec zero_32(32), zero_48(48);
    const auto message = hello_with({zero_32, zero_48});
    auto refused = [&](byte_vec m, const std::vector<bytes_view>& list) {
        const auto before = m;
        BOOST_TEST(write_binders(m, list) == error::internal_error);
        BOOST_TEST(m == before); // nothing written
    };
    // The entries swapped: same list length, each length byte wrong.
    refused(message, {binder_48, binder_32});
    // One binder where the tail holds two: same total, wrong entry length.
    const byte_vec binder_81(81, std::byte{0x81});
    refused(message, {binder_81});
    // The list length field off by one.
    auto bad_length = message;
    const auto at = bad_length.size() - binders_size(offer({id_a, id_b}, {zero_32, zero_48}));
    bad_length[at + 1] = std::byte(static_cast<std::uint8_t>(bad_length[at + 1]) + 1);
    refused(bad_length, {binder_32, binder_48});
    // A message shorter than the list: here the list but its first byte,
    // which sits just before the span, in memory a read past it would reach.
    auto list = binders({zero_32, zero_48});
    const auto before = list;
    const std::vector<bytes_view> real{binder_32, binder_48};
    BOOST_TEST(write_binders(std::span(list).subspan(1), real) == error::internal_error);
    BOOST_TEST(list == before);
    // A binder no length byte can state.
    const byte_vec binder_256(256);
    refused(cat({hex("0101 00"), byte_vec(256)}), {binder_256});
    refused(message, {binder_32, binder_48, binder_32});
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(new_session_ticket_refusals)

namespace {

/// A NewSessionTicket13 body: lifetime, age_add, nonce, `ticket`, then `ext`
/// (the extensions block's content).
byte_vec nst13(const byte_vec& ticket, const byte_vec& ext)
{
    byte_vec out;
    writer w(out);
    w.u32(3600);
    w.u32(0x11223344);
    w.vec8(hex("00"));
    w.vec16(ticket);
    w.vec16(ext);
    return out;
}

error_code parse13(const byte_vec& body)
{
    new_session_ticket13 nst;
    return parse_new_session_ticket13(body, nst);
}

const auto early_data = extension(extension_type::early_data, hex("00004000"));

} // namespace

BOOST_AUTO_TEST_CASE(ticket_and_extensions)
{
    BOOST_TEST(!parse13(nst13(id_a, {})));
    // ticket<1..2^16-1>.
    BOOST_TEST(parse13(nst13({}, {})) == error::decode_error);
    // RFC 8446 §4.2: no type twice, early_data or any other.
    BOOST_TEST(!parse13(nst13(id_a, cat({early_data, extension(0x7a7a, {})}))));
    BOOST_TEST(parse13(nst13(id_a, cat({early_data, early_data}))) == error::duplicate_extension);
    BOOST_TEST(parse13(nst13(id_a, cat({extension(0x7a7a, {}), early_data, extension(0x7a7a, hex("01"))}))) ==
               error::duplicate_extension);
    // max_early_data_size is a uint32.
    BOOST_TEST(parse13(nst13(id_a, extension(extension_type::early_data, hex("000040")))) == error::decode_error);
    BOOST_TEST(parse13(nst13(id_a, extension(extension_type::early_data, hex("0000400000")))) == error::decode_error);
    // An extension cut inside the block.
    BOOST_TEST(parse13(nst13(id_a, hex("7a7a 0002 00"))) == error::decode_error);
}

BOOST_AUTO_TEST_CASE(extensions_block_holds_at_most_2_16_minus_2_bytes)
{
    // RFC 8446 §4.6.1: Extension extensions<0..2^16-2>.
    BOOST_TEST(!parse13(nst13(id_a, extension(0x7a7a, byte_vec(0xFFFE - 4)))));
    BOOST_TEST(parse13(nst13(id_a, extension(0x7a7a, byte_vec(0xFFFF - 4)))) == error::decode_error);
}

BOOST_AUTO_TEST_CASE(truncations_and_trailing_bytes)
{
    const auto body = nst13(id_a, early_data);
    for (std::size_t n = 0; n < body.size(); ++n)
        BOOST_TEST(parse13(byte_vec(body.begin(), body.begin() + static_cast<std::ptrdiff_t>(n))) ==
                       error::decode_error,
                   "cut at " << n);
    auto longer = body;
    longer.push_back(std::byte{0});
    BOOST_TEST(parse13(longer) == error::trailing_data);

    // RFC 5077 §3.3: lifetime hint, ticket<0..2^16-1>, nothing after.
    const auto body12 = cat({hex("00001c20"), hex("0004"), id_a});
    new_session_ticket12 nst;
    BOOST_TEST(!parse_new_session_ticket12(body12, nst));
    for (std::size_t n = 0; n < body12.size(); ++n)
        BOOST_TEST(parse_new_session_ticket12(byte_vec(body12.begin(), body12.begin() + static_cast<std::ptrdiff_t>(n)),
                                              nst) == error::decode_error,
                   "cut at " << n);
    BOOST_TEST(parse_new_session_ticket12(cat({body12, hex("00")}), nst) == error::trailing_data);
}

BOOST_AUTO_TEST_SUITE_END()
