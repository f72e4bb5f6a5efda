// mtls::engine, TLS 1.3 client against server in memory: every suite and
// group with and without client certificates, the server key types and their
// signature schemes, HelloRetryRequest, KeyUpdate (asked for, and automatic
// across 64 MiB each way), version negotiation between 1.2 and 1.3,
// middlebox compatibility, a client certificate refused after the client
// finished, and zero-length application data. A tls13_observer decrypts the
// records in transit with the secrets the engines log, so the tests also see
// what is inside the protected records.

#define BOOST_TEST_MODULE engine_tls13
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "engine_pair.hpp"

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

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

context only_tls13(context ctx)
{
    ctx.set_min_version(tls_version::tls13);
    ctx.set_max_version(tls_version::tls13);
    return ctx;
}

/// An engine pair whose engines log their secrets, and an observer that
/// decrypts every record in transit with them.
struct observed_pair {
    observed_pair(const context& client_ctx, const context& server_ctx)
        : pair(client_ctx, server_ctx, client_log.hooks(), server_log.hooks()), obs(client_log, server_log)
    {
        pair.tamper = obs.tamper();
    }

    key_log client_log;
    key_log server_log;
    engine_pair pair;
    tls13_observer obs;
};

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
    const auto& ci = p.client.info();
    BOOST_TEST(!ci.peer_certificates.empty());
    BOOST_TEST(contains(ci.peer_subject, "CN=localhost"), "client sees subject " << ci.peer_subject);
    const auto& si = p.server.info();
    BOOST_TEST(si.server_name == "localhost");
    if (client_cert) {
        BOOST_TEST(si.peer_certificates.size() == 1u);
        BOOST_TEST(contains(si.peer_subject, "CN=mtls test client"), "server sees subject " << si.peer_subject);
    } else {
        BOOST_TEST(si.peer_certificates.empty());
        BOOST_TEST(si.peer_subject.empty());
    }
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

// ===========================================================================
BOOST_AUTO_TEST_SUITE(key_update)

BOOST_AUTO_TEST_CASE(update_keys_is_refused_outside_tls13_connections)
{
    engine_pair p(client_context(), server_context());
    BOOST_TEST(!p.client.update_keys(true)); // no handshake yet
    auto client_ctx = client_context();
    client_ctx.set_max_version(tls_version::tls12);
    engine_pair p12(client_ctx, server_context());
    MTLS_REQUIRE_HANDSHAKE(p12);
    BOOST_TEST(!p12.client.update_keys(true)); // TLS 1.2 has no KeyUpdate
    BOOST_TEST(!p12.server.update_keys(false));
    BOOST_TEST(p12.client.output().empty());
    BOOST_TEST(p12.server.output().empty());
}

BOOST_AUTO_TEST_CASE(requested_and_unrequested_updates)
{
    observed_pair op(client_context("client-ecdsa"), server_context_requiring_client_cert());
    auto& p = op.pair;
    auto& cl = op.client_log;
    auto& sl = op.server_log;
    MTLS_REQUIRE_HANDSHAKE(p);
    BOOST_TEST_REQUIRE(p.client.info().version == tls_version::tls13);
    BOOST_TEST_REQUIRE(cl.last_number("CLIENT_TRAFFIC_SECRET_") == 0);
    BOOST_TEST_REQUIRE(sl.last_number("SERVER_TRAFFIC_SECRET_") == 0);
    const auto& to_server = op.obs.in(direction::to_server);
    const auto& to_client = op.obs.in(direction::to_client);

    // 1. update_not_requested: the client moves to secret 1, the server
    // follows on receipt and does not answer (RFC 8446 §4.6.3).
    BOOST_TEST(p.client.update_keys(false));
    BOOST_TEST(cl.last_number("CLIENT_TRAFFIC_SECRET_") == 1);
    BOOST_TEST_REQUIRE(p.pump());
    BOOST_TEST(!p.server.failed(), describe(p.server.error()));
    BOOST_TEST((sl.find("CLIENT_TRAFFIC_SECRET_1") == cl.find("CLIENT_TRAFFIC_SECRET_1")));
    BOOST_TEST(sl.last_number("SERVER_TRAFFIC_SECRET_") == 0);
    BOOST_TEST((to_server.key_updates == std::vector<int>{0}));
    BOOST_TEST(to_client.key_updates.empty());
    BOOST_TEST(p.exchange(pattern(20000, 1), pattern(20000, 2)));

    // 2. update_requested: §4.6.3, the receiver sends its own KeyUpdate, with
    // update_not_requested, before its next application data record.
    BOOST_TEST(p.client.update_keys(true));
    BOOST_TEST_REQUIRE(p.send(direction::to_server)); // only the KeyUpdate, not yet answered
    p.received(direction::to_client).clear();
    BOOST_TEST(p.server.write(pattern(100, 3)) == 100u);
    BOOST_TEST_REQUIRE(p.pump());
    BOOST_TEST((p.received(direction::to_client) == pattern(100, 3)));
    BOOST_TEST(cl.last_number("CLIENT_TRAFFIC_SECRET_") == 2);
    BOOST_TEST(sl.last_number("SERVER_TRAFFIC_SECRET_") == 1);
    BOOST_TEST((cl.find("SERVER_TRAFFIC_SECRET_1") == sl.find("SERVER_TRAFFIC_SECRET_1")));
    BOOST_TEST((sl.find("CLIENT_TRAFFIC_SECRET_2") == cl.find("CLIENT_TRAFFIC_SECRET_2")));
    BOOST_TEST((to_server.key_updates == std::vector<int>{0, 1}));
    BOOST_TEST((to_client.key_updates == std::vector<int>{0}));
    // The 100 bytes went under the server's new key, after its KeyUpdate.
    BOOST_TEST_REQUIRE(to_client.data_records_per_key.size() == 2u);
    BOOST_TEST(to_client.data_records_per_key[1] == 1u);
    BOOST_TEST(p.exchange(pattern(20000, 4), pattern(20000, 5)));

    // 3. The server asks; the client answers.
    BOOST_TEST(p.server.update_keys(true));
    BOOST_TEST_REQUIRE(p.pump());
    BOOST_TEST(sl.last_number("SERVER_TRAFFIC_SECRET_") == 2);
    BOOST_TEST(cl.last_number("CLIENT_TRAFFIC_SECRET_") == 3);
    BOOST_TEST((sl.find("CLIENT_TRAFFIC_SECRET_3") == cl.find("CLIENT_TRAFFIC_SECRET_3")));
    BOOST_TEST((cl.find("SERVER_TRAFFIC_SECRET_2") == sl.find("SERVER_TRAFFIC_SECRET_2")));
    BOOST_TEST((to_client.key_updates == std::vector<int>{0, 1}));
    BOOST_TEST((to_server.key_updates == std::vector<int>{0, 1, 0}));
    BOOST_TEST(p.exchange(pattern(20000, 6), pattern(20000, 7)));
    BOOST_TEST(op.obs.clean(), op.obs.problems());

    // 4. Not after close.
    p.client.close();
    BOOST_TEST(!p.client.update_keys(true));
    BOOST_TEST_REQUIRE(p.pump());
    BOOST_TEST(p.server.peer_closed());
    BOOST_TEST(!p.server.failed(), describe(p.server.error()));
}

namespace {

bytes key_update_message(int request_update)
{
    bytes m;
    put8(m, msg::key_update);
    put24(m, 1);
    put8(m, static_cast<std::size_t>(request_update));
    return m;
}

} // namespace

BOOST_AUTO_TEST_CASE(invalid_request_update_is_illegal_parameter)
{
    // RFC 8446 §4.6.3: request_update other than 0 or 1 ends the connection
    // with illegal_parameter.
    observed_pair op(client_context(), server_context());
    auto& p = op.pair;
    MTLS_REQUIRE_HANDSHAKE(p);
    BOOST_TEST_REQUIRE(p.client.info().version == tls_version::tls13);
    p.inject(direction::to_server, op.obs.forge(direction::to_server, content::handshake, key_update_message(2)));
    BOOST_TEST_REQUIRE(p.pump());
    MTLS_CHECK_FAILURE(p.server, error::bad_key_update, p.client, alert::illegal_parameter);
    BOOST_TEST(op.server_log.last_number("CLIENT_TRAFFIC_SECRET_") == 0);
}

BOOST_AUTO_TEST_CASE(key_update_must_end_its_record)
{
    // RFC 8446 §5.1: a handshake message that precedes a key change must end
    // at a record boundary; otherwise unexpected_message.
    observed_pair op(client_context(), server_context());
    auto& p = op.pair;
    MTLS_REQUIRE_HANDSHAKE(p);
    BOOST_TEST_REQUIRE(p.client.info().version == tls_version::tls13);
    auto content = key_update_message(0);
    const auto next = key_update_message(0);
    content.insert(content.end(), next.begin(), next.begin() + 2);
    p.inject(direction::to_server, op.obs.forge(direction::to_server, content::handshake, content));
    BOOST_TEST_REQUIRE(p.pump());
    MTLS_CHECK_FAILURE(p.server, error::message_spans_key_change, p.client, alert::unexpected_message);
}

BOOST_AUTO_TEST_CASE(key_update_in_fragments)
{
    // RFC 8446 §5.1: handshake messages may be fragmented across records; a
    // KeyUpdate takes effect once whole, for the records after it.
    observed_pair op(client_context(), server_context());
    auto& p = op.pair;
    MTLS_REQUIRE_HANDSHAKE(p);
    BOOST_TEST_REQUIRE(p.client.info().version == tls_version::tls13);
    const auto ku = key_update_message(0);
    p.inject(direction::to_server,
             op.obs.forge(direction::to_server, content::handshake, std::span(ku).first(2)));
    p.inject(direction::to_server,
             op.obs.forge(direction::to_server, content::handshake, std::span(ku).subspan(2)));
    BOOST_TEST(!p.server.failed(), describe(p.server.error()));
    // The observer moved to the client's next secret; so must the server.
    const auto data = pattern(500, 9);
    p.received(direction::to_server).clear();
    p.inject(direction::to_server, op.obs.forge(direction::to_server, content::application_data, data));
    BOOST_TEST(!p.server.failed(), describe(p.server.error()));
    BOOST_TEST((p.received(direction::to_server) == data));
    BOOST_TEST(op.server_log.last_number("CLIENT_TRAFFIC_SECRET_") == 1);
    BOOST_TEST((op.obs.in(direction::to_server).key_updates == std::vector<int>{0}));
}

BOOST_AUTO_TEST_CASE(padded_records)
{
    // RFC 8446 §5.4: zeros after the content type are padding, removed by the
    // receiver; a record that is only zeros has no content type, and ends
    // the connection with unexpected_message.
    observed_pair op(client_context(), server_context());
    auto& p = op.pair;
    MTLS_REQUIRE_HANDSHAKE(p);
    BOOST_TEST_REQUIRE(p.client.info().version == tls_version::tls13);
    const auto data = pattern(300, 4);
    p.received(direction::to_client).clear();
    p.inject(direction::to_client, op.obs.forge(direction::to_client, content::application_data, data, 1000));
    BOOST_TEST(!p.client.failed(), describe(p.client.error()));
    BOOST_TEST((p.received(direction::to_client) == data));
    // A padded KeyUpdate works the same way.
    p.inject(direction::to_client, op.obs.forge(direction::to_client, content::handshake, key_update_message(0), 7));
    p.inject(direction::to_client, op.obs.forge(direction::to_client, content::application_data, data));
    BOOST_TEST(!p.client.failed(), describe(p.client.error()));
    BOOST_TEST(p.received(direction::to_client).size() == 2 * data.size());

    p.inject(direction::to_client, op.obs.forge(direction::to_client, 0, {}, 20));
    BOOST_TEST_REQUIRE(p.pump());
    MTLS_CHECK_FAILURE(p.client, error::no_inner_content_type, p.server, alert::unexpected_message);
}

namespace {

/// Byte i of a direction's stream: byte i % 4 (little-endian) of the 32-bit
/// word (i / 4) xor `seed`. A counter: lost, repeated or reordered bytes show.
void fill_counter(std::uint32_t seed, std::uint64_t offset, std::byte* out, std::size_t n)
{
    for (std::size_t k = 0; k < n; ++k) {
        const std::uint64_t i = offset + k;
        const std::uint32_t w = static_cast<std::uint32_t>(i / 4) ^ seed;
        out[k] = std::byte(static_cast<std::uint8_t>(w >> (8 * (i % 4))));
    }
}

/// Moves bytes straight between two engines for bulk transfers, without the
/// engine_pair's per-record copies and logs; every byte still passes the
/// observer, and every plaintext byte is checked against the counter pattern.
class bulk_link {
public:
    struct way {
        std::uint32_t seed = 0;
        std::uint64_t sent = 0;
        std::uint64_t received = 0;
        std::optional<std::uint64_t> mismatch; // first wrong byte's offset
        bool stuck = false;                    // the receiver took no input
    };

    bulk_link(engine& client, engine& server, tls13_observer& obs) : client_(client), server_(server), obs_(obs)
    {
        ways_[0].seed = 0x5A5A0000u;
        ways_[1].seed = 0xC3C30000u;
    }

    way& in(direction d) { return ways_[d == direction::to_server ? 0 : 1]; }

    /// The sender of `d` writes one chunk of its stream, up to `total`.
    void write_chunk(direction d, std::uint64_t total)
    {
        auto& w = in(d);
        const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk_.size(), total - w.sent));
        if (n == 0)
            return;
        fill_counter(w.seed, w.sent, chunk_.data(), n);
        w.sent += sender(d).write(std::span<const std::byte>(chunk_.data(), n));
    }

    /// Moves output both ways until neither side has any; false when that
    /// takes implausibly long or a receiver stalls.
    bool settle()
    {
        for (int i = 0; i < 1000; ++i) {
            bool moved = move(direction::to_server);
            moved = move(direction::to_client) || moved;
            if (in(direction::to_server).stuck || in(direction::to_client).stuck)
                return false;
            if (!moved)
                return true;
        }
        return false;
    }

private:
    engine& sender(direction d) { return d == direction::to_server ? client_ : server_; }
    engine& receiver(direction d) { return d == direction::to_server ? server_ : client_; }

    bool move(direction d)
    {
        engine& from = sender(d);
        engine& to = receiver(d);
        auto& w = in(d);
        bool moved = false;
        for (auto out = from.output(); !out.empty() && !w.stuck; out = from.output()) {
            obs_.see_bytes(d, out);
            std::size_t off = 0;
            while (off < out.size()) {
                const std::size_t took = to.feed(out.subspan(off));
                off += took;
                const bool drained = drain(d);
                if (took == 0 && !drained) {
                    w.stuck = true;
                    break;
                }
            }
            from.consume_output(out.size());
            moved = true;
        }
        return moved;
    }

    bool drain(direction d)
    {
        engine& to = receiver(d);
        auto& w = in(d);
        bool any = false;
        for (auto p = to.plaintext(); !p.empty(); p = to.plaintext()) {
            expected_.resize(p.size());
            fill_counter(w.seed, w.received, expected_.data(), p.size());
            if (!w.mismatch && std::memcmp(p.data(), expected_.data(), p.size()) != 0) {
                std::size_t i = 0;
                while (p[i] == expected_[i])
                    ++i;
                w.mismatch = w.received + i;
            }
            w.received += p.size();
            to.consume_plaintext(p.size());
            any = true;
        }
        return any;
    }

    engine& client_;
    engine& server_;
    tls13_observer& obs_;
    std::array<way, 2> ways_;
    bytes chunk_ = bytes(64 * 1024);
    bytes expected_;
};

/// `requester` calls update_keys(true); the link carries the KeyUpdate and
/// the answer with no application data written meanwhile. RFC 8446 §4.6.3:
/// the peer answers with a KeyUpdate of its own, so it logs a new secret for
/// its sending side, which the requester derives too.
void requested_update_is_answered(engine& requester, const key_log& requester_log, const key_log& peer_log,
                                  const std::string& own_prefix, const std::string& peer_prefix, bulk_link& link)
{
    BOOST_TEST_REQUIRE(link.settle());
    const long own_before = requester_log.last_number(own_prefix);
    const long peer_before = peer_log.last_number(peer_prefix);
    BOOST_TEST_REQUIRE(requester.update_keys(true));
    BOOST_TEST(requester_log.last_number(own_prefix) == own_before + 1);
    BOOST_TEST_REQUIRE(link.settle());
    const long peer_after = peer_log.last_number(peer_prefix);
    BOOST_TEST(peer_after >= peer_before + 1, peer_prefix << " before " << peer_before << ", after " << peer_after);
    const std::string label = peer_prefix + std::to_string(peer_after);
    BOOST_TEST((requester_log.find(label).has_value() && requester_log.find(label) == peer_log.find(label)),
               label << " as derived by the requester");
}

} // namespace

BOOST_AUTO_TEST_CASE(automatic_and_requested_updates_across_64_mib_each_way)
{
    // Both ends update their sending key every `limit` records on their own
    // (RFC 8446 §4.6.3, §5.5), and each asks the other once, while 64 MiB
    // flow each way, interleaved.
    constexpr std::uint64_t total = 64u << 20;
    constexpr std::uint64_t limit = 256;
    auto client_ctx = only_tls13(client_context("client-ecdsa"));
    auto server_ctx = only_tls13(server_context_requiring_client_cert());
    client_ctx.set_key_update_limit(limit);
    server_ctx.set_key_update_limit(limit);
    key_log cl, sl;
    engine_pair p(client_ctx, server_ctx, cl.hooks(), sl.hooks());
    tls13_observer obs(cl, sl, false);
    p.tamper = obs.tamper();
    MTLS_REQUIRE_HANDSHAKE(p);
    p.tamper = nullptr; // from here the bulk link feeds the observer

    bulk_link link(p.client, p.server, obs);
    bool client_asked = false, server_asked = false;
    for (int rounds = 0; rounds < 100000; ++rounds) {
        auto& c2s = link.in(direction::to_server);
        auto& s2c = link.in(direction::to_client);
        if (c2s.sent == total && s2c.sent == total)
            break;
        link.write_chunk(direction::to_server, total);
        link.write_chunk(direction::to_client, total);
        BOOST_TEST_REQUIRE(link.settle());
        BOOST_TEST_REQUIRE(!p.client.failed(), describe(p.client.error()));
        BOOST_TEST_REQUIRE(!p.server.failed(), describe(p.server.error()));
        if (!client_asked && c2s.sent >= total / 2) {
            client_asked = true;
            requested_update_is_answered(p.client, cl, sl, "CLIENT_TRAFFIC_SECRET_", "SERVER_TRAFFIC_SECRET_", link);
        }
        if (!server_asked && s2c.sent >= total * 3 / 4) {
            server_asked = true;
            requested_update_is_answered(p.server, sl, cl, "SERVER_TRAFFIC_SECRET_", "CLIENT_TRAFFIC_SECRET_", link);
        }
    }
    BOOST_TEST_REQUIRE(link.settle());
    BOOST_TEST(client_asked);
    BOOST_TEST(server_asked);

    const std::uint64_t records = total / max_plaintext;
    for (auto d : {direction::to_server, direction::to_client}) {
        BOOST_TEST_CONTEXT(d)
        {
            const auto& w = link.in(d);
            BOOST_TEST(w.sent == total);
            BOOST_TEST(w.received == total);
            BOOST_TEST(!w.mismatch.has_value(), "first wrong byte at " << w.mismatch.value_or(0));
            BOOST_TEST(!w.stuck);

            const std::string prefix = d == direction::to_server ? "CLIENT_TRAFFIC_SECRET_" : "SERVER_TRAFFIC_SECRET_";
            const key_log& sender_log = d == direction::to_server ? cl : sl;
            const key_log& receiver_log = d == direction::to_server ? sl : cl;
            const long updates = sender_log.last_number(prefix);
            BOOST_TEST_MESSAGE(d << ": " << updates << " key updates");
            // `records` records at most `limit` under one key need at least
            // records / limit keys, so records / limit - 1 updates (the one
            // asked for among them: it restarts the count).
            BOOST_TEST(updates >= static_cast<long>(records / limit) - 1, prefix << " reached " << updates);
            // Each secret logged once by the sender and derived alike by the receiver.
            BOOST_TEST(sender_log.count_numbered(prefix) == static_cast<std::size_t>(updates + 1));
            BOOST_TEST(receiver_log.last_number(prefix) == updates);
            const std::string last = prefix + std::to_string(updates);
            BOOST_TEST((receiver_log.find(last) == sender_log.find(last)), last);

            // On the wire: one KeyUpdate per secret, and no key protects more
            // than `limit` application data records.
            const auto& seen = obs.in(d);
            BOOST_TEST(seen.key_updates.size() == static_cast<std::size_t>(updates));
            BOOST_TEST(std::count(seen.key_updates.begin(), seen.key_updates.end(), 1) >= 1);
            BOOST_TEST_REQUIRE(!seen.data_records_per_key.empty());
            const auto most = *std::max_element(seen.data_records_per_key.begin(), seen.data_records_per_key.end());
            BOOST_TEST(most <= limit);
            const auto most_records = *std::max_element(seen.records_per_key.begin(), seen.records_per_key.end());
            BOOST_TEST(most_records <= limit + 1);
        }
    }
    BOOST_TEST(obs.clean(), obs.problems());
    BOOST_TEST(!p.client.failed(), describe(p.client.error()));
    BOOST_TEST(!p.server.failed(), describe(p.server.error()));
}

BOOST_AUTO_TEST_SUITE_END()
