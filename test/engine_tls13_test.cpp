// mtls::engine, TLS 1.3 client against server in memory: every suite and
// group with and without client certificates, the server key types and their
// signature schemes, HelloRetryRequest, version negotiation between 1.2 and
// 1.3, middlebox compatibility, a client certificate refused after the client
// finished, and zero-length application data (KeyUpdate:
// engine_tls13_key_update_test.cpp). A tls13_observer decrypts the
// records in transit with the secrets the engines log, so the tests also see
// what is inside the protected records.

#define BOOST_TEST_MODULE engine_tls13
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "support/bytes.hpp"
#include "support/certs.hpp"
#include "support/checks.hpp"
#include "support/key_log.hpp"
#include "support/messages.hpp"
#include "support/pump.hpp"
#include "support/records.hpp"
#include "support/tls13_observer.hpp"

#include "crypto/pki.hpp"
#include "wire/messages.hpp"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <vector>

using namespace mtls;
using namespace mtls::test;
namespace data = boost::unit_test::data;

namespace {

const std::vector<cipher_suite> tls13_suites{
    cipher_suite::tls_aes_128_gcm_sha256,
    cipher_suite::tls_aes_256_gcm_sha384,
    cipher_suite::tls_chacha20_poly1305_sha256,
};

const std::vector<named_group> all_groups{named_group::x25519, named_group::secp256r1, named_group::secp384r1};

/// The signature scheme of a CertificateVerify message (RFC 8446 §4.4.3).
signature_scheme scheme_of(const bytes& certificate_verify)
{
    return static_cast<signature_scheme>(get16(certificate_verify, handshake_header_size));
}

/// Entries of a TLS 1.3 Certificate message's certificate_list (RFC 8446 §4.4.2).
std::size_t certificate_entries(const bytes& certificate)
{
    std::size_t off = handshake_header_size;
    off += 1 + std::to_integer<std::size_t>(certificate.at(off)); // certificate_request_context
    const std::size_t end = off + 3 + get24(certificate, off);
    off += 3;
    std::size_t n = 0;
    while (off < end) {
        off += 3 + get24(certificate, off); // cert_data
        off += 2 + get16(certificate, off); // extensions
        ++n;
    }
    return n;
}

/// The groups of the KeyShareEntry list of a ClientHello (RFC 8446 §4.2.8).
std::vector<named_group> key_share_groups(const bytes& client_hello)
{
    std::vector<named_group> out;
    auto ks = extension_data(client_hello, ext::key_share);
    if (!ks)
        return out;
    std::size_t off = 2;
    while (off + 4 <= ks->size()) {
        out.push_back(static_cast<named_group>(get16(*ks, off)));
        off += 4 + get16(*ks, off + 2);
    }
    return out;
}

std::size_t count_type(const std::vector<std::uint8_t>& types, std::uint8_t t)
{
    return static_cast<std::size_t>(std::count(types.begin(), types.end(), t));
}

/// Checks what both ends report after a TLS 1.3 handshake.
void check_info(engine_pair& p, cipher_suite suite, named_group group, bool hello_retry, bool client_cert)
{
    for (engine* e : {&p.client, &p.server}) {
        BOOST_TEST_CONTEXT((e == &p.client ? "client" : "server"))
        {
            const auto& i = e->info();
            BOOST_TEST(i.version == tls_version::tls13);
            BOOST_TEST(i.suite == suite);
            BOOST_TEST(i.group == group);
            BOOST_TEST(i.hello_retry == hello_retry);
            BOOST_TEST(e->is_open());
        }
    }
    check_peers(p, client_cert);
}

/// Types of the handshake messages in direction `d` up to the sender's Finished.
std::vector<int> handshake_flow(const tls13_observer& obs, direction d)
{
    std::vector<int> out;
    for (const auto& m : obs.in(d).handshake) {
        out.push_back(message_type(m));
        if (message_type(m) == msg::finished)
            break;
    }
    return out;
}

const std::map<cipher_suite, std::string> iana_names{
    {cipher_suite::tls_aes_128_gcm_sha256, "TLS_AES_128_GCM_SHA256"},
    {cipher_suite::tls_aes_256_gcm_sha384, "TLS_AES_256_GCM_SHA384"},
    {cipher_suite::tls_chacha20_poly1305_sha256, "TLS_CHACHA20_POLY1305_SHA256"},
};

} // namespace

// ===========================================================================
BOOST_AUTO_TEST_SUITE(handshake)

BOOST_DATA_TEST_CASE(every_suite_and_group,
                     data::make(tls13_suites) * data::make(all_groups) *
                         data::make({std::string("none"), std::string("client-ecdsa"), std::string("client-rsa")}),
                     suite, group, client_cred)
{
    const bool client_cert = client_cred != "none";
    // An RSA client certificate goes with an RSA server key: RSA-PSS both ways.
    const std::string server_cred = client_cred == "client-rsa" ? "server-rsa" : "server-ecdsa";
    auto server_ctx = client_cert ? server_context_requiring_client_cert(server_cred) : server_context(server_cred);
    if (!client_cert)
        server_ctx.set_verify_mode(verify_none);
    auto client_ctx = client_context(client_cert ? client_cred : "");
    for (context* ctx : {&client_ctx, &server_ctx}) {
        ctx->set_cipher_suites({suite});
        ctx->set_groups({group});
    }
    observed_pair op(client_ctx, server_ctx);
    auto& p = op.pair;

    MTLS_REQUIRE_HANDSHAKE(p);
    check_info(p, suite, group, false, client_cert);
    // The secrets the engines log decrypt what they sent (RFC 8446 §7.3).
    BOOST_TEST(op.obs.clean(), op.obs.problems());
    BOOST_TEST((op.obs.suite() == std::optional<cipher_suite>(suite)));

    // RFC 8446 §2 (Figure 1), §4.3.1: EncryptedExtensions first under the
    // handshake keys; §4.3.2: CertificateRequest only when the server asks;
    // §4.4.2, §4.4.3: the client then answers with its certificate and proof.
    const std::vector<int> server_flow =
        client_cert ? std::vector<int>{msg::server_hello, msg::encrypted_extensions, msg::certificate_request,
                                       msg::certificate, msg::certificate_verify, msg::finished}
                    : std::vector<int>{msg::server_hello, msg::encrypted_extensions, msg::certificate,
                                       msg::certificate_verify, msg::finished};
    const std::vector<int> client_flow =
        client_cert ? std::vector<int>{msg::client_hello, msg::certificate, msg::certificate_verify, msg::finished}
                    : std::vector<int>{msg::client_hello, msg::finished};
    BOOST_TEST(handshake_flow(op.obs, direction::to_client) == server_flow, boost::test_tools::per_element());
    BOOST_TEST(handshake_flow(op.obs, direction::to_server) == client_flow, boost::test_tools::per_element());
    const auto client_certs = op.obs.messages(direction::to_server, msg::certificate);
    if (client_cert && client_certs.size() == 1u)
        BOOST_TEST(certificate_entries(client_certs[0]) == 1u);
    if (client_cred == "client-rsa") {
        // RFC 8446 §4.2.3: RSA keys sign handshake messages with RSASSA-PSS.
        for (auto d : {direction::to_client, direction::to_server}) {
            auto cv = op.obs.messages(d, msg::certificate_verify);
            BOOST_TEST_REQUIRE(cv.size() == 1u);
            const auto s = scheme_of(cv[0]);
            BOOST_TEST((s == signature_scheme::rsa_pss_rsae_sha256 || s == signature_scheme::rsa_pss_rsae_sha384 ||
                        s == signature_scheme::rsa_pss_rsae_sha512),
                       d << ": scheme 0x" << std::hex << static_cast<unsigned>(s));
        }
    }

    const auto c2s = pattern(40000, 1), s2c = pattern(3000, 2);
    BOOST_TEST(p.exchange(c2s, s2c));
    BOOST_TEST(p.exchange(pattern(1, 3), pattern(0, 4)));
    BOOST_TEST(op.obs.clean(), op.obs.problems());
    // What the observer decrypted is what the engines delivered.
    bytes c2s_all = c2s, s2c_all = s2c;
    c2s_all.push_back(pattern(1, 3)[0]);
    BOOST_TEST((op.obs.in(direction::to_server).data == c2s_all));
    BOOST_TEST((op.obs.in(direction::to_client).data == s2c_all));
}

BOOST_DATA_TEST_CASE(server_key_types_and_signature_schemes,
                     data::make({std::string("server-ecdsa"), std::string("server-p384"), std::string("server-rsa")}),
                     server_cred)
{
    // RFC 8446 §4.2.3: in TLS 1.3 an ECDSA scheme names the curve (P-256
    // signs with ecdsa_secp256r1_sha256, P-384 with ecdsa_secp384r1_sha384)
    // and RSA keys sign with RSASSA-PSS (rsa_pss_rsae_*), never PKCS #1 v1.5.
    const std::map<std::string, std::vector<signature_scheme>> expected{
        {"server-ecdsa", {signature_scheme::ecdsa_secp256r1_sha256}},
        {"server-p384", {signature_scheme::ecdsa_secp384r1_sha384}},
        {"server-rsa",
         {signature_scheme::rsa_pss_rsae_sha256, signature_scheme::rsa_pss_rsae_sha384,
          signature_scheme::rsa_pss_rsae_sha512}},
    };
    observed_pair op(only_tls13(client_context("client-ecdsa")),
                     only_tls13(server_context_requiring_client_cert(server_cred)));
    auto& p = op.pair;
    MTLS_REQUIRE_HANDSHAKE(p);
    BOOST_TEST(p.client.info().version == tls_version::tls13);
    BOOST_TEST(contains(p.client.info().peer_subject, "CN=localhost"));
    BOOST_TEST(contains(p.server.info().peer_subject, "CN=mtls test client"));
    BOOST_TEST(op.obs.clean(), op.obs.problems());

    auto server_cv = op.obs.messages(direction::to_client, msg::certificate_verify);
    BOOST_TEST_REQUIRE(server_cv.size() == 1u);
    const auto& allowed = expected.at(server_cred);
    const auto scheme = scheme_of(server_cv[0]);
    BOOST_TEST((std::find(allowed.begin(), allowed.end(), scheme) != allowed.end()),
               "server signed with " << to_string(scheme) << " (0x" << std::hex << static_cast<unsigned>(scheme)
                                     << ")");
    auto client_cv = op.obs.messages(direction::to_server, msg::certificate_verify);
    BOOST_TEST_REQUIRE(client_cv.size() == 1u);
    BOOST_TEST((scheme_of(client_cv[0]) == signature_scheme::ecdsa_secp256r1_sha256));
    BOOST_TEST(p.exchange(pattern(100), pattern(200)));
}

BOOST_AUTO_TEST_CASE(optional_client_certificate_absent)
{
    // verify_peer alone: the server asks, the client has nothing to send.
    // RFC 8446 §4.4.2: it sends an empty Certificate, and no
    // CertificateVerify (§4.4.3: only with a certificate).
    auto server_ctx = server_context();
    server_ctx.set_verify_mode(verify_peer);
    observed_pair op(client_context(), server_ctx);
    auto& p = op.pair;
    MTLS_REQUIRE_HANDSHAKE(p);
    BOOST_TEST_REQUIRE(p.server.info().version == tls_version::tls13);
    BOOST_TEST(op.obs.clean(), op.obs.problems());
    BOOST_TEST(op.obs.messages(direction::to_client, msg::certificate_request).size() == 1u);
    const std::vector<int> client_flow{msg::client_hello, msg::certificate, msg::finished};
    BOOST_TEST(handshake_flow(op.obs, direction::to_server) == client_flow, boost::test_tools::per_element());
    const auto certs = op.obs.messages(direction::to_server, msg::certificate);
    BOOST_TEST_REQUIRE(certs.size() == 1u);
    BOOST_TEST(certificate_entries(certs[0]) == 0u);
    BOOST_TEST(p.server.info().peer_certificates.empty());
    BOOST_TEST(p.server.info().peer_subject.empty());
    BOOST_TEST(p.exchange(pattern(100, 1), pattern(100, 2)));
}

BOOST_AUTO_TEST_CASE(certificate_request_names_schemes_and_authorities)
{
    // RFC 8446 §4.3.2: an empty context in the handshake and
    // signature_algorithms; §4.2.4: certificate_authorities names the trust
    // anchors, so a client with several credentials could pick.
    observed_pair op(client_context("client-ecdsa"), server_context_requiring_client_cert());
    MTLS_REQUIRE_HANDSHAKE(op.pair);
    const auto requests = op.obs.messages(direction::to_client, msg::certificate_request);
    BOOST_TEST_REQUIRE(requests.size() == 1u);
    wire::certificate_request13 cr;
    BOOST_TEST_REQUIRE(!wire::parse_certificate_request13(std::span(requests[0]).subspan(4), cr));
    BOOST_TEST(cr.request_context.empty());
    BOOST_TEST_REQUIRE(cr.ext.signature_schemes.has_value());
    const auto& schemes = *cr.ext.signature_schemes;
    BOOST_TEST((std::find(schemes.begin(), schemes.end(), signature_scheme::ecdsa_secp256r1_sha256) != schemes.end()));
    BOOST_TEST((std::find(schemes.begin(), schemes.end(), signature_scheme::rsa_pss_rsae_sha256) != schemes.end()));
    BOOST_TEST_REQUIRE(cr.ext.authorities.has_value());
    error_code ec;
    std::ifstream in(cert_path("ca.pem"), std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto pem = std::as_bytes(std::span(text.data(), text.size() + 1)); // mbedTLS wants the NUL
    const auto anchors = crypto::certificate::parse_all(pem, file_format::pem, ec);
    BOOST_TEST_REQUIRE(!ec);
    BOOST_TEST_REQUIRE(cr.ext.authorities->size() == anchors.size());
    for (std::size_t i = 0; i < anchors.size(); ++i) {
        const auto want = anchors[i].subject_der();
        const auto got = (*cr.ext.authorities)[i];
        BOOST_TEST(std::equal(got.begin(), got.end(), want.begin(), want.end()));
    }
}

BOOST_AUTO_TEST_CASE(rsa_pkcs1_is_not_used_for_certificate_verify)
{
    // RFC 8446 §4.2.3: rsa_pkcs1_* "refer solely to signatures which appear
    // in certificates" and are not defined for signed TLS 1.3 handshake
    // messages. A client accepting nothing else leaves an RSA server without
    // a usable scheme: §4.1.1, abort with handshake_failure.
    auto client_ctx = only_tls13(client_context());
    client_ctx.set_signature_schemes({signature_scheme::rsa_pkcs1_sha256, signature_scheme::rsa_pkcs1_sha384,
                                      signature_scheme::rsa_pkcs1_sha512, signature_scheme::ecdsa_secp256r1_sha256});
    engine_pair p(client_ctx, only_tls13(server_context("server-rsa")));
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.server, error::no_shared_signature_scheme, p.client, alert::handshake_failure);
    BOOST_TEST(!p.client.handshake_done());
}

BOOST_AUTO_TEST_CASE(ecdsa_scheme_is_bound_to_the_curve)
{
    // RFC 8446 §4.2.3: a P-384 key cannot sign with ecdsa_secp256r1_sha256 in
    // TLS 1.3 (TLS 1.2 allowed any hash with any curve).
    auto client_ctx = only_tls13(client_context());
    client_ctx.set_signature_schemes({signature_scheme::ecdsa_secp256r1_sha256});
    engine_pair p(client_ctx, only_tls13(server_context("server-p384")));
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.server, error::no_shared_signature_scheme, p.client, alert::handshake_failure);
}

BOOST_AUTO_TEST_CASE(default_contexts_negotiate_tls13)
{
    engine_pair p(client_context(), server_context());
    MTLS_REQUIRE_HANDSHAKE(p);
    for (engine* e : {&p.client, &p.server}) {
        BOOST_TEST_CONTEXT((e == &p.client ? "client" : "server"))
        {
            const auto& i = e->info();
            BOOST_TEST(i.version == tls_version::tls13);
            BOOST_TEST(to_string(i.version) == "TLSv1.3");
            BOOST_TEST_REQUIRE(iana_names.count(i.suite) == 1u, "not a TLS 1.3 suite: " << to_string(i.suite));
            BOOST_TEST(to_string(i.suite) == iana_names.at(i.suite));
            BOOST_TEST((to_string(i.group) == "x25519" || to_string(i.group) == "secp256r1" ||
                        to_string(i.group) == "secp384r1"),
                       to_string(i.group));
            BOOST_TEST(!i.hello_retry);
        }
    }
    BOOST_TEST(p.client.info().suite == p.server.info().suite);
    BOOST_TEST(p.client.info().group == p.server.info().group);
    BOOST_TEST(p.exchange(pattern(100, 1), pattern(100, 2)));
}

BOOST_AUTO_TEST_CASE(zero_length_application_data)
{
    // RFC 8446 §5.1: zero-length fragments of application data may be sent
    // (a traffic analysis countermeasure); they carry no plaintext.
    observed_pair op(client_context(), server_context());
    auto& p = op.pair;
    MTLS_REQUIRE_HANDSHAKE(p);
    BOOST_TEST_REQUIRE(p.server.info().version == tls_version::tls13);

    for (auto d : {direction::to_client, direction::to_server}) {
        BOOST_TEST_CONTEXT(d)
        {
            engine& from = p.sender(d);
            engine& to = p.receiver(d);
            p.received(d).clear();
            BOOST_TEST_REQUIRE(!from.prepare_record().empty());
            from.seal_record(0);
            BOOST_TEST_REQUIRE(p.pump());
            BOOST_TEST(p.received(d).empty());
            BOOST_TEST(!to.failed(), describe(to.error()));
            BOOST_TEST(!from.failed(), describe(from.error()));
            BOOST_TEST(to.is_open());
            // It went out as one protected application data record, empty inside.
            BOOST_TEST(op.obs.in(d).empty_data_records == 1u);
            BOOST_TEST((op.obs.in(d).inner_types.back() == content::application_data));
        }
    }
    BOOST_TEST(op.obs.clean(), op.obs.problems());
    BOOST_TEST(p.exchange(pattern(500, 1), pattern(600, 2)));
}

BOOST_AUTO_TEST_SUITE_END()

// ===========================================================================
BOOST_AUTO_TEST_SUITE(hello_retry)

BOOST_DATA_TEST_CASE(server_asks_for_its_group, data::make({0, 1}), which)
{
    // The client sends a key share for its first group only; the server
    // supports only the second. RFC 8446 §4.1.4: it answers with a
    // HelloRetryRequest naming that group.
    const std::vector<named_group> client_groups =
        which == 0 ? std::vector{named_group::x25519, named_group::secp256r1}
                   : std::vector{named_group::x25519, named_group::secp384r1};
    const named_group server_group = client_groups[1];
    auto client_ctx = only_tls13(client_context("client-ecdsa"));
    client_ctx.set_groups(client_groups);
    auto server_ctx = only_tls13(server_context_requiring_client_cert());
    server_ctx.set_groups({server_group});
    observed_pair op(client_ctx, server_ctx);
    auto& p = op.pair;

    MTLS_REQUIRE_HANDSHAKE(p);
    check_info(p, p.client.info().suite, server_group, true, true);
    BOOST_TEST(op.obs.clean(), op.obs.problems());

    const auto hellos = op.obs.messages(direction::to_server, msg::client_hello);
    const auto server_hellos = op.obs.messages(direction::to_client, msg::server_hello);
    BOOST_TEST_REQUIRE(hellos.size() == 2u);
    BOOST_TEST_REQUIRE(server_hellos.size() == 2u);
    // §4.1.3: a HelloRetryRequest is a ServerHello with this special random,
    // and its key_share names the selected group (§4.2.8).
    BOOST_TEST((hello_random(server_hellos[0]) == hello_retry_random()));
    BOOST_TEST((hello_random(server_hellos[1]) != hello_retry_random()));
    auto hrr_share = extension_data(server_hellos[0], ext::key_share);
    BOOST_TEST_REQUIRE(hrr_share.has_value());
    BOOST_TEST_REQUIRE(hrr_share->size() == 2u);
    BOOST_TEST((static_cast<named_group>(get16(*hrr_share, 0)) == server_group));
    // §4.1.2: the second ClientHello replaces the shares with a single one for
    // the indicated group, and otherwise repeats the first (same random and
    // legacy_session_id).
    BOOST_TEST((key_share_groups(hellos[0]) == std::vector<named_group>{client_groups[0]}));
    BOOST_TEST((key_share_groups(hellos[1]) == std::vector<named_group>{server_group}));
    BOOST_TEST((hello_random(hellos[0]) == hello_random(hellos[1])));
    BOOST_TEST((hello_session_id(hellos[0]) == hello_session_id(hellos[1])));
    // §D.4: middlebox compatibility still means one ChangeCipherSpec each
    // way, the server's right after its first handshake message (the HRR).
    BOOST_TEST(count_type(op.obs.in(direction::to_server).outer_types, content::change_cipher_spec) == 1u);
    BOOST_TEST(count_type(op.obs.in(direction::to_client).outer_types, content::change_cipher_spec) == 1u);
    BOOST_TEST_REQUIRE(op.obs.in(direction::to_client).outer_types.size() >= 2u);
    BOOST_TEST(op.obs.in(direction::to_client).outer_types[1] == content::change_cipher_spec);

    BOOST_TEST(p.exchange(pattern(5000, 1), pattern(7000, 2)));
}

BOOST_DATA_TEST_CASE(input_in_small_pieces, data::make({std::size_t{1}, std::size_t{5}, std::size_t{100}}), piece)
{
    // Records and handshake messages reassembled from arbitrary pieces, across
    // a HelloRetryRequest, RSA client authentication and a key update, give
    // the same result as whole flights.
    auto client_ctx = only_tls13(client_context("client-rsa"));
    client_ctx.set_groups({named_group::x25519, named_group::secp384r1});
    client_ctx.set_cipher_suites({cipher_suite::tls_chacha20_poly1305_sha256});
    auto server_ctx = only_tls13(server_context_requiring_client_cert("server-rsa"));
    server_ctx.set_groups({named_group::secp384r1});
    observed_pair op(client_ctx, server_ctx);
    auto& p = op.pair;
    p.feed_size = piece;
    MTLS_REQUIRE_HANDSHAKE(p);
    check_info(p, cipher_suite::tls_chacha20_poly1305_sha256, named_group::secp384r1, true, true);
    BOOST_TEST(p.exchange(pattern(40000, 5), pattern(33000, 6)));
    BOOST_TEST(p.server.update_keys(true));
    BOOST_TEST(p.exchange(pattern(20000, 7), pattern(20000, 8)));
    BOOST_TEST(op.client_log.last_number("CLIENT_TRAFFIC_SECRET_") == 1);
    BOOST_TEST(op.server_log.last_number("SERVER_TRAFFIC_SECRET_") == 1);
    BOOST_TEST(op.obs.clean(), op.obs.problems());
    p.client.close();
    BOOST_TEST_REQUIRE(p.pump());
    BOOST_TEST(p.server.peer_closed());
    BOOST_TEST(!p.server.failed(), describe(p.server.error()));
}

BOOST_AUTO_TEST_CASE(no_common_group)
{
    // RFC 8446 §4.1.1: no group in common (and none to ask for with a
    // HelloRetryRequest, §4.1.4) aborts with handshake_failure.
    auto client_ctx = only_tls13(client_context());
    client_ctx.set_groups({named_group::x25519});
    auto server_ctx = only_tls13(server_context());
    server_ctx.set_groups({named_group::secp384r1});
    observed_pair op(client_ctx, server_ctx);
    auto& p = op.pair;
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.server, error::no_shared_group, p.client, alert::handshake_failure);
    BOOST_TEST(op.obs.messages(direction::to_client, msg::server_hello).empty());
    BOOST_TEST(!p.client.handshake_done());
    BOOST_TEST(!p.server.handshake_done());
}

BOOST_AUTO_TEST_SUITE_END()

// ===========================================================================
BOOST_AUTO_TEST_SUITE(versions)

namespace {

// 0: TLS 1.2 only, 1: TLS 1.3 only, 2: both.
const char* const version_set_names[] = {"1.2 only", "1.3 only", "1.2 and 1.3"};

void restrict_versions(context& ctx, int set)
{
    ctx.set_min_version(set == 1 ? tls_version::tls13 : tls_version::tls12);
    ctx.set_max_version(set == 0 ? tls_version::tls12 : tls_version::tls13);
}

} // namespace

BOOST_DATA_TEST_CASE(negotiation_matrix, data::make({0, 1, 2}) * data::make({0, 1, 2}), client_set, server_set)
{
    BOOST_TEST_MESSAGE("client " << version_set_names[client_set] << ", server " << version_set_names[server_set]);
    auto client_ctx = client_context();
    restrict_versions(client_ctx, client_set);
    auto server_ctx = server_context();
    restrict_versions(server_ctx, server_set);
    std::optional<bytes> client_hello, server_hello;
    engine_pair p(client_ctx, server_ctx);
    p.tamper = [&](flight& f) {
        auto& hello = f.dir == direction::to_server ? client_hello : server_hello;
        const auto type = f.dir == direction::to_server ? msg::client_hello : msg::server_hello;
        for (auto& r : f.records)
            if (r.type == content::handshake && !hello)
                for (auto& m : messages_of(r))
                    if (message_type(m) == type)
                        hello = m;
    };

    const bool client_12 = client_set != 1, client_13 = client_set != 0;
    const bool server_12 = server_set != 1, server_13 = server_set != 0;
    const bool common_13 = client_13 && server_13;
    const bool common_12 = client_12 && server_12;

    p.start();
    BOOST_TEST_REQUIRE(p.pump());
    BOOST_TEST_REQUIRE(client_hello.has_value());
    // RFC 8446 §4.1.2: legacy_version 0x0303; §4.2.1: a client offering 1.3
    // lists every version it would negotiate in supported_versions, most
    // preferred first.
    BOOST_TEST(get16(*client_hello, handshake_header_size) == 0x0303u);
    if (client_13) {
        auto sv = extension_data(*client_hello, ext::supported_versions);
        BOOST_TEST_REQUIRE(sv.has_value());
        bytes want{std::byte(client_12 ? 4 : 2), std::byte{0x03}, std::byte{0x04}};
        if (client_12) {
            want.push_back(std::byte{0x03});
            want.push_back(std::byte{0x03});
        }
        BOOST_TEST((*sv == want));
    }

    if (common_13 || common_12) {
        // RFC 8446 §4.2.1: the highest version both support.
        const auto want = common_13 ? tls_version::tls13 : tls_version::tls12;
        BOOST_TEST_REQUIRE(p.handshake_ok(),
                           "client: " << describe(p.client.error()) << "; server: " << describe(p.server.error()));
        BOOST_TEST(p.client.info().version == want);
        BOOST_TEST(p.server.info().version == want);
        BOOST_TEST_REQUIRE(server_hello.has_value());
        // §4.1.3: legacy_version stays 0x0303; 1.3 is chosen in
        // supported_versions, which a server choosing 1.2 must not send (§4.2.1).
        BOOST_TEST(get16(*server_hello, handshake_header_size) == 0x0303u);
        auto sv = extension_data(*server_hello, ext::supported_versions);
        if (want == tls_version::tls13) {
            BOOST_TEST_REQUIRE(sv.has_value());
            BOOST_TEST((*sv == bytes{std::byte{0x03}, std::byte{0x04}}));
        } else {
            BOOST_TEST(!sv.has_value());
        }
        if (want == tls_version::tls12 && server_13) {
            // §4.1.3: a TLS 1.3 server negotiating 1.2 ends its random with
            // "DOWNGRD" 01, which a 1.2-only client accepts.
            const auto random = hello_random(*server_hello);
            const bytes sentinel{std::byte{0x44}, std::byte{0x4F}, std::byte{0x57}, std::byte{0x4E},
                                 std::byte{0x47}, std::byte{0x52}, std::byte{0x44}, std::byte{0x01}};
            BOOST_TEST((bytes(random.end() - 8, random.end()) == sentinel));
        }
        BOOST_TEST(p.exchange(pattern(300, 1), pattern(400, 2)));
        return;
    }

    // No version in common: RFC 8446 §4.2.1 / RFC 5246 §E.1, protocol_version.
    BOOST_TEST(!p.handshake_ok());
    BOOST_TEST(!p.client.handshake_done());
    BOOST_TEST(!p.server.handshake_done());
    const bool server_detected = describe(p.server.error()) == describe(make_error_code(error::protocol_version));
    if (!client_13) {
        // A 1.2-only ClientHello has no supported_versions: only the server
        // can see the mismatch.
        BOOST_TEST(server_detected, "server: " << describe(p.server.error()));
    }
    BOOST_TEST_MESSAGE("detected by the " << (server_detected ? "server" : "client") << ": "
                                          << describe(server_detected ? p.server.error() : p.client.error()));
    if (server_detected)
        MTLS_CHECK_FAILURE(p.server, error::protocol_version, p.client, alert::protocol_version);
    else
        MTLS_CHECK_FAILURE(p.client, error::protocol_version, p.server, alert::protocol_version);
    for (engine* e : {&p.client, &p.server}) {
        const std::string m = e->error().message();
        BOOST_TEST(!m.empty());
        BOOST_TEST(contains(m, "version"), "message: " << m);
    }
}

BOOST_AUTO_TEST_SUITE_END()

// ===========================================================================
BOOST_AUTO_TEST_SUITE(middlebox_compatibility)

BOOST_DATA_TEST_CASE(session_id_and_change_cipher_spec, data::make({true, false}), compat)
{
    auto client_ctx = client_context("client-ecdsa");
    auto server_ctx = server_context_requiring_client_cert();
    client_ctx.set_middlebox_compat(compat);
    server_ctx.set_middlebox_compat(compat);
    observed_pair op(client_ctx, server_ctx);
    auto& p = op.pair;
    MTLS_REQUIRE_HANDSHAKE(p);
    BOOST_TEST_REQUIRE(p.client.info().version == tls_version::tls13);
    BOOST_TEST(op.obs.clean(), op.obs.problems());

    const auto ch = op.obs.messages(direction::to_server, msg::client_hello);
    const auto sh = op.obs.messages(direction::to_client, msg::server_hello);
    BOOST_TEST_REQUIRE(ch.size() == 1u);
    BOOST_TEST_REQUIRE(sh.size() == 1u);
    // RFC 8446 §D.4 and §4.1.2: in compatibility mode the client sends a new
    // 32-byte legacy_session_id; otherwise an empty one. §4.1.3: the server
    // echoes it either way.
    const auto sid = hello_session_id(ch[0]);
    BOOST_TEST(sid.size() == (compat ? 32u : 0u));
    BOOST_TEST((hello_session_id(sh[0]) == sid));

    // §5.1: every record says 0x0303, but the first ClientHello's may say
    // 0x0301; after the hellos everything is protected (outer type 23).
    for (auto d : {direction::to_server, direction::to_client}) {
        const auto& log = p.log(d);
        for (std::size_t i = 0; i < log.size(); ++i) {
            const bool first = d == direction::to_server && i == 0;
            BOOST_TEST((log[i].version == 0x0303 || (first && log[i].version == 0x0301)),
                       d << " record " << i << " version 0x" << std::hex << log[i].version);
            BOOST_TEST((log[i].type == content::application_data || log[i].type == content::change_cipher_spec ||
                        (i == 0 && log[i].type == content::handshake)),
                       d << " record " << i << " of type " << int(log[i].type));
        }
    }

    // §D.4: one dummy ChangeCipherSpec each way, the server's right after
    // its ServerHello, the client's right before its encrypted flight; §5:
    // its body is the single byte 0x01. None without compatibility mode.
    for (auto d : {direction::to_server, direction::to_client}) {
        BOOST_TEST_CONTEXT(d)
        {
            const auto& log = p.log(d);
            std::vector<std::size_t> ccs;
            for (std::size_t i = 0; i < log.size(); ++i)
                if (log[i].type == content::change_cipher_spec)
                    ccs.push_back(i);
            BOOST_TEST_REQUIRE(ccs.size() == (compat ? 1u : 0u));
            if (!compat)
                continue;
            BOOST_TEST((log[ccs[0]].body == bytes{std::byte{0x01}}));
            auto first_protected =
                std::find_if(log.begin(), log.end(), [](const record& r) { return r.type == content::application_data; });
            BOOST_TEST_REQUIRE((first_protected != log.end()));
            BOOST_TEST(static_cast<std::size_t>(first_protected - log.begin()) == ccs[0] + 1);
            if (d == direction::to_client)
                BOOST_TEST(ccs[0] == 1u); // record 0 holds the ServerHello
        }
    }
    BOOST_TEST(p.exchange(pattern(2000, 1), pattern(2000, 2)));
}

BOOST_AUTO_TEST_CASE(change_cipher_spec_after_finished)
{
    // RFC 8446 §5: a ChangeCipherSpec after the peer's Finished is an
    // unexpected record: unexpected_message.
    engine_pair p(client_context(), server_context());
    MTLS_REQUIRE_HANDSHAKE(p);
    BOOST_TEST_REQUIRE(p.client.info().version == tls_version::tls13);
    const bytes one{std::byte{0x01}};
    p.inject(direction::to_server, make_record(content::change_cipher_spec, one));
    BOOST_TEST_REQUIRE(p.pump());
    BOOST_TEST(p.server.failed());
    BOOST_TEST(describe(p.client.error()) == describe(make_error_code(alert::unexpected_message)));
    const bool ours = p.server.error().category() == error_category();
    BOOST_TEST_REQUIRE(ours, describe(p.server.error()));
    BOOST_TEST((alert_for(static_cast<error>(p.server.error().value())) == alert::unexpected_message),
               describe(p.server.error()));
}

BOOST_AUTO_TEST_SUITE_END()

// ===========================================================================
BOOST_AUTO_TEST_SUITE(client_certificate_refused)

namespace {

/// Runs a handshake the server refuses after the client's last flight; true
/// when the client reported completion while that flight was in transit,
/// i.e. before the server could answer it.
bool client_done_before_verdict(observed_pair& op)
{
    auto& p = op.pair;
    std::optional<bool> done_in_transit;
    p.tamper = [&](flight& f) {
        op.obs.see(f);
        // The client's second flight: (ChangeCipherSpec,) Certificate,
        // CertificateVerify, Finished.
        if (f.dir == direction::to_server && f.index == 1)
            done_in_transit = p.client.handshake_done() && !p.client.failed();
    };
    BOOST_TEST(!p.handshake());
    BOOST_TEST_REQUIRE(done_in_transit.has_value());
    return *done_in_transit;
}

} // namespace

BOOST_AUTO_TEST_CASE(no_certificate)
{
    // RFC 8446 §4.4.2.4: a server requiring client authentication may abort
    // with certificate_required when the client's Certificate is empty. In
    // TLS 1.3 the client has finished by then (§2: its Finished ends its
    // handshake), so it learns of the refusal from its next read.
    observed_pair op(only_tls13(client_context()), only_tls13(server_context_requiring_client_cert()));
    auto& p = op.pair;
    BOOST_TEST(client_done_before_verdict(op));
    BOOST_TEST(p.client.handshake_done());
    BOOST_TEST(!p.server.handshake_done());
    MTLS_CHECK_FAILURE(p.server, error::peer_certificate_required, p.client, alert::certificate_required);
    const std::string m = p.client.error().message();
    BOOST_TEST((contains(m, "certificate") && contains(m, "requir")), "client error message: " << m);
    BOOST_TEST(!p.client.is_open());

    // The client's Certificate was empty (§4.4.2), and the alert came
    // protected under the server's application secret (it had sent Finished).
    auto certs = op.obs.messages(direction::to_server, msg::certificate);
    BOOST_TEST_REQUIRE(certs.size() == 1u);
    BOOST_TEST(certificate_entries(certs[0]) == 0u);
    BOOST_TEST(op.obs.clean(), op.obs.problems());
    const auto& alerts = op.obs.in(direction::to_client).alerts;
    BOOST_TEST_REQUIRE(alerts.size() == 1u);
    BOOST_TEST(alerts[0].first == 2);
    BOOST_TEST(alerts[0].second == static_cast<int>(alert::certificate_required));
    BOOST_TEST((op.obs.in(direction::to_client).inner_types.back() == content::alert));
}

BOOST_AUTO_TEST_CASE(untrusted_certificate)
{
    observed_pair op(only_tls13(client_context("client-untrusted")),
                     only_tls13(server_context_requiring_client_cert()));
    auto& p = op.pair;
    BOOST_TEST(client_done_before_verdict(op));
    BOOST_TEST(!p.server.handshake_done());
    MTLS_CHECK_FAILURE(p.server, error::certificate_untrusted, p.client, alert::unknown_ca);
    const std::string m = p.client.error().message();
    BOOST_TEST((contains(m, "certificate") || contains(m, "CA")), "client error message: " << m);
    BOOST_TEST(op.obs.clean(), op.obs.problems());
    const auto& alerts = op.obs.in(direction::to_client).alerts;
    BOOST_TEST_REQUIRE(alerts.size() == 1u);
    BOOST_TEST(alerts[0].second == static_cast<int>(alert::unknown_ca));
}

BOOST_AUTO_TEST_SUITE_END()
