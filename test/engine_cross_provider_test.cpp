// mtls::engine with one end on each crypto provider (issue 14): a client
// doing its cryptography with mbedTLS against a server doing it with
// OpenSSL's libcrypto, the reverse, and OpenSSL against itself as the
// same-provider baseline. Every cipher suite, group and signature scheme of
// both versions is negotiated, with and without a client certificate; the
// ends must agree on what was negotiated, verify each other and carry data
// both ways. Refusals (untrusted, forged or misnamed certificates) and
// tampered signatures and Finished messages must end with the same error
// and alert whichever provider detects them. A last case shows that the
// provider asked for is the one that signs.
//
// The rows are chosen, not a cartesian product: each value of each dimension
// appears in at least one row (a suite with and without a client
// certificate), and every row runs over every provider pair, so each value
// is crossed in both directions.
//
// Skipped, not failed, in a build without the OpenSSL provider.

#define BOOST_TEST_MODULE engine_cross_provider
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "support/bytes.hpp"
#include "support/certs.hpp"
#include "support/checks.hpp"
#include "support/messages.hpp"
#include "support/pump.hpp"
#include "support/records.hpp"
#include "support/tls13_bad_input.hpp"
#include "support/tls13_mitm.hpp"
#include "support/tls13_observer.hpp"

#include <mtls/context.hpp>
#include <mtls/engine.hpp>
#include <mtls/types.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

using namespace mtls;
using namespace mtls::test;
namespace data = boost::unit_test::data;
namespace utf = boost::unit_test;

namespace {

constexpr auto to_server = direction::to_server;
constexpr auto to_client = direction::to_client;

// ------------------------------------------------------------ providers

struct provider_pair {
    crypto_provider client;
    crypto_provider server;
};

std::ostream& operator<<(std::ostream& os, const provider_pair& p)
{
    return os << "client " << to_string(p.client) << ", server " << to_string(p.server);
}

constexpr auto mbedtls = crypto_provider::mbedtls;
constexpr auto openssl = crypto_provider::openssl;

/// One end on each provider, both ways, and OpenSSL on both ends.
const std::vector<provider_pair> provider_pairs{{mbedtls, openssl}, {openssl, mbedtls}, {openssl, openssl}};

/// Skips the suite in a build without the OpenSSL provider.
struct openssl_built {
    boost::test_tools::assertion_result operator()(utf::test_unit_id) const
    {
        boost::test_tools::assertion_result r(available(openssl));
        r.message() << "this build has no OpenSSL provider";
        return r;
    }
};

/// A context on provider `p` speaking version `v` only, trusting ca.pem,
/// with credential `name` unless it is empty.
context provider_context(crypto_provider p, tls_version v, const std::string& name)
{
    context ctx{p};
    // A context that ignored its argument would run both ends on one provider.
    BOOST_TEST_REQUIRE((ctx.provider() == p), "context(" << to_string(p) << ").provider() is "
                                                         << to_string(ctx.provider()));
    ctx.set_min_version(v);
    ctx.set_max_version(v);
    if (!name.empty())
        use_credential(ctx, name);
    ctx.load_verify_file(cert_path("ca.pem"));
    return ctx;
}

/// What a verify callback saw: (depth, preverified) per certificate, anchor
/// first. Copies share one list.
struct verify_log {
    std::shared_ptr<std::vector<std::pair<int, bool>>> seen = std::make_shared<std::vector<std::pair<int, bool>>>();

    void install(context& ctx) const
    {
        ctx.set_verify_callback([seen = seen](bool preverified, verify_context& vc) {
            seen->emplace_back(vc.depth(), preverified);
            return preverified;
        });
    }
};

/// The peer's chain was verified: the callback saw the anchor (depth 1)
/// and then the peer's certificate (depth 0), both accepted by mtls's own
/// checks (signatures by the provider, dates, key usage, host name).
void check_verified(const verify_log& log, const char* who)
{
    const std::vector<std::pair<int, bool>> want{{1, true}, {0, true}};
    BOOST_TEST((*log.seen == want), who << " verify callback saw " << log.seen->size() << " certificates");
}

// ------------------------------------------------------------ wire

/// The first message of `type` in the plaintext handshake records sent in
/// direction `d` (TLS 1.2: everything up to ChangeCipherSpec).
std::optional<bytes> plaintext_message(engine_pair& p, direction d, std::uint8_t type)
{
    for (const auto& r : p.log(d))
        if (r.type == content::handshake && !r.encrypted)
            for (auto& m : messages_of(r))
                if (message_type(m) == type)
                    return m;
    return std::nullopt;
}

/// RFC 8422 §5.4: ServerKeyExchange is curve_type (1), named_curve (2),
/// the point with a 1-byte length, then the signature: scheme (2), length
/// (2), signature. Offsets in the whole message.
std::size_t ske_signature_at(const bytes& ske)
{
    return handshake_header_size + 3 + 1 + std::to_integer<std::size_t>(ske.at(handshake_header_size + 3));
}

/// The scheme of a signature (TLS 1.2's DigitallySigned, RFC 5246 §4.7,
/// or TLS 1.3's CertificateVerify, RFC 8446 §4.4.3) starting at `at`.
signature_scheme scheme_at(const bytes& m, std::size_t at)
{
    return static_cast<signature_scheme>(get16(m, at));
}

/// The signature bytes of a DigitallySigned at `at`.
bytes signature_at(const bytes& m, std::size_t at)
{
    const auto begin = m.begin() + static_cast<std::ptrdiff_t>(at + 4);
    return bytes(begin, begin + static_cast<std::ptrdiff_t>(get16(m, at + 2)));
}

/// Changes a byte near the end of the first certificate in a Certificate
/// message (the last INTEGER of the issuer's ECDSA signature): the
/// certificate still parses but its signature no longer verifies. TLS 1.3
/// adds a certificate_request_context before the list (RFC 8446 §4.4.2).
void forge_first_certificate(bytes& m, tls_version v)
{
    std::size_t at = handshake_header_size;
    if (v == tls_version::tls13)
        at += 1 + std::to_integer<std::size_t>(m.at(at));
    at += 3; // certificate_list length
    const std::size_t end = at + 3 + get24(m, at);
    m.at(end - 3) ^= std::byte{0x01};
}

// ------------------------------------------------------------ the matrix

/// One negotiated combination. Each end lists the scheme it signs with and
/// the one the peer must sign with (set_signature_schemes), its own first:
/// an end signs with the first scheme of its list that the peer also lists
/// and its key can make.
struct row {
    tls_version version;
    cipher_suite suite;
    named_group group;
    std::string server_cred;
    signature_scheme server_scheme;
    /// Empty: the server asks for no certificate.
    std::string client_cred;
    signature_scheme client_scheme;
};

std::ostream& operator<<(std::ostream& os, const row& r)
{
    os << to_string(r.version) << " " << to_string(r.suite) << " " << to_string(r.group) << ", server "
       << r.server_cred << " " << to_string(r.server_scheme) << ", client ";
    if (r.client_cred.empty())
        return os << "without certificate";
    return os << r.client_cred << " " << to_string(r.client_scheme);
}

constexpr auto tls12 = tls_version::tls12;
constexpr auto tls13 = tls_version::tls13;
using cs = cipher_suite;
using ng = named_group;
using ss = signature_scheme;

// TLS 1.3 (RFC 8446 §4.2.3): ECDSA schemes name the curve, so each EC key
// signs with its own curve's scheme; RSA keys sign with PSS only.
const std::vector<row> tls13_rows{
    {tls13, cs::tls_aes_128_gcm_sha256, ng::x25519, "server-ecdsa", ss::ecdsa_secp256r1_sha256, "client-ecdsa",
     ss::ecdsa_secp256r1_sha256},
    {tls13, cs::tls_aes_128_gcm_sha256, ng::secp384r1, "server-rsa", ss::rsa_pss_rsae_sha512, "", {}},
    {tls13, cs::tls_aes_256_gcm_sha384, ng::secp256r1, "server-p384", ss::ecdsa_secp384r1_sha384, "client-rsa",
     ss::rsa_pss_rsae_sha256},
    {tls13, cs::tls_aes_256_gcm_sha384, ng::x25519, "server-rsa", ss::rsa_pss_rsae_sha256, "", {}},
    {tls13, cs::tls_aes_256_gcm_sha384, ng::x25519, "server-p384", ss::ecdsa_secp384r1_sha384, "client-rsa",
     ss::rsa_pss_rsae_sha384},
    {tls13, cs::tls_chacha20_poly1305_sha256, ng::secp384r1, "server-rsa", ss::rsa_pss_rsae_sha384, "client-rsa",
     ss::rsa_pss_rsae_sha512},
    {tls13, cs::tls_chacha20_poly1305_sha256, ng::secp256r1, "server-ecdsa", ss::ecdsa_secp256r1_sha256, "", {}},
    {tls13, cs::tls_aes_256_gcm_sha384, ng::secp384r1, "server-ecdsa", ss::ecdsa_secp256r1_sha256, "client-p384",
     ss::ecdsa_secp384r1_sha384},
};

// TLS 1.2: ECDSA suites with an EC server key, RSA suites with the RSA one;
// an ECDSA scheme names only the hash, so P-256 and P-384 keys sign with
// either (RFC 5246 §7.4.1.4.1); PKCS #1 v1.5 is allowed for handshake
// signatures.
const std::vector<row> tls12_rows{
    {tls12, cs::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256, ng::x25519, "server-ecdsa", ss::ecdsa_secp256r1_sha256,
     "client-ecdsa", ss::ecdsa_secp256r1_sha256},
    {tls12, cs::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256, ng::secp384r1, "server-p384", ss::ecdsa_secp384r1_sha384, "",
     {}},
    {tls12, cs::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256, ng::secp256r1, "server-ecdsa", ss::ecdsa_secp256r1_sha256,
     "client-rsa", ss::rsa_pkcs1_sha384},
    {tls12, cs::tls_ecdhe_ecdsa_with_aes_256_gcm_sha384, ng::secp256r1, "server-p384", ss::ecdsa_secp384r1_sha384,
     "client-rsa", ss::rsa_pkcs1_sha256},
    {tls12, cs::tls_ecdhe_ecdsa_with_aes_256_gcm_sha384, ng::x25519, "server-ecdsa", ss::ecdsa_secp256r1_sha256, "",
     {}},
    {tls12, cs::tls_ecdhe_ecdsa_with_chacha20_poly1305_sha256, ng::secp384r1, "server-ecdsa",
     ss::ecdsa_secp256r1_sha256, "client-ecdsa", ss::ecdsa_secp384r1_sha384},
    {tls12, cs::tls_ecdhe_ecdsa_with_chacha20_poly1305_sha256, ng::secp256r1, "server-p384",
     ss::ecdsa_secp384r1_sha384, "", {}},
    {tls12, cs::tls_ecdhe_rsa_with_aes_128_gcm_sha256, ng::x25519, "server-rsa", ss::rsa_pkcs1_sha256, "client-rsa",
     ss::rsa_pss_rsae_sha256},
    {tls12, cs::tls_ecdhe_rsa_with_aes_128_gcm_sha256, ng::secp256r1, "server-rsa", ss::rsa_pss_rsae_sha384, "", {}},
    {tls12, cs::tls_ecdhe_rsa_with_aes_256_gcm_sha384, ng::secp384r1, "server-rsa", ss::rsa_pkcs1_sha384,
     "client-rsa", ss::rsa_pkcs1_sha512},
    {tls12, cs::tls_ecdhe_rsa_with_aes_256_gcm_sha384, ng::x25519, "server-rsa", ss::rsa_pss_rsae_sha512, "", {}},
    {tls12, cs::tls_ecdhe_rsa_with_aes_256_gcm_sha384, ng::secp256r1, "server-rsa", ss::rsa_pss_rsae_sha256,
     "client-rsa", ss::rsa_pss_rsae_sha512},
    {tls12, cs::tls_ecdhe_rsa_with_chacha20_poly1305_sha256, ng::secp256r1, "server-rsa", ss::rsa_pkcs1_sha512,
     "client-rsa", ss::rsa_pss_rsae_sha384},
    {tls12, cs::tls_ecdhe_rsa_with_chacha20_poly1305_sha256, ng::secp384r1, "server-rsa", ss::rsa_pss_rsae_sha256, "",
     {}},
};

/// The schemes an end lists: its own first, then the peer's.
std::vector<signature_scheme> scheme_list(signature_scheme own, std::optional<signature_scheme> peer)
{
    std::vector<signature_scheme> out{own};
    if (peer && *peer != own)
        out.push_back(*peer);
    return out;
}

/// The schemes the server and the client signed with, read off the wire
/// (the client's: none when it sent no CertificateVerify).
struct schemes_seen {
    std::optional<signature_scheme> server, client;
};

schemes_seen tls12_schemes(engine_pair& p)
{
    schemes_seen out;
    if (auto ske = plaintext_message(p, to_client, msg::server_key_exchange))
        out.server = scheme_at(*ske, ske_signature_at(*ske));
    if (auto cv = plaintext_message(p, to_server, msg::certificate_verify))
        out.client = scheme_at(*cv, handshake_header_size);
    BOOST_TEST(plaintext_message(p, to_client, msg::certificate_request).has_value() == out.client.has_value(),
               "CertificateRequest sent without a client CertificateVerify, or the reverse");
    return out;
}

schemes_seen tls13_schemes(const tls13_observer& obs)
{
    schemes_seen out;
    const auto server_cv = obs.messages(to_client, msg::certificate_verify);
    const auto client_cv = obs.messages(to_server, msg::certificate_verify);
    BOOST_TEST(server_cv.size() == 1u);
    BOOST_TEST(client_cv.size() <= 1u);
    if (!server_cv.empty())
        out.server = scheme_at(server_cv.front(), handshake_header_size);
    if (!client_cv.empty())
        out.client = scheme_at(client_cv.front(), handshake_header_size);
    BOOST_TEST(obs.messages(to_client, msg::certificate_request).size() == client_cv.size(),
               "CertificateRequest sent without a client CertificateVerify, or the reverse");
    return out;
}

void check_negotiated(engine_pair& p, const row& r)
{
    for (engine* e : {&p.client, &p.server}) {
        BOOST_TEST_CONTEXT((e == &p.client ? "client" : "server"))
        {
            const auto& i = e->info();
            BOOST_TEST(i.version == r.version);
            BOOST_TEST(i.suite == r.suite);
            BOOST_TEST(i.group == r.group);
            BOOST_TEST(!i.resumed);
            BOOST_TEST(e->is_open());
        }
    }
    check_peers(p, !r.client_cred.empty());
}

// ------------------------------------------------------------ tampering

/// What a handshake with something changed in flight ended with.
struct outcome {
    error_code client, server;
    /// The fatal alert each end sent, as read on the wire (decrypted by the
    /// man in the middle in TLS 1.3); -1 for none or an unreadable one.
    int alert_to_server = -1, alert_to_client = -1;
};

/// Runs a handshake between `c` and `s` whose flights pass through `edit`,
/// given a test::flight (TLS 1.2, records as sent) or a mitm::clear_flight
/// (TLS 1.3, decrypted and protected again afterwards).
template <class Edit>
outcome run_edited(const context& c, const context& s, tls_version v, Edit edit, const std::string& host = "localhost")
{
    outcome o;
    if (v == tls12) {
        engine_pair p(c, s);
        p.client.set_host_name(host);
        p.tamper = [&](flight& f) { edit(f); };
        BOOST_TEST(!p.handshake());
        o = {p.client.error(), p.server.error(), last_fatal_alert(p, to_server), last_fatal_alert(p, to_client)};
    } else {
        mitm::mitm_pair mp(c, s);
        mp.pair.client.set_host_name(host);
        mp.mitm.edit = [&](mitm::clear_flight& f) { edit(f); };
        BOOST_TEST(!mp.pair.handshake());
        BOOST_TEST(mp.mitm.clean(), "man in the middle: " << mp.mitm.problems());
        o = {mp.pair.client.error(), mp.pair.server.error(), mp.mitm.last_fatal_alert(to_server),
             mp.mitm.last_fatal_alert(to_client)};
    }
    return o;
}

/// The end `detector` failed with `err` and sent `alrt`, which its peer
/// reports; `wire`: the alert is readable on the wire.
void check_outcome(const outcome& o, role detector, error err, alert alrt, bool wire = true)
{
    const bool by_client = detector == role::client;
    const auto& detected = by_client ? o.client : o.server;
    const auto& told = by_client ? o.server : o.client;
    BOOST_TEST(describe(cause_code(detected)) == describe(make_error_code(err)));
    BOOST_TEST(describe(told) == describe(make_error_code(alrt)));
    if (wire)
        BOOST_TEST((by_client ? o.alert_to_server : o.alert_to_client) == int(alrt));
}

/// Whether the flight `f` is the `index`th in direction `d`.
template <class Flight>
bool is_flight(const Flight& f, direction d, std::size_t index)
{
    return f.dir == d && f.index == index;
}

/// Refusals of the peer's certificate, detected by `detector`'s provider.
struct refusal {
    std::string name;
    std::string server_cred;
    std::string client_cred;
    std::string host;
    bool forge; // change the server certificate's signature in flight
    role detector;
    error err;
    alert alrt;
};

std::ostream& operator<<(std::ostream& os, const refusal& r) { return os << r.name; }

const std::vector<refusal> refusals{
    {"server certificate from an untrusted CA", "server-untrusted", "", "localhost", false, role::client,
     error::certificate_untrusted, alert::unknown_ca},
    {"server certificate with a forged signature", "server-ecdsa", "", "localhost", true, role::client,
     error::certificate_untrusted, alert::unknown_ca},
    {"server certificate for another host", "server-ecdsa", "", "wrong.example", false, role::client,
     error::certificate_host_mismatch, alert::bad_certificate},
    {"client certificate from an untrusted CA", "server-ecdsa", "client-untrusted", "localhost", false,
     role::server, error::certificate_untrusted, alert::unknown_ca},
};

/// What is changed in flight: a signature or a Finished, of either end.
enum class target { server_signature, client_signature, server_finished, client_finished };

std::ostream& operator<<(std::ostream& os, target t)
{
    switch (t) {
    case target::server_signature: return os << "server signature";
    case target::client_signature: return os << "client signature";
    case target::server_finished: return os << "server Finished";
    case target::client_finished: return os << "client Finished";
    }
    return os;
}

const std::vector<target> targets{target::server_signature, target::client_signature, target::server_finished,
                                  target::client_finished};

/// Flips the last byte of `t` in flight: the last byte of a signature, of
/// Finished's verify_data (TLS 1.3, re-protected by the man in the middle),
/// or of the encrypted Finished record's tag (TLS 1.2, whose Finished
/// cannot be decrypted here).
template <class Flight>
void tamper(Flight& f, target t, tls_version v)
{
    const bool server = t == target::server_signature || t == target::server_finished;
    const direction d = server ? to_client : to_server;
    if (t == target::server_signature || t == target::client_signature) {
        // The server signs in its first flight, the client in its second.
        const auto type = t == target::server_signature && v == tls12 ? msg::server_key_exchange
                                                                       : msg::certificate_verify;
        if (is_flight(f, d, server ? 0 : 1))
            BOOST_TEST(f.edit(type, mitm::flip_last_byte));
        return;
    }
    if constexpr (std::is_same_v<Flight, flight>) {
        if (f.dir != d)
            return;
        if (auto i = f.find_record(content::handshake, true))
            f.records[*i].body.back() ^= std::byte{0x01};
    } else {
        if (is_flight(f, d, server ? 0 : 1))
            BOOST_TEST(f.edit(msg::finished, mitm::flip_last_byte));
    }
}

} // namespace

BOOST_AUTO_TEST_SUITE(cross_provider, *utf::precondition(openssl_built{}))

// ===========================================================================
BOOST_DATA_TEST_CASE(handshake_and_data,
                     (data::make(tls13_rows) + data::make(tls12_rows)) * data::make(provider_pairs), r, providers)
{
    const bool client_cert = !r.client_cred.empty();
    auto server_ctx = provider_context(providers.server, r.version, r.server_cred);
    auto client_ctx = provider_context(providers.client, r.version, r.client_cred);
    // The client offers only the suite and group of the row.
    client_ctx.set_cipher_suites({r.suite});
    client_ctx.set_groups({r.group});
    const auto client_scheme = client_cert ? std::optional(r.client_scheme) : std::nullopt;
    server_ctx.set_signature_schemes(scheme_list(r.server_scheme, client_scheme));
    client_ctx.set_signature_schemes(client_cert ? scheme_list(r.client_scheme, r.server_scheme)
                                                 : scheme_list(r.server_scheme, std::nullopt));
    // verify_peer and the host name "localhost" at the client (engine_pair);
    // the server requires a certificate or asks for none.
    server_ctx.set_verify_mode(client_cert ? verify_peer | verify_fail_if_no_peer_cert : verify_none);
    verify_log client_verified, server_verified;
    client_verified.install(client_ctx);
    server_verified.install(server_ctx);

    observed_pair op(client_ctx, server_ctx);
    if (r.version == tls12)
        op.pair.tamper = nullptr; // the observer reads TLS 1.3 only
    auto& p = op.pair;
    MTLS_REQUIRE_HANDSHAKE(p);
    check_negotiated(p, r);
    check_verified(client_verified, "client");
    if (client_cert)
        check_verified(server_verified, "server");
    else
        BOOST_TEST(server_verified.seen->empty());

    const auto seen = r.version == tls12 ? tls12_schemes(p) : tls13_schemes(op.obs);
    BOOST_TEST((seen.server == std::optional(r.server_scheme)), "server signed with "
                                                                     << (seen.server ? to_string(*seen.server) : "none"));
    BOOST_TEST((seen.client == client_scheme), "client signed with "
                                                   << (seen.client ? to_string(*seen.client) : "none"));

    // Records sealed by one provider open with the other, each way: a full
    // record of 2^14 bytes and a short one from the client, records that
    // are not a multiple of the AES block from the server.
    bytes c2s = pattern(max_plaintext + 100, 1), s2c = pattern(3001, 2);
    BOOST_TEST(p.exchange(c2s, s2c));
    const auto c2s_short = pattern(1, 3), s2c_short = pattern(17, 4);
    BOOST_TEST(p.exchange(c2s_short, s2c_short));
    if (r.version == tls13) {
        // The secrets each provider derived decrypt what it sent.
        BOOST_TEST(op.obs.clean(), op.obs.problems());
        c2s.insert(c2s.end(), c2s_short.begin(), c2s_short.end());
        s2c.insert(s2c.end(), s2c_short.begin(), s2c_short.end());
        BOOST_TEST((op.obs.in(to_server).data == c2s));
        BOOST_TEST((op.obs.in(to_client).data == s2c));
    }
}

// ===========================================================================
BOOST_DATA_TEST_CASE(refused_certificates, data::make(refusals) * data::make(versions) * data::make(provider_pairs),
                     r, v, providers)
{
    // The certificate checks are mtls's own over either provider; the
    // provider checks the signatures. The detecting end reports the same
    // error, and sends the same alert, whichever provider it runs on.
    auto server_ctx = provider_context(providers.server, v, r.server_cred);
    auto client_ctx = provider_context(providers.client, v, r.client_cred);
    if (!r.client_cred.empty())
        server_ctx.set_verify_mode(verify_peer | verify_fail_if_no_peer_cert);
    const bool forge = r.forge;
    auto edit = [forge, v](auto& f) {
        if (forge && is_flight(f, to_client, 0))
            BOOST_TEST(f.edit(msg::certificate, [v](bytes& m) { forge_first_certificate(m, v); }));
    };
    const auto o = run_edited(client_ctx, server_ctx, v, edit, r.host);
    check_outcome(o, r.detector, r.err, r.alrt);
}

BOOST_DATA_TEST_CASE(tampered_signatures_and_finished,
                     data::make(targets) * data::make(versions) *
                         data::make({std::string("ecdsa"), std::string("rsa")}) * data::make(provider_pairs),
                     what, v, keys, providers)
{
    // RFC 8446 §4.4.3, §4.4.4 and RFC 5246 §7.4.3, §7.4.8: a signature or
    // Finished that does not verify ends the handshake with decrypt_error.
    // TLS 1.2's Finished is checked here through its record: RFC 5246
    // §6.2.3.3, bad_record_mac.
    auto server_ctx = provider_context(providers.server, v, "server-" + keys);
    auto client_ctx = provider_context(providers.client, v, "client-" + keys);
    server_ctx.set_verify_mode(verify_peer | verify_fail_if_no_peer_cert);
    const auto o = run_edited(client_ctx, server_ctx, v, [what, v](auto& f) { tamper(f, what, v); });

    const bool finished = what == target::server_finished || what == target::client_finished;
    const auto detector =
        what == target::server_signature || what == target::server_finished ? role::client : role::server;
    error err = error::bad_certificate_verify;
    if (finished)
        err = v == tls12 ? error::bad_record_mac : error::bad_finished;
    else if (what == target::server_signature && v == tls12)
        err = error::bad_key_exchange_signature;
    const alert alrt = finished && v == tls12 ? alert::bad_record_mac : alert::decrypt_error;
    // A TLS 1.2 client has sent its ChangeCipherSpec before it reads the
    // server's Finished: its alert is encrypted.
    const bool readable = !(v == tls12 && what == target::server_finished);
    check_outcome(o, detector, err, alrt, readable);
}

// ===========================================================================
BOOST_DATA_TEST_CASE(signatures_come_from_the_provider_asked_for,
                     data::make(provider_pairs) + data::make(std::vector<provider_pair>{{mbedtls, mbedtls}}),
                     providers)
{
    // mbedTLS 2.28 signs ECDSA deterministically (RFC 6979,
    // MBEDTLS_ECDSA_DETERMINISTIC); OpenSSL 3.0 draws a random nonce. With
    // the randoms and ephemeral keys fixed by the test hooks, two TLS 1.2
    // handshakes sign the same ServerKeyExchange content and (when the
    // server's signature is the same) the same client transcript: an
    // mbedTLS signer repeats its signature, an OpenSSL one does not. So a
    // context that did its signing with another provider than asked for
    // fails here; mbedTLS against itself shows the premise holds.
    auto hooks = [](unsigned seed) {
        engine_test_hooks h;
        h.random = [seed](std::span<std::byte> out) {
            const auto b = pattern(out.size(), seed);
            std::copy(b.begin(), b.end(), out.begin());
        };
        h.ephemeral_private_key = [seed](named_group) { return pattern(32, seed + 1); };
        return h;
    };
    struct signed_parts {
        bytes params, server_signature, client_signature;
    };
    auto handshake = [&] {
        auto server_ctx = provider_context(providers.server, tls12, "server-ecdsa");
        auto client_ctx = provider_context(providers.client, tls12, "client-ecdsa");
        server_ctx.set_verify_mode(verify_peer | verify_fail_if_no_peer_cert);
        client_ctx.set_groups({named_group::x25519});
        client_ctx.set_cipher_suites({cipher_suite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256});
        engine_pair p(client_ctx, server_ctx, hooks(10), hooks(20));
        signed_parts out;
        const bool ok = p.handshake();
        BOOST_TEST_REQUIRE(ok, "client: " << describe(p.client.error()) << "; server: " << describe(p.server.error()));
        const auto ske = plaintext_message(p, to_client, msg::server_key_exchange);
        const auto cv = plaintext_message(p, to_server, msg::certificate_verify);
        BOOST_TEST_REQUIRE((ske && cv));
        const auto at = ske_signature_at(*ske);
        // After the header, whose length counts the signature's (a DER ECDSA
        // signature's length varies with its random nonce).
        out.params.assign(ske->begin() + handshake_header_size, ske->begin() + static_cast<std::ptrdiff_t>(at));
        out.server_signature = signature_at(*ske, at);
        out.client_signature = signature_at(*cv, handshake_header_size);
        return out;
    };
    const auto first = handshake();
    const auto second = handshake();
    // The hooks fixed what is signed.
    BOOST_TEST((first.params == second.params));
    const bool server_mbedtls = providers.server == mbedtls;
    BOOST_TEST((first.server_signature == second.server_signature) == server_mbedtls,
               "the server's two signatures are " << (server_mbedtls ? "not " : "") << "the same");
    const bool both_mbedtls = server_mbedtls && providers.client == mbedtls;
    BOOST_TEST((first.client_signature == second.client_signature) == both_mbedtls,
               "the client's two signatures are " << (both_mbedtls ? "not " : "") << "the same");
}

BOOST_AUTO_TEST_SUITE_END()
