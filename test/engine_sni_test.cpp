// Server name indication on the server (RFC 6066 §3), both versions: the
// requested name picks the certificate, trust anchors and verify mode; an
// unknown name gets the default or unrecognized_name; a callback outranks
// the table.

#define BOOST_TEST_MODULE engine_sni
#include <boost/test/unit_test.hpp>

#include "support/certs.hpp"
#include "support/pump.hpp"

#include <boost/system/system_error.hpp>

#include <optional>
#include <string>
#include <vector>

using namespace mtls;
using namespace mtls::test;

namespace {

/// A per-name context serving the *.example.test certificate.
context wildcard_name()
{
    return server_context("server-wildcard");
}

std::string peer_subject_for(const context& client, const context& server, const std::string& host)
{
    engine_pair p(client, server);
    p.client.set_host_name(host);
    MTLS_REQUIRE_HANDSHAKE(p);
    BOOST_TEST(p.server.info().server_name == host);
    return p.client.info().peer_subject;
}

} // namespace

BOOST_AUTO_TEST_SUITE(certificate_selection)

BOOST_AUTO_TEST_CASE(the_requested_name_picks_the_certificate)
{
    for (auto v : versions) {
        BOOST_TEST_CONTEXT(to_string(v))
        {
            auto server = versioned(server_context(), v);
            server.add_server_name("*.example.test", wildcard_name());
            const auto client = versioned(client_context(), v);
            // The client verifies each answer against the name it asked for.
            BOOST_TEST(peer_subject_for(client, server, "a.example.test") == "CN=*.example.test");
            BOOST_TEST(peer_subject_for(client, server, "B.Example.TEST") == "CN=*.example.test");
            BOOST_TEST(peer_subject_for(client, server, "localhost") == "CN=localhost");
        }
    }
}

BOOST_AUTO_TEST_CASE(an_exact_name_outranks_a_pattern)
{
    auto server = server_context();
    server.add_server_name("*.example.test", server_context("server-rsa"));
    server.add_server_name("a.example.test", wildcard_name());
    engine_pair p(client_context(), server);
    p.client.set_host_name("a.example.test");
    MTLS_REQUIRE_HANDSHAKE(p);
    BOOST_TEST(p.client.info().peer_subject == "CN=*.example.test");
}

BOOST_AUTO_TEST_CASE(a_pattern_covers_one_label_only)
{
    auto server = server_context();
    server.add_server_name("*.example.test", wildcard_name());
    server.set_reject_unknown_server_names(true);
    for (const std::string host : {"a.b.example.test", "example.test"}) {
        BOOST_TEST_CONTEXT(host)
        {
            engine_pair p(client_context(), server);
            p.client.set_host_name(host);
            BOOST_TEST(!p.handshake());
            MTLS_CHECK_FAILURE(p.server, error::unrecognized_server_name, p.client, alert::unrecognized_name);
        }
    }
}

BOOST_AUTO_TEST_CASE(an_unknown_name_gets_the_default_or_unrecognized_name)
{
    for (auto v : versions) {
        BOOST_TEST_CONTEXT(to_string(v))
        {
            auto server = versioned(server_context(), v);
            server.add_server_name("*.example.test", wildcard_name());
            auto client = versioned(client_context(), v);
            // Not in the table: the default certificate, which the client
            // then refuses for that name.
            {
                engine_pair p(client, server);
                p.client.set_host_name("unknown.test");
                BOOST_TEST(!p.handshake());
                MTLS_CHECK_FAILURE(p.client, error::certificate_host_mismatch, p.server, alert::bad_certificate);
            }
            server.set_reject_unknown_server_names(true);
            {
                engine_pair p(client, server);
                p.client.set_host_name("unknown.test");
                BOOST_TEST(!p.handshake());
                MTLS_CHECK_FAILURE(p.server, error::unrecognized_server_name, p.client, alert::unrecognized_name);
                BOOST_TEST(contains(p.server.error().message(), "server name"));
            }
            // No server_name at all (an IP literal is never sent): the default.
            {
                engine_pair p(client, server);
                p.client.set_host_name("127.0.0.1");
                MTLS_REQUIRE_HANDSHAKE(p);
                BOOST_TEST(p.client.info().peer_subject == "CN=localhost");
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(the_callback_outranks_the_table)
{
    for (auto v : versions) {
        BOOST_TEST_CONTEXT(to_string(v))
        {
            auto server = versioned(server_context(), v);
            server.add_server_name("*.example.test", server_context("server-rsa"));
            std::vector<std::string> asked;
            server.set_server_name_callback([&](std::string_view name) -> std::optional<context> {
                asked.emplace_back(name);
                if (name == "cb.example.test")
                    return wildcard_name();
                return std::nullopt;
            });
            const auto client = versioned(client_context(), v);
            BOOST_TEST(peer_subject_for(client, server, "cb.example.test") == "CN=*.example.test");
            // nullopt: the table decides (the RSA certificate, CN=localhost,
            // which the client refuses for this name).
            engine_pair p(client, server);
            p.client.set_host_name("other.example.test");
            BOOST_TEST(!p.handshake());
            MTLS_CHECK_FAILURE(p.client, error::certificate_host_mismatch, p.server, alert::bad_certificate);
            BOOST_TEST((asked == std::vector<std::string>{"cb.example.test", "other.example.test"}));
        }
    }
}

BOOST_AUTO_TEST_CASE(a_name_cannot_serve_its_own_context)
{
    auto server = server_context();
    BOOST_CHECK_THROW(server.add_server_name("a.example.test", server), boost::system::system_error);
    BOOST_CHECK_THROW(server.add_server_name("", wildcard_name()), boost::system::system_error);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(client_authentication_per_name)

BOOST_AUTO_TEST_CASE(the_name_decides_whether_a_client_certificate_is_required)
{
    for (auto v : versions) {
        BOOST_TEST_CONTEXT(to_string(v))
        {
            auto server = versioned(server_context(), v); // asks no client certificate
            auto secure = wildcard_name();
            secure.set_verify_mode(verify_peer | verify_fail_if_no_peer_cert);
            server.add_server_name("secure.example.test", secure);
            const auto anonymous = versioned(client_context(), v);
            {
                engine_pair p(anonymous, server);
                MTLS_REQUIRE_HANDSHAKE(p); // localhost: no certificate needed
            }
            {
                engine_pair p(anonymous, server);
                p.client.set_host_name("secure.example.test");
                BOOST_TEST(!p.handshake());
                BOOST_TEST(describe(cause_code(p.server.error())) ==
                           describe(make_error_code(error::peer_certificate_required)));
            }
            engine_pair p(versioned(client_context("client-ecdsa"), v), server);
            p.client.set_host_name("secure.example.test");
            MTLS_REQUIRE_HANDSHAKE(p);
            BOOST_TEST(p.server.info().peer_subject == "CN=mtls test client");
        }
    }
}

BOOST_AUTO_TEST_CASE(the_name_decides_which_anchors_verify_the_client)
{
    for (auto v : versions) {
        BOOST_TEST_CONTEXT(to_string(v))
        {
            auto server = versioned(server_context_requiring_client_cert(), v); // trusts ca.pem
            context partner;                                                    // trusts only other-ca.pem
            use_credential(partner, "server-wildcard");
            partner.load_verify_file(cert_path("other-ca.pem"));
            partner.set_verify_mode(verify_peer | verify_fail_if_no_peer_cert);
            server.add_server_name("partner.example.test", partner);
            const auto outsider = versioned(client_context("client-untrusted"), v);
            {
                engine_pair p(outsider, server);
                p.client.set_host_name("partner.example.test");
                MTLS_REQUIRE_HANDSHAKE(p);
                BOOST_TEST(p.server.info().peer_subject == "CN=mtls untrusted client");
            }
            engine_pair p(outsider, server);
            BOOST_TEST(!p.handshake()); // localhost: ca.pem only
            MTLS_CHECK_FAILURE(p.server, error::certificate_untrusted, p.client, alert::unknown_ca);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
