// RFC 8448 §3 "Simple 1-RTT Handshake": mtls reproduces the published trace.
// 1. The TLS 1.3 key schedule (RFC 8446 §7.1-7.3, §4.4.4), value by value.
// 2. The engine as client replays the trace and emits the trace's records
//    byte for byte.
// 3. The engine as server answers the trace's ClientHello with the trace's
//    ServerHello and Certificate.
// The trace's values are in support/rfc8448_trace.hpp.

#define BOOST_TEST_MODULE rfc8448
#include <boost/test/unit_test.hpp>

#include "support/hex.hpp"
#include "support/print.hpp"
#include "support/rfc8448_trace.hpp"

#include "crypto/aead.hpp"
#include "crypto/hash.hpp"
#include "crypto/key_share.hpp"
#include "crypto/pki.hpp"
#include "handshake/key_schedule13.hpp"
#include "record/protection.hpp"

#include <mtls/context.hpp>
#include <mtls/engine.hpp>
#include <mtls/error.hpp>
#include <mtls/types.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

using namespace mtls;
using crypto::aead_alg;
using crypto::bytes_view;
using crypto::hash_alg;
namespace ks = mtls::handshake::tls13;

namespace {

// The provider of this run's contexts (MTLS_CRYPTO_PROVIDER, set by ctest's
// twin): the trace's key schedule is recomputed with the same arithmetic.
const mtls::crypto::provider& provider()
{
    static const mtls::crypto::provider& p = mtls::crypto::get_provider(mtls::context{}.provider());
    return p;
}


constexpr auto sha256 = hash_alg::sha256;

/// Lower-case hex, so that a failed comparison shows both values.
std::string to_hex(bytes_view b)
{
    static constexpr char digits[] = "0123456789abcdef";
    std::string s;
    for (auto x : b) {
        const auto v = std::to_integer<unsigned>(x);
        s += digits[v >> 4];
        s += digits[v & 15];
    }
    return s;
}

/// Equality of byte strings, reported as hex with the first differing offset.
void check_bytes(std::string_view what, bytes_view got, bytes_view want)
{
    BOOST_TEST_CONTEXT(what)
    {
        BOOST_TEST(to_hex(got) == to_hex(want));
        if (!std::ranges::equal(got, want)) {
            const auto n = std::min(got.size(), want.size());
            std::size_t i = 0;
            while (i < n && got[i] == want[i])
                ++i;
            BOOST_TEST_MESSAGE(what << ": got " << got.size() << " bytes, trace has " << want.size()
                                    << "; first difference at offset " << i);
        }
    }
}

byte_vec sha256_of(std::initializer_list<byte_vec> messages)
{
    crypto::hash h(crypto::mbedtls_provider(), sha256);
    for (const auto& m : messages)
        h.update(m);
    byte_vec out(crypto::digest_size(sha256));
    h.snapshot(out);
    return out;
}

byte_vec expand(bytes_view secret, std::string_view label, bytes_view context, std::size_t n)
{
    byte_vec out(n);
    ks::expand_label(provider(), sha256, secret, label, context, out);
    return out;
}

std::uint32_t get_be(bytes_view b, std::size_t at, std::size_t n)
{
    BOOST_TEST_REQUIRE(at + n <= b.size());
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < n; ++i)
        v = v << 8 | std::to_integer<std::uint32_t>(b[at + i]);
    return v;
}

/// The body of a handshake message (after its 4-byte header).
byte_vec body_of(const byte_vec& message)
{
    return {message.begin() + 4, message.end()};
}

struct handshake_message {
    std::uint8_t type;
    byte_vec whole; // header included
};

/// Splits concatenated handshake messages (RFC 8446 §4).
std::vector<handshake_message> split_messages(bytes_view data)
{
    std::vector<handshake_message> out;
    std::size_t at = 0;
    while (at < data.size()) {
        const auto len = get_be(data, at + 1, 3);
        BOOST_TEST_REQUIRE(at + 4 + len <= data.size(), "handshake message overruns its records");
        out.push_back({static_cast<std::uint8_t>(data[at]), to_vec(data.subspan(at, 4 + len))});
        at += 4 + len;
    }
    return out;
}

/// Splits a byte stream into whole records (RFC 8446 §5.1).
std::vector<byte_vec> split_records(bytes_view data)
{
    std::vector<byte_vec> out;
    std::size_t at = 0;
    while (at < data.size()) {
        const auto len = get_be(data, at + 3, 2);
        BOOST_TEST_REQUIRE(at + 5 + len <= data.size(), "output ends inside a record");
        out.push_back(to_vec(data.subspan(at, 5 + len)));
        at += 5 + len;
    }
    return out;
}

struct opened {
    error_code ec;
    wire::content_type type{};
    byte_vec plaintext;
};

opened open_record(record::protection& p, byte_vec rec)
{
    opened out;
    crypto::mutable_bytes plaintext;
    out.ec = p.open(rec, out.type, plaintext);
    if (!out.ec)
        out.plaintext = to_vec(plaintext);
    return out;
}

byte_vec seal_record(record::protection& p, wire::content_type type, bytes_view plaintext)
{
    byte_vec rec(record::header_size + plaintext.size() + p.suffix_size());
    std::copy(plaintext.begin(), plaintext.end(), rec.begin() + record::header_size);
    rec.resize(p.seal(type, 0x0303, rec.data(), plaintext.size()));
    return rec;
}

record::protection trace_protection(const byte_vec& key, const byte_vec& iv)
{
    return record::protection(crypto::mbedtls_provider(), aead_alg::aes_128_gcm, key, iv, record::nonce_scheme::tls13);
}

/// RFC 8446 §4.4.3: the content a server's CertificateVerify signs.
byte_vec server_signed_content(bytes_view transcript_hash)
{
    byte_vec out(64, std::byte{0x20});
    for (char c : std::string_view("TLS 1.3, server CertificateVerify"))
        out.push_back(static_cast<std::byte>(c));
    out.push_back(std::byte{0});
    out.insert(out.end(), transcript_hash.begin(), transcript_hash.end());
    return out;
}

/// Everything the engine has to send, taken out of it.
byte_vec drain(engine& e)
{
    auto out = to_vec(e.output());
    e.consume_output(out.size());
    return out;
}

void feed_all(engine& e, bytes_view data)
{
    BOOST_TEST_REQUIRE(e.feed(data) == data.size());
}

/// The key_share entry for `group` in a ClientHello (RFC 8446 §4.2.8); empty
/// when there is none.
struct client_hello_view {
    byte_vec random;
    byte_vec session_id;
    byte_vec x25519_share;
    bool has_x25519_share = false;
};

client_hello_view parse_client_hello(bytes_view ch)
{
    client_hello_view v;
    BOOST_TEST_REQUIRE(ch.size() > 4 + 2 + 32 + 1);
    BOOST_TEST_REQUIRE(std::to_integer<unsigned>(ch[0]) == 1u);
    BOOST_TEST_REQUIRE(get_be(ch, 1, 3) == ch.size() - 4);
    std::size_t at = 4 + 2; // legacy_version
    v.random = to_vec(ch.subspan(at, 32));
    at += 32;
    const auto sid = get_be(ch, at, 1);
    v.session_id = to_vec(ch.subspan(at + 1, sid));
    at += 1 + sid;
    at += 2 + get_be(ch, at, 2); // cipher_suites
    at += 1 + get_be(ch, at, 1); // legacy_compression_methods
    const auto ext_end = at + 2 + get_be(ch, at, 2);
    BOOST_TEST_REQUIRE(ext_end == ch.size());
    at += 2;
    while (at < ext_end) {
        const auto type = get_be(ch, at, 2);
        const auto len = get_be(ch, at + 2, 2);
        const auto body = at + 4;
        if (type == 0x0033) { // key_share: KeyShareEntry client_shares<0..2^16-1>
            const auto end = body + 2 + get_be(ch, body, 2);
            for (auto e = body + 2; e < end;) {
                const auto group = get_be(ch, e, 2);
                const auto klen = get_be(ch, e + 2, 2);
                if (group == 0x001d) {
                    v.x25519_share = to_vec(ch.subspan(e + 4, klen));
                    v.has_x25519_share = true;
                }
                e += 4 + klen;
            }
        }
        at = body + len;
    }
    return v;
}

/// Secrets the engine reports through the secret_log hook, by NSS label.
using secret_map = std::map<std::string, byte_vec, std::less<>>;

/// Hooks that give the engine the trace's random and ephemeral key and collect
/// its secrets. The first request for randomness is the hello random (the
/// checks on the hellos catch it if it is not); anything asked later gets a
/// fixed filler.
engine_test_hooks trace_hooks(const byte_vec& hello_random, const byte_vec& x25519_private,
                              secret_map& secrets)
{
    engine_test_hooks h;
    h.random = [hello_random, first = true](std::span<std::byte> out) mutable {
        if (first && out.size() == hello_random.size())
            std::copy(hello_random.begin(), hello_random.end(), out.begin());
        else
            std::fill(out.begin(), out.end(), std::byte{0x5a});
        first = false;
    };
    h.ephemeral_private_key = [x25519_private](named_group g) {
        return g == named_group::x25519 ? x25519_private : std::vector<std::byte>{};
    };
    h.secret_log = [&secrets](std::string_view label, std::span<const std::byte> s) {
        secrets[std::string(label)] = to_vec(s);
    };
    return h;
}

void check_secret(const secret_map& secrets, std::string_view label, const byte_vec& want)
{
    BOOST_TEST_CONTEXT("secret_log " << label)
    {
        auto it = secrets.find(label);
        BOOST_TEST_REQUIRE((it != secrets.end()), "engine did not log " << label);
        check_bytes(label, it->second, want);
    }
}

// Transcripts of the trace (RFC 8446 §4.4.1).
const byte_vec& transcript_ch_sh()
{
    static const auto h = sha256_of({rfc8448::client_hello, rfc8448::server_hello});
    return h;
}

} // namespace

// ===================================================================== part 1

BOOST_AUTO_TEST_SUITE(key_schedule)

BOOST_AUTO_TEST_CASE(x25519_key_pairs_and_shared_secret)
{
    // §3 {client}/{server} "create an ephemeral x25519 key pair" and the IKM of
    // "extract secret handshake", which is the X25519 shared secret (RFC 7748 §6.1).
    auto client = crypto::key_share::from_private(crypto::mbedtls_provider(), named_group::x25519, rfc8448::client_private);
    auto server = crypto::key_share::from_private(crypto::mbedtls_provider(), named_group::x25519, rfc8448::server_private);
    check_bytes("client public key", client.public_key(), rfc8448::client_public);
    check_bytes("server public key", server.public_key(), rfc8448::server_public);

    crypto::secret at_client, at_server;
    BOOST_TEST(!client.agree(rfc8448::server_public, at_client));
    BOOST_TEST(!server.agree(rfc8448::client_public, at_server));
    check_bytes("shared secret (client side)", at_client.view(), rfc8448::ecdhe_shared);
    check_bytes("shared secret (server side)", at_server.view(), rfc8448::ecdhe_shared);
}

BOOST_AUTO_TEST_CASE(transcript_hashes)
{
    // The trace's messages are the ones its records carry.
    check_bytes("ClientHello record payload", std::span(rfc8448::client_hello_record).subspan(5),
                rfc8448::client_hello);
    check_bytes("ServerHello record payload", std::span(rfc8448::server_hello_record).subspan(5),
                rfc8448::server_hello);

    // "derived" hashes the empty string; c/s hs traffic hash ClientHello..ServerHello;
    // c/s ap traffic and exp master hash ClientHello..server Finished; res master
    // hashes ClientHello..client Finished (RFC 8446 §7.1).
    check_bytes("Hash(\"\")", sha256_of({}), rfc8448::empty_hash);
    check_bytes("Hash(CH..SH)", transcript_ch_sh(), rfc8448::hash_ch_sh);
    check_bytes("Hash(CH..server Finished)",
                sha256_of({rfc8448::client_hello, rfc8448::server_hello, rfc8448::encrypted_extensions,
                           rfc8448::certificate, rfc8448::certificate_verify, rfc8448::server_finished}),
                rfc8448::hash_ch_server_finished);
    check_bytes("Hash(CH..client Finished)",
                sha256_of({rfc8448::client_hello, rfc8448::server_hello, rfc8448::encrypted_extensions,
                           rfc8448::certificate, rfc8448::certificate_verify, rfc8448::server_finished,
                           rfc8448::client_finished}),
                rfc8448::hash_ch_client_finished);
}

BOOST_AUTO_TEST_CASE(secrets_keys_and_finished)
{
    const auto empty_hash = sha256_of({});
    const auto h_ch_sh = transcript_ch_sh();
    const auto h_ch_cv = sha256_of({rfc8448::client_hello, rfc8448::server_hello, rfc8448::encrypted_extensions,
                                    rfc8448::certificate, rfc8448::certificate_verify});
    const auto h_ch_sfin = sha256_of({rfc8448::client_hello, rfc8448::server_hello, rfc8448::encrypted_extensions,
                                      rfc8448::certificate, rfc8448::certificate_verify,
                                      rfc8448::server_finished});
    const auto h_ch_cfin = sha256_of({rfc8448::client_hello, rfc8448::server_hello, rfc8448::encrypted_extensions,
                                      rfc8448::certificate, rfc8448::certificate_verify,
                                      rfc8448::server_finished, rfc8448::client_finished});

    // {server} extract secret "early": HKDF-Extract(0, 0) without a PSK.
    const auto early = ks::early_secret(provider(), sha256);
    check_bytes("early secret", early.view(), rfc8448::early_secret);

    // derive secret for handshake "tls13 derived", then extract "handshake"
    // with the (EC)DHE shared secret.
    const auto derived_hs = ks::derive_secret(provider(), sha256, early.view(), "derived", empty_hash);
    check_bytes("derived (for handshake)", derived_hs.view(), rfc8448::derived_for_handshake);
    byte_vec extracted(32);
    crypto::hkdf_extract(crypto::mbedtls_provider(), sha256, derived_hs.view(), rfc8448::ecdhe_shared, extracted);
    check_bytes("handshake secret (HKDF-Extract)", extracted, rfc8448::handshake_secret);
    const auto hs = ks::next_stage(provider(), sha256, early, rfc8448::ecdhe_shared);
    check_bytes("handshake secret (next_stage)", hs.view(), rfc8448::handshake_secret);

    // derive secret "tls13 c hs traffic" / "tls13 s hs traffic".
    const auto c_hs = ks::derive_secret(provider(), sha256, hs.view(), "c hs traffic", h_ch_sh);
    const auto s_hs = ks::derive_secret(provider(), sha256, hs.view(), "s hs traffic", h_ch_sh);
    check_bytes("client handshake traffic secret", c_hs.view(), rfc8448::client_hs_traffic);
    check_bytes("server handshake traffic secret", s_hs.view(), rfc8448::server_hs_traffic);

    // derive secret for master "tls13 derived", extract "master" with zeros.
    const auto derived_ms = ks::derive_secret(provider(), sha256, hs.view(), "derived", empty_hash);
    check_bytes("derived (for master)", derived_ms.view(), rfc8448::derived_for_master);
    const auto ms = ks::next_stage(provider(), sha256, hs, {});
    check_bytes("master secret", ms.view(), rfc8448::master_secret);

    // derive write traffic keys for handshake data (server), read traffic keys
    // for handshake data (server: the client's) (RFC 8446 §7.3).
    const auto s_hs_keys = ks::traffic_keys(provider(), aead_alg::aes_128_gcm, sha256, s_hs.view());
    check_bytes("server handshake key", s_hs_keys.key.view(), rfc8448::server_hs_key);
    check_bytes("server handshake iv", s_hs_keys.iv.view(), rfc8448::server_hs_iv);
    const auto c_hs_keys = ks::traffic_keys(provider(), aead_alg::aes_128_gcm, sha256, c_hs.view());
    check_bytes("client handshake key", c_hs_keys.key.view(), rfc8448::client_hs_key);
    check_bytes("client handshake iv", c_hs_keys.iv.view(), rfc8448::client_hs_iv);

    // calculate finished "tls13 finished" (RFC 8446 §4.4.4): the finished keys
    // ("expanded") and verify_data over Transcript-Hash(CH..CertificateVerify)
    // for the server and (CH..server Finished) for the client.
    check_bytes("server finished key", expand(s_hs.view(), "finished", {}, 32), rfc8448::server_finished_key);
    check_bytes("client finished key", expand(c_hs.view(), "finished", {}, 32), rfc8448::client_finished_key);
    const auto s_fin = ks::finished_verify_data(provider(), sha256, s_hs.view(), h_ch_cv);
    check_bytes("server verify_data", s_fin.view(), rfc8448::server_finished_verify_data);
    check_bytes("server Finished body", s_fin.view(), body_of(rfc8448::server_finished));
    const auto c_fin = ks::finished_verify_data(provider(), sha256, c_hs.view(), h_ch_sfin);
    check_bytes("client verify_data", c_fin.view(), rfc8448::client_finished_verify_data);
    check_bytes("client Finished body", c_fin.view(), body_of(rfc8448::client_finished));

    // derive secret "tls13 c ap traffic" / "s ap traffic" / "exp master".
    const auto c_ap = ks::derive_secret(provider(), sha256, ms.view(), "c ap traffic", h_ch_sfin);
    const auto s_ap = ks::derive_secret(provider(), sha256, ms.view(), "s ap traffic", h_ch_sfin);
    const auto exp = ks::derive_secret(provider(), sha256, ms.view(), "exp master", h_ch_sfin);
    check_bytes("client application traffic secret", c_ap.view(), rfc8448::client_ap_traffic);
    check_bytes("server application traffic secret", s_ap.view(), rfc8448::server_ap_traffic);
    check_bytes("exporter master secret", exp.view(), rfc8448::exporter_master);

    // derive write traffic keys for application data (both sides).
    const auto s_ap_keys = ks::traffic_keys(provider(), aead_alg::aes_128_gcm, sha256, s_ap.view());
    check_bytes("server application key", s_ap_keys.key.view(), rfc8448::server_ap_key);
    check_bytes("server application iv", s_ap_keys.iv.view(), rfc8448::server_ap_iv);
    const auto c_ap_keys = ks::traffic_keys(provider(), aead_alg::aes_128_gcm, sha256, c_ap.view());
    check_bytes("client application key", c_ap_keys.key.view(), rfc8448::client_ap_key);
    check_bytes("client application iv", c_ap_keys.iv.view(), rfc8448::client_ap_iv);

    // derive secret "tls13 res master", and the ticket's PSK, "tls13 resumption"
    // with the ticket_nonce as context (RFC 8446 §4.6.1).
    const auto res = ks::derive_secret(provider(), sha256, ms.view(), "res master", h_ch_cfin);
    check_bytes("resumption master secret", res.view(), rfc8448::resumption_master);
    check_bytes("ticket PSK", expand(res.view(), "resumption", rfc8448::ticket_nonce, 32), rfc8448::resumption_psk);
}

BOOST_AUTO_TEST_CASE(trace_records_open_under_the_derived_keys)
{
    // Every protected record of the trace opens under the keys above at its
    // per-direction sequence number (RFC 8446 §5.3), so the values part 2
    // expects from the engine are consistent with each other.
    auto server_hs = trace_protection(rfc8448::server_hs_key, rfc8448::server_hs_iv);
    auto flight = open_record(server_hs, rfc8448::server_flight_record);
    BOOST_TEST_REQUIRE(!flight.ec);
    BOOST_TEST(flight.type == wire::content_type::handshake);
    check_bytes("server flight", flight.plaintext,
                cat({rfc8448::encrypted_extensions, rfc8448::certificate, rfc8448::certificate_verify,
                     rfc8448::server_finished}));

    auto client_hs = trace_protection(rfc8448::client_hs_key, rfc8448::client_hs_iv);
    auto fin = open_record(client_hs, rfc8448::client_finished_record);
    BOOST_TEST_REQUIRE(!fin.ec);
    BOOST_TEST(fin.type == wire::content_type::handshake);
    check_bytes("client Finished", fin.plaintext, rfc8448::client_finished);

    auto server_ap = trace_protection(rfc8448::server_ap_key, rfc8448::server_ap_iv);
    auto nst = open_record(server_ap, rfc8448::new_session_ticket_record);
    BOOST_TEST_REQUIRE(!nst.ec);
    BOOST_TEST(nst.type == wire::content_type::handshake);
    check_bytes("NewSessionTicket", nst.plaintext, rfc8448::new_session_ticket);
    auto sdata = open_record(server_ap, rfc8448::server_application_record);
    BOOST_TEST_REQUIRE(!sdata.ec);
    BOOST_TEST(sdata.type == wire::content_type::application_data);
    check_bytes("server application data", sdata.plaintext, rfc8448::application_data);
    auto salert = open_record(server_ap, rfc8448::server_alert_record);
    BOOST_TEST_REQUIRE(!salert.ec);
    BOOST_TEST(salert.type == wire::content_type::alert);
    check_bytes("server close_notify", salert.plaintext, rfc8448::close_notify);

    auto client_ap = trace_protection(rfc8448::client_ap_key, rfc8448::client_ap_iv);
    auto cdata = open_record(client_ap, rfc8448::client_application_record);
    BOOST_TEST_REQUIRE(!cdata.ec);
    BOOST_TEST(cdata.type == wire::content_type::application_data);
    check_bytes("client application data", cdata.plaintext, rfc8448::application_data);
    auto calert = open_record(client_ap, rfc8448::client_alert_record);
    BOOST_TEST_REQUIRE(!calert.ec);
    BOOST_TEST(calert.type == wire::content_type::alert);
    check_bytes("client close_notify", calert.plaintext, rfc8448::close_notify);

    // The payload is the 50 octets 00..31.
    BOOST_TEST_REQUIRE(rfc8448::application_data.size() == 50u);
    for (std::size_t i = 0; i < 50; ++i)
        BOOST_TEST(std::to_integer<std::size_t>(rfc8448::application_data[i]) == i);
}

BOOST_AUTO_TEST_CASE(trace_certificate_and_certificate_verify)
{
    // The embedded certificate and key are the trace's: the certificate is
    // the Certificate message's only entry, and the trace's CertificateVerify
    // (rsa_pss_rsae_sha256) verifies under it over the RFC 8446 §4.4.3
    // content. Part 3 relies on this check of the signature content.
    check_bytes("certificate in the Certificate message",
                std::span(rfc8448::certificate).subspan(11, rfc8448::server_certificate_der.size()),
                rfc8448::server_certificate_der);
    error_code ec;
    auto cert = crypto::certificate::parse_der(rfc8448::server_certificate_der, ec);
    BOOST_TEST_REQUIRE(!ec);
    BOOST_TEST((cert.public_key_type() == crypto::key_type::rsa));
    auto key = crypto::private_key::parse(crypto::mbedtls_provider(), 
        rfc8448::server_key_der(), file_format::asn1, {}, ec);
    BOOST_TEST_REQUIRE(!ec);
    BOOST_TEST(key.matches(cert), "the §2 RSA key is the certificate's");

    const auto& cv = rfc8448::certificate_verify;
    BOOST_TEST_REQUIRE(get_be(cv, 4, 2) == 0x0804u); // rsa_pss_rsae_sha256
    const auto sig = std::span(cv).subspan(8, get_be(cv, 6, 2));
    const auto content = server_signed_content(
        sha256_of({rfc8448::client_hello, rfc8448::server_hello, rfc8448::encrypted_extensions,
                   rfc8448::certificate}));
    BOOST_TEST(cert.verify_signature(crypto::mbedtls_provider(), signature_scheme::rsa_pss_rsae_sha256, content, sig));
    // And not over any other content (the check can fail).
    auto wrong = content;
    wrong.back() ^= std::byte{1};
    BOOST_TEST(!cert.verify_signature(crypto::mbedtls_provider(), signature_scheme::rsa_pss_rsae_sha256, wrong, sig));
}

BOOST_AUTO_TEST_SUITE_END()

// ===================================================================== part 2

BOOST_AUTO_TEST_SUITE(engine_as_client)

BOOST_AUTO_TEST_CASE(replays_the_simple_1rtt_handshake)
{
    context ctx;
    ctx.set_min_version(tls_version::tls13);
    ctx.set_max_version(tls_version::tls13);
    // The trace offers 1301, 1303, 1302 in that order.
    ctx.set_cipher_suites({cipher_suite::tls_aes_128_gcm_sha256, cipher_suite::tls_chacha20_poly1305_sha256,
                           cipher_suite::tls_aes_256_gcm_sha384});
    ctx.set_groups({named_group::x25519});
    // The trace's legacy_session_id is empty and nobody sends a dummy
    // change_cipher_spec: no middlebox compatibility mode (RFC 8446 §D.4).
    ctx.set_middlebox_compat(false);
    // The trace's certificate is self-signed (and expired on 2026-07-30).
    ctx.set_verify_mode(verify_none);

    secret_map secrets;
    auto hooks = trace_hooks(rfc8448::client_random, rfc8448::client_private, secrets);
    bool edited = false;
    hooks.edit_client_hello = [&edited](std::vector<std::byte>& ch) {
        edited = true;
        // Our ClientHello cannot carry NSS's extensions (ffdhe groups, SHA-1
        // and PKCS#1 schemes, record_size_limit, session_ticket, ...), so the
        // trace's replaces it. First make sure the replacement changes only
        // extensions: same random, same key share, same (empty) session id.
        const auto own = parse_client_hello(ch);
        check_bytes("engine's ClientHello random", own.random, rfc8448::client_random);
        BOOST_TEST(own.session_id.empty(), "legacy_session_id must be empty without compatibility mode");
        BOOST_TEST(own.has_x25519_share, "engine's ClientHello has no x25519 key share");
        check_bytes("engine's ClientHello x25519 key share", own.x25519_share, rfc8448::client_public);
        ch = rfc8448::client_hello;
    };

    engine client(ctx, role::client, hooks);
    client.set_host_name("server");
    client.start_handshake();
    BOOST_TEST_REQUIRE(edited, "edit_client_hello was not called");
    BOOST_TEST(!client.failed(), client.error().message());
    // {client} send handshake record: the ClientHello record, legacy_record_version 0x0301 (RFC 8446 §5.1).
    check_bytes("ClientHello record", drain(client), rfc8448::client_hello_record);

    // {server} ServerHello record; nothing to answer yet (no dummy CCS, §D.4).
    feed_all(client, rfc8448::server_hello_record);
    BOOST_TEST_REQUIRE(!client.failed(), client.error().message());
    check_bytes("output after ServerHello", drain(client), byte_vec{});
    // Handshake traffic secrets are known once ServerHello is in (RFC 8446 §7.1).
    check_secret(secrets, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", rfc8448::client_hs_traffic);
    check_secret(secrets, "SERVER_HANDSHAKE_TRAFFIC_SECRET", rfc8448::server_hs_traffic);

    // {server} EncryptedExtensions..Finished; {client} answers with its Finished.
    feed_all(client, rfc8448::server_flight_record);
    BOOST_TEST_REQUIRE(!client.failed(), client.error().message());
    check_bytes("client Finished record", drain(client), rfc8448::client_finished_record);

    BOOST_TEST_REQUIRE(client.handshake_done());
    BOOST_TEST(client.is_open());
    const auto& info = client.info();
    BOOST_TEST(info.version == tls_version::tls13);
    BOOST_TEST(info.suite == cipher_suite::tls_aes_128_gcm_sha256);
    BOOST_TEST(info.group == named_group::x25519);
    BOOST_TEST(!info.hello_retry);
    BOOST_TEST(info.server_name == "server");
    BOOST_TEST_REQUIRE(info.peer_certificates.size() == 1u);
    check_bytes("peer certificate", info.peer_certificates.front(), rfc8448::server_certificate_der);

    check_secret(secrets, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", rfc8448::client_hs_traffic);
    check_secret(secrets, "SERVER_HANDSHAKE_TRAFFIC_SECRET", rfc8448::server_hs_traffic);
    check_secret(secrets, "CLIENT_TRAFFIC_SECRET_0", rfc8448::client_ap_traffic);
    check_secret(secrets, "SERVER_TRAFFIC_SECRET_0", rfc8448::server_ap_traffic);
    check_secret(secrets, "EXPORTER_SECRET", rfc8448::exporter_master);
    // RFC 8446 §7.5 from the trace's exporter_master_secret; the expected
    // bytes come from OpenSSL's HKDF (`openssl kdf ... mode:EXPAND_ONLY HKDF`)
    // and Python's hmac, both fed the HkdfLabel bytes written out by hand.
    byte_vec exported(32);
    error_code ec;
    client.export_keying_material("EXPERIMENTAL mtls", exported, ec);
    BOOST_TEST(!ec, ec.message());
    check_bytes("exporter, no context", exported,
                hex("539440e6e06f4074e2fa5755a369e4e7f5ea2382d2a36994002c4dbfbdfa53eb"));
    client.export_keying_material("EXPERIMENTAL mtls", text("abc"), exported, ec);
    BOOST_TEST(!ec, ec.message());
    check_bytes("exporter, context \"abc\"", exported,
                hex("8adaf8d7a600af8eddfcb8fa3cbc9a867431c0548f7ce02d70f93e661d9764f2"));

    // {server} NewSessionTicket: mtls does not resume, so it is accepted and
    // dropped (RFC 8446 §4.6.1 lets clients ignore tickets).
    feed_all(client, rfc8448::new_session_ticket_record);
    BOOST_TEST_REQUIRE(!client.failed(), client.error().message());
    BOOST_TEST(client.plaintext().empty());
    check_bytes("output after NewSessionTicket", drain(client), byte_vec{});

    // {server} send application_data record: 50 octets 00..31.
    feed_all(client, rfc8448::server_application_record);
    BOOST_TEST_REQUIRE(!client.failed(), client.error().message());
    check_bytes("server application data", client.plaintext(), rfc8448::application_data);
    client.consume_plaintext(client.plaintext().size());

    // {client} send application_data record: the same 50 octets, sequence 0
    // under the client application key.
    BOOST_TEST(client.write(rfc8448::application_data) == rfc8448::application_data.size());
    check_bytes("client application data record", drain(client), rfc8448::client_application_record);

    // {client} send alert record: close_notify.
    client.close();
    BOOST_TEST(client.closed_for_writing());
    check_bytes("client close_notify record", drain(client), rfc8448::client_alert_record);

    // {server} send alert record: close_notify.
    feed_all(client, rfc8448::server_alert_record);
    BOOST_TEST(client.peer_closed());
    BOOST_TEST(!client.failed(), client.error().message());
    BOOST_TEST(client.plaintext().empty());
}

BOOST_AUTO_TEST_CASE(rejects_a_tampered_server_flight)
{
    // Controls for the replay above: the client really checks the server's
    // flight. One flipped bit in the CertificateVerify signature (RFC 8446
    // §4.4.3) or in the Finished verify_data (§4.4.4), re-sealed under the
    // trace's key, must end the handshake with a decrypt_error alert.
    for (const bool in_finished : {false, true}) {
        BOOST_TEST_CONTEXT((in_finished ? "Finished" : "CertificateVerify") << " tampered")
        {
            context ctx;
            ctx.set_min_version(tls_version::tls13);
            ctx.set_max_version(tls_version::tls13);
            ctx.set_cipher_suites({cipher_suite::tls_aes_128_gcm_sha256,
                                   cipher_suite::tls_chacha20_poly1305_sha256,
                                   cipher_suite::tls_aes_256_gcm_sha384});
            ctx.set_groups({named_group::x25519});
            ctx.set_middlebox_compat(false);
            ctx.set_verify_mode(verify_none);

            secret_map secrets;
                    auto hooks = trace_hooks(rfc8448::client_random, rfc8448::client_private, secrets);
            hooks.edit_client_hello = [](std::vector<std::byte>& ch) { ch = rfc8448::client_hello; };
            engine client(ctx, role::client, hooks);
            client.set_host_name("server");
            client.start_handshake();
            drain(client);
            feed_all(client, rfc8448::server_hello_record);
            BOOST_TEST_REQUIRE(!client.failed(), client.error().message());

            auto cv = rfc8448::certificate_verify;
            auto fin = rfc8448::server_finished;
            (in_finished ? fin : cv).back() ^= std::byte{0x01};
            auto sealer = trace_protection(rfc8448::server_hs_key, rfc8448::server_hs_iv);
            feed_all(client, seal_record(sealer, wire::content_type::handshake,
                                         cat({rfc8448::encrypted_extensions, rfc8448::certificate, cv, fin})));
            BOOST_TEST(client.failed());
            BOOST_TEST(!client.handshake_done());
            BOOST_TEST(!secrets.contains("CLIENT_TRAFFIC_SECRET_0"));

            // The alert: in the clear or under the client handshake key.
            const auto out = drain(client);
            BOOST_TEST_REQUIRE(out.size() >= 7u);
            byte_vec alert;
            if (std::to_integer<unsigned>(out[0]) == 21u) {
                alert = byte_vec(out.begin() + 5, out.end());
            } else {
                auto opener = trace_protection(rfc8448::client_hs_key, rfc8448::client_hs_iv);
                auto r = open_record(opener, out);
                BOOST_TEST_REQUIRE(!r.ec, r.ec.message());
                BOOST_TEST(r.type == wire::content_type::alert);
                alert = r.plaintext;
            }
            check_bytes("alert", alert, hex("0233")); // fatal(2), decrypt_error(51)
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

// ===================================================================== part 3

BOOST_AUTO_TEST_SUITE(engine_as_server)

BOOST_AUTO_TEST_CASE(answers_the_trace_client_hello)
{
    context ctx;
    ctx.use_certificate_chain(rfc8448::server_certificate_der, file_format::asn1);
    ctx.use_private_key(rfc8448::server_key_der(), file_format::asn1);
    ctx.set_min_version(tls_version::tls13);
    ctx.set_max_version(tls_version::tls13);
    ctx.set_verify_mode(verify_none);

    secret_map secrets;
    engine server(ctx, role::server,
                  trace_hooks(rfc8448::server_random, rfc8448::server_private, secrets));
    server.start_handshake();
    feed_all(server, rfc8448::client_hello_record);
    BOOST_TEST_REQUIRE(!server.failed(), server.error().message());

    const auto records = split_records(drain(server));
    BOOST_TEST_REQUIRE(records.size() >= 2u);
    // {server} send handshake record: ServerHello, byte for byte (random and
    // key share from the hooks; 1301 chosen; extensions key_share then
    // supported_versions as in the trace).
    check_bytes("ServerHello record", records[0], rfc8448::server_hello_record);
    check_secret(secrets, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", rfc8448::client_hs_traffic);
    check_secret(secrets, "SERVER_HANDSHAKE_TRAFFIC_SECRET", rfc8448::server_hs_traffic);

    std::size_t next = 1;
    // The client's legacy_session_id is empty, so the server need not send a
    // dummy change_cipher_spec (the trace's does not); it may (RFC 8446 §D.4:
    // "Either side can send change_cipher_spec at any time during the
    // handshake"), but only right after ServerHello and only the dummy one.
    if (std::to_integer<unsigned>(records[next][0]) == 20u) {
        BOOST_TEST_MESSAGE("server sent a dummy change_cipher_spec after ServerHello (the trace's does not)");
        check_bytes("dummy change_cipher_spec", records[next], hex("140303000101"));
        ++next;
    }

    // The rest is protected under the trace's server handshake key and IV:
    // the ServerHello fixed every input of the handshake secret.
    auto opener = trace_protection(rfc8448::server_hs_key, rfc8448::server_hs_iv);
    byte_vec flight;
    for (; next < records.size(); ++next) {
        BOOST_TEST_CONTEXT("protected record " << next)
        {
            BOOST_TEST_REQUIRE(std::to_integer<unsigned>(records[next][0]) == 23u); // §5.2: opaque_type
            auto r = open_record(opener, records[next]);
            BOOST_TEST_REQUIRE(!r.ec, r.ec.message());
            BOOST_TEST_REQUIRE(r.type == wire::content_type::handshake);
            flight.insert(flight.end(), r.plaintext.begin(), r.plaintext.end());
        }
    }
    const auto messages = split_messages(flight);
    // RFC 8446 §2 / §4.3-4.4: EncryptedExtensions, Certificate,
    // CertificateVerify, Finished; no CertificateRequest with verify_none.
    BOOST_TEST_REQUIRE(messages.size() == 4u);
    BOOST_TEST(messages[0].type == 8u);
    BOOST_TEST(messages[1].type == 11u);
    BOOST_TEST(messages[2].type == 15u);
    BOOST_TEST(messages[3].type == 20u);
    // EncryptedExtensions cannot equal the trace's: NSS answers supported_groups
    // and record_size_limit, which mtls does not implement. Check its framing.
    const auto& ee = messages[0].whole;
    BOOST_TEST_REQUIRE(ee.size() >= 6u);
    BOOST_TEST(get_be(ee, 4, 2) == ee.size() - 6);

    // {server} construct a Certificate handshake message: identical.
    check_bytes("Certificate", messages[1].whole, rfc8448::certificate);

    // CertificateVerify: RSA-PSS is randomised (RFC 8017 §9.1), so the
    // signature cannot equal the trace's; it must verify under the
    // certificate over Transcript-Hash(CH..Certificate) (RFC 8446 §4.4.3).
    const auto& cv = messages[2].whole;
    BOOST_TEST_REQUIRE(cv.size() >= 8u);
    BOOST_TEST(get_be(cv, 4, 2) == 0x0804u); // rsa_pss_rsae_sha256, as in the trace
    BOOST_TEST_REQUIRE(get_be(cv, 6, 2) == cv.size() - 8);
    error_code ec;
    auto cert = crypto::certificate::parse_der(rfc8448::server_certificate_der, ec);
    BOOST_TEST_REQUIRE(!ec);
    const auto h_ch_cert = sha256_of({rfc8448::client_hello, rfc8448::server_hello, ee, messages[1].whole});
    BOOST_TEST(cert.verify_signature(crypto::mbedtls_provider(), signature_scheme::rsa_pss_rsae_sha256, server_signed_content(h_ch_cert),
                                     std::span(cv).subspan(8)),
               "CertificateVerify does not verify");

    // Finished: verify_data over Transcript-Hash(CH..CertificateVerify) with the
    // trace's server handshake traffic secret (RFC 8446 §4.4.4).
    const auto h_ch_cv = sha256_of({rfc8448::client_hello, rfc8448::server_hello, ee, messages[1].whole, cv});
    const auto s_fin = ks::finished_verify_data(provider(), sha256, rfc8448::server_hs_traffic, h_ch_cv);
    check_bytes("server Finished", messages[3].whole, cat({hex("14000020"), to_vec(s_fin.view())}));

    // Complete the handshake as the trace's client would: its Finished over
    // this server's transcript, under the trace's client handshake key.
    const auto h_ch_sfin =
        sha256_of({rfc8448::client_hello, rfc8448::server_hello, ee, messages[1].whole, cv, messages[3].whole});
    const auto c_fin = ks::finished_verify_data(provider(), sha256, rfc8448::client_hs_traffic, h_ch_sfin);
    auto client_hs = trace_protection(rfc8448::client_hs_key, rfc8448::client_hs_iv);
    feed_all(server, seal_record(client_hs, wire::content_type::handshake,
                                 cat({hex("14000020"), to_vec(c_fin.view())})));
    BOOST_TEST_REQUIRE(!server.failed(), server.error().message());
    BOOST_TEST_REQUIRE(server.handshake_done());
    BOOST_TEST(server.info().version == tls_version::tls13);
    BOOST_TEST(server.info().suite == cipher_suite::tls_aes_128_gcm_sha256);
    BOOST_TEST(server.info().group == named_group::x25519);
    BOOST_TEST(!server.info().hello_retry);
    BOOST_TEST(server.info().server_name == "server");

    // The master secret is the trace's (it depends only on the handshake
    // secret); the application secrets follow this server's transcript.
    const auto c_ap = ks::derive_secret(provider(), sha256, rfc8448::master_secret, "c ap traffic", h_ch_sfin);
    const auto s_ap = ks::derive_secret(provider(), sha256, rfc8448::master_secret, "s ap traffic", h_ch_sfin);
    check_secret(secrets, "CLIENT_TRAFFIC_SECRET_0", to_vec(c_ap.view()));
    check_secret(secrets, "SERVER_TRAFFIC_SECRET_0", to_vec(s_ap.view()));
    check_secret(secrets, "EXPORTER_SECRET",
                 to_vec(ks::derive_secret(provider(), sha256, rfc8448::master_secret, "exp master", h_ch_sfin).view()));

    // The trace's 50 application bytes reach the server under the client
    // application key.
    drain(server);
    const auto c_ap_keys = ks::traffic_keys(provider(), aead_alg::aes_128_gcm, sha256, c_ap.view());
    auto client_ap = record::protection(crypto::mbedtls_provider(), aead_alg::aes_128_gcm, c_ap_keys.key.view(), c_ap_keys.iv.view(),
                                        record::nonce_scheme::tls13);
    feed_all(server, seal_record(client_ap, wire::content_type::application_data, rfc8448::application_data));
    BOOST_TEST_REQUIRE(!server.failed(), server.error().message());
    check_bytes("application data at the server", server.plaintext(), rfc8448::application_data);
}

BOOST_AUTO_TEST_SUITE_END()
