// Which credentials a handshake uses, both versions: a server with several
// certified keys picks one the client can verify; a client with several
// chains answers a CertificateRequest by its CA hints (RFC 8446 §4.4.2.3,
// RFC 5246 §7.4.6) or a callback; credentials replaced while a handshake runs
// do not affect it; the ALPN select callback.

#define BOOST_TEST_MODULE engine_credentials
#include <boost/test/unit_test.hpp>

#include "support/certs.hpp"
#include "support/pump.hpp"

#include "crypto/pki.hpp"

#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

using namespace mtls;
using namespace mtls::test;

namespace {

std::string file_of(std::string_view name)
{
    return cert_path(std::string(name) + ".pem");
}

void add_credential(context& ctx, std::string_view name)
{
    ctx.add_certified_key_file(file_of(name), cert_path(std::string(name) + ".key"));
}

/// The DER of the first certificate in a PEM file.
bytes leaf_der(std::string_view name)
{
    context probe;
    use_credential(probe, name);
    engine_pair p(client_context(), probe);
    p.handshake();
    return p.client.info().peer_certificates.at(0);
}

/// The subject DN of ca.pem, DER.
bytes ca_subject_der()
{
    std::ifstream in(cert_path("ca.der"), std::ios::binary);
    const std::vector<char> der((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    error_code ec;
    const auto ca = crypto::certificate::parse_der(std::as_bytes(std::span(der)), ec);
    BOOST_TEST_REQUIRE(!ec);
    return bytes(ca.subject_der().begin(), ca.subject_der().end());
}

/// A server trusting ca.pem that requires client certificates.
context requiring(tls_version v)
{
    return versioned(server_context_requiring_client_cert(), v);
}

} // namespace

BOOST_AUTO_TEST_SUITE(server_keys)

BOOST_AUTO_TEST_CASE(the_first_key_the_client_can_verify)
{
    const auto ecdsa = leaf_der("server-ecdsa");
    const auto rsa = leaf_der("server-rsa");
    for (auto v : versions) {
        BOOST_TEST_CONTEXT(to_string(v))
        {
            auto server = versioned(server_context(), v);
            add_credential(server, "server-rsa");
            {
                engine_pair p(versioned(client_context(), v), server);
                MTLS_REQUIRE_HANDSHAKE(p);
                BOOST_TEST(p.client.info().peer_certificates.at(0) == ecdsa);
            }
            auto rsa_only = versioned(client_context(), v);
            rsa_only.set_signature_schemes({signature_scheme::rsa_pss_rsae_sha256});
            if (v == tls_version::tls12)
                rsa_only.set_cipher_suites({cipher_suite::tls_ecdhe_rsa_with_aes_128_gcm_sha256});
            engine_pair p(rsa_only, server);
            MTLS_REQUIRE_HANDSHAKE(p);
            BOOST_TEST(p.client.info().peer_certificates.at(0) == rsa);
        }
    }
}

BOOST_AUTO_TEST_CASE(a_key_must_match_its_chain)
{
    context ctx;
    error_code ec;
    ctx.add_certified_key_file(file_of("server-ecdsa"), cert_path("server-rsa.key"), ec);
    BOOST_TEST(ec == error::key_mismatch);
    ctx.use_certified_key_file(file_of("server-ecdsa"), cert_path("server-rsa.key"), ec);
    BOOST_TEST(ec == error::key_mismatch);
    ctx.use_certified_key_file(file_of("server-ecdsa"), cert_path("missing.key"), ec);
    BOOST_TEST(ec.failed());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(client_chains)

BOOST_AUTO_TEST_CASE(the_chain_the_ca_hints_name)
{
    for (auto v : versions) {
        BOOST_TEST_CONTEXT(to_string(v))
        {
            auto client = versioned(client_context("client-untrusted"), v); // issued by other-ca
            add_credential(client, "client-ecdsa");                         // issued by ca
            engine_pair p(client, requiring(v));
            MTLS_REQUIRE_HANDSHAKE(p);
            BOOST_TEST(p.server.info().peer_subject == "CN=mtls test client");
        }
    }
}

BOOST_AUTO_TEST_CASE(no_chain_matching_the_hints_sends_none)
{
    for (auto v : versions) {
        BOOST_TEST_CONTEXT(to_string(v))
        {
            auto client = versioned(client_context("client-untrusted"), v);
            add_credential(client, "depth-client"); // issued by depth-ca8
            engine_pair p(client, requiring(v));
            BOOST_TEST(!p.handshake());
            // Refused for sending none, not for an untrusted certificate.
            MTLS_CHECK_FAILURE(p.server, error::peer_certificate_required, p.client,
                               v == tls_version::tls13 ? alert::certificate_required : alert::handshake_failure);
        }
    }
}

BOOST_AUTO_TEST_CASE(a_single_chain_goes_whatever_the_hints)
{
    for (auto v : versions) {
        BOOST_TEST_CONTEXT(to_string(v))
        {
            engine_pair p(versioned(client_context("client-untrusted"), v), requiring(v));
            BOOST_TEST(!p.handshake());
            MTLS_CHECK_FAILURE(p.server, error::certificate_untrusted, p.client, alert::unknown_ca);
        }
    }
}

BOOST_AUTO_TEST_CASE(the_callback_decides)
{
    const auto ca_subject = ca_subject_der();
    for (auto v : versions) {
        BOOST_TEST_CONTEXT(to_string(v))
        {
            auto client = versioned(client_context("client-ecdsa"), v);
            add_credential(client, "client-untrusted");
            std::optional<certificate_request_info> seen;
            std::vector<bytes> authorities;        // the spans last only for the call
            std::optional<std::size_t> answer = 1; // the untrusted one, against the hints
            client.set_client_certificate_callback([&](const certificate_request_info& r) {
                seen = r;
                authorities.clear();
                for (auto a : r.authorities)
                    authorities.emplace_back(a.begin(), a.end());
                return answer;
            });
            {
                engine_pair p(client, requiring(v));
                BOOST_TEST(!p.handshake());
                MTLS_CHECK_FAILURE(p.server, error::certificate_untrusted, p.client, alert::unknown_ca);
                BOOST_TEST_REQUIRE(seen.has_value());
                BOOST_TEST(seen->chains.size() == 2u);
                BOOST_TEST_REQUIRE(authorities.size() == 1u); // the server trusts ca.pem only
                BOOST_TEST(authorities[0] == ca_subject);
                BOOST_TEST(!seen->signature_schemes.empty());
            }
            answer = std::nullopt;
            {
                engine_pair p(client, requiring(v));
                BOOST_TEST(!p.handshake());
                BOOST_TEST(describe(cause_code(p.server.error())) ==
                           describe(make_error_code(error::peer_certificate_required)));
            }
            answer = 7; // out of range: none
            {
                engine_pair p(client, requiring(v));
                BOOST_TEST(!p.handshake());
                BOOST_TEST(describe(cause_code(p.server.error())) ==
                           describe(make_error_code(error::peer_certificate_required)));
            }
            answer = 0;
            engine_pair p(client, requiring(v));
            MTLS_REQUIRE_HANDSHAKE(p);
            BOOST_TEST(p.server.info().peer_subject == "CN=mtls test client");
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(rotation)

BOOST_AUTO_TEST_CASE(a_running_handshake_keeps_its_credentials)
{
    const auto ecdsa = leaf_der("server-ecdsa");
    const auto rsa = leaf_der("server-rsa");
    for (auto v : versions) {
        BOOST_TEST_CONTEXT(to_string(v))
        {
            auto server = versioned(server_context(), v);
            const auto client = versioned(client_context(), v);
            engine_pair running(client, server);
            running.start();
            BOOST_TEST_REQUIRE(running.send(direction::to_server)); // the ClientHello is in
            server.use_certified_key_file(file_of("server-rsa"), cert_path("server-rsa.key"));
            BOOST_TEST_REQUIRE(running.pump());
            BOOST_TEST_REQUIRE(running.handshake_ok());
            BOOST_TEST(running.client.info().peer_certificates.at(0) == ecdsa);

            engine_pair next(client, server);
            MTLS_REQUIRE_HANDSHAKE(next);
            BOOST_TEST(next.client.info().peer_certificates.at(0) == rsa);
            // The running connection goes on.
            BOOST_TEST(running.exchange(pattern(100), pattern(200, 2)));
        }
    }
}

BOOST_AUTO_TEST_CASE(credentials_from_another_context_in_one_step)
{
    for (auto v : versions) {
        BOOST_TEST_CONTEXT(to_string(v))
        {
            auto server = versioned(server_context_requiring_client_cert(), v);
            context fresh; // another certificate, and trusting other-ca.pem only
            use_credential(fresh, "server-wildcard");
            fresh.load_verify_file(cert_path("other-ca.pem"));
            fresh.set_verify_mode(verify_peer | verify_fail_if_no_peer_cert);
            server.set_credentials_from(fresh);
            engine_pair p(versioned(client_context("client-untrusted"), v), server);
            p.client.set_host_name("a.example.test");
            MTLS_REQUIRE_HANDSHAKE(p);
            BOOST_TEST(p.client.info().peer_subject == "CN=*.example.test");
            BOOST_TEST(p.server.info().peer_subject == "CN=mtls untrusted client");
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(alpn_callback)

BOOST_AUTO_TEST_CASE(the_callback_chooses_among_the_offers)
{
    for (auto v : versions) {
        BOOST_TEST_CONTEXT(to_string(v))
        {
            auto client = versioned(client_context(), v);
            client.set_alpn_protocols({"h2", "http/1.1"});
            auto server = versioned(server_context(), v);
            server.set_alpn_protocols({"http/1.1"}); // the callback outranks the list
            std::vector<std::string> offered;
            std::optional<std::string> answer = "h2";
            server.set_alpn_select_callback([&](const std::vector<std::string>& o) {
                offered = o;
                return answer;
            });
            {
                engine_pair p(client, server);
                MTLS_REQUIRE_HANDSHAKE(p);
                BOOST_TEST(p.client.info().alpn == "h2");
                BOOST_TEST(p.server.info().alpn == "h2");
                BOOST_TEST((offered == std::vector<std::string>{"h2", "http/1.1"}));
            }
            answer = "";
            {
                engine_pair p(client, server);
                MTLS_REQUIRE_HANDSHAKE(p);
                BOOST_TEST(p.client.info().alpn.empty());
            }
            for (std::optional<std::string> refusal :
                 {std::optional<std::string>(), std::optional<std::string>("h3")}) {
                answer = refusal;
                engine_pair p(client, server);
                BOOST_TEST(!p.handshake());
                MTLS_CHECK_FAILURE(p.server, error::no_application_protocol, p.client, alert::no_application_protocol);
            }
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
