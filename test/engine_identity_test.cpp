// Peer identity between two engines, both versions: a server requiring a
// client URI SAN (SPIFFE ID pattern), a client requiring the server's DNS
// name, each refusal (access_denied), the certificate's fields in
// connection_info and verify_context, and resumption only under the
// identities required now.

#define BOOST_TEST_MODULE engine_identity
#include <boost/test/unit_test.hpp>

#include "support/certs.hpp"
#include "support/pump.hpp"

#include <boost/system/system_error.hpp>

using namespace mtls;
using namespace mtls::test;

namespace {

const std::string billing = "spiffe://example.org/ns/prod/sa/billing";
const std::string billing_pattern = "spiffe://example.org/ns/*/sa/billing";

/// A client with credential `client_cert` (none when empty) and a server
/// requiring client certificates, both limited to `v`.
struct contexts {
    contexts(tls_version v, std::string_view client_cert)
        : client(versioned(client_context(client_cert), v)),
          server(versioned(server_context_requiring_client_cert(), v))
    {}
    context client;
    context server;
};

std::vector<std::string> uris_of(const connection_info& info)
{
    return info.peer_certificate_info ? info.peer_certificate_info->uris : std::vector<std::string>{};
}

/// Runs `check(v)` for TLS 1.2 and TLS 1.3.
template <class Check>
void each_version(Check check)
{
    for (auto v : versions)
        BOOST_TEST_CONTEXT(to_string(v)) { check(v); }
}

/// The handshake between `c`'s contexts fails: `detector` with `err`, its
/// peer receiving `a`.
void check_refused(const contexts& c, role detector, error err, alert a)
{
    engine_pair p(c.client, c.server);
    BOOST_TEST(!p.handshake());
    if (detector == role::server)
        MTLS_CHECK_FAILURE(p.server, err, p.client, a);
    else
        MTLS_CHECK_FAILURE(p.client, err, p.server, a);
}

} // namespace

BOOST_AUTO_TEST_SUITE(server_requires_a_client_uri)

BOOST_AUTO_TEST_CASE(a_matching_uri_is_let_in_and_shown)
{
    each_version([&](tls_version v) {
        contexts c(v, "client-spiffe-billing");
        c.server.set_required_peer_identities({peer_identity::uri(billing_pattern)});
        engine_pair p(c.client, c.server);
        MTLS_REQUIRE_HANDSHAKE(p);
        BOOST_TEST(uris_of(p.server.info()) == std::vector<std::string>{billing}, boost::test_tools::per_element());
        BOOST_TEST(p.server.info().peer_certificate_info->subject == "CN=mtls billing client");
        BOOST_TEST(p.server.info().peer_certificate_info->issuer == "CN=mtls test CA");
        // The client sees the server's names too, with or without a requirement.
        const auto& server_cert = p.client.info().peer_certificate_info;
        BOOST_REQUIRE(server_cert.has_value());
        BOOST_TEST(server_cert->dns_names == std::vector<std::string>{"localhost"},
                   boost::test_tools::per_element());
        BOOST_TEST(server_cert->ip_addresses == std::vector<std::string>{"127.0.0.1"},
                   boost::test_tools::per_element());
        BOOST_TEST(p.exchange(pattern(10), pattern(20)));
    });
}

BOOST_AUTO_TEST_CASE(another_uri_is_refused_with_access_denied)
{
    each_version([&](tls_version v) {
        contexts c(v, "client-spiffe-web");
        c.server.set_required_peer_identities({peer_identity::uri(billing_pattern)});
        engine_pair p(c.client, c.server);
        BOOST_TEST(!p.handshake());
        MTLS_CHECK_FAILURE(p.server, error::peer_identity_mismatch, p.client, alert::access_denied);
        BOOST_TEST(!p.server.info().peer_certificate_info.has_value());
        BOOST_TEST(contains(p.server.error().message(), "does not carry the required identity"));
    });
}

BOOST_AUTO_TEST_CASE(a_certificate_without_uri_is_refused)
{
    each_version([](tls_version v) {
        contexts c(v, "client-ecdsa");
        c.server.set_required_peer_identities({peer_identity::uri(billing_pattern)});
        check_refused(c, role::server, error::peer_identity_mismatch, alert::access_denied);
    });
}

BOOST_AUTO_TEST_CASE(any_one_of_several_identities_will_do)
{
    each_version([&](tls_version v) {
        for (const char* client : {"client-spiffe-billing", "client-spiffe-web"}) {
            contexts c(v, client);
            c.server.set_required_peer_identities(
                {peer_identity::uri(billing_pattern), peer_identity::uri("spiffe://example.org/ns/prod/sa/web")});
            engine_pair p(c.client, c.server);
            MTLS_REQUIRE_HANDSHAKE(p);
        }
    });
}

BOOST_AUTO_TEST_CASE(a_client_without_certificate_is_refused_even_when_optional)
{
    each_version([](tls_version v) {
        contexts c(v, "");
        c.server.set_verify_mode(verify_peer); // a certificate would be optional
        c.server.set_required_peer_identities({peer_identity::uri(billing_pattern)});
        check_refused(c, role::server, error::peer_certificate_required,
                      v == tls_version::tls13 ? alert::certificate_required : alert::handshake_failure);
    });
}

BOOST_AUTO_TEST_CASE(verify_none_still_asks_and_checks)
{
    each_version([&](tls_version v) {
        for (auto [client, ok] : {std::pair{"client-spiffe-billing", true}, std::pair{"client-spiffe-web", false}}) {
            contexts c(v, client);
            c.server.set_verify_mode(verify_none);
            c.server.set_required_peer_identities({peer_identity::uri(billing_pattern)});
            engine_pair p(c.client, c.server);
            BOOST_TEST(p.handshake() == ok);
            if (ok)
                BOOST_TEST(uris_of(p.server.info()) == std::vector<std::string>{billing},
                           boost::test_tools::per_element());
            else
                MTLS_CHECK_FAILURE(p.server, error::peer_identity_mismatch, p.client, alert::access_denied);
        }
    });
}

BOOST_AUTO_TEST_CASE(the_verify_callback_sees_the_fields)
{
    contexts c(tls_version::tls13, "client-spiffe-billing");
    std::vector<std::string> seen;
    c.server.set_verify_callback([&](bool preverified, verify_context& ctx) {
        if (ctx.depth() == 0)
            seen = ctx.info().uris;
        return preverified;
    });
    engine_pair p(c.client, c.server);
    MTLS_REQUIRE_HANDSHAKE(p);
    BOOST_TEST(seen == std::vector<std::string>{billing}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(malformed_identities_are_refused_when_set)
{
    context ctx;
    BOOST_CHECK_THROW(ctx.set_required_peer_identities({peer_identity::uri("spiffe://example.org/ns/p*")}),
                      boost::system::system_error);
    BOOST_CHECK_THROW(ctx.set_required_peer_identities({peer_identity::dns("")}), boost::system::system_error);
    ctx.set_required_peer_identities({peer_identity::uri(billing_pattern), peer_identity::dns("a.test")});
    ctx.set_required_peer_identities({});
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(client_requires_a_server_identity)

BOOST_AUTO_TEST_CASE(dns_name)
{
    each_version([](tls_version v) {
        contexts good(v, "client-ecdsa");
        good.client.set_required_peer_identities({peer_identity::dns("LOCALHOST")});
        engine_pair ok(good.client, good.server);
        MTLS_REQUIRE_HANDSHAKE(ok);

        contexts bad(v, "client-ecdsa");
        bad.client.set_required_peer_identities({peer_identity::dns("billing.example.org")});
        check_refused(bad, role::client, error::peer_identity_mismatch, alert::access_denied);
    });
}

BOOST_AUTO_TEST_CASE(a_uri_the_server_does_not_carry)
{
    each_version([](tls_version v) {
        contexts c(v, "client-ecdsa");
        // The server's certificate names localhost as a DNS name, not a URI.
        c.client.set_required_peer_identities({peer_identity::uri("https://localhost/")});
        check_refused(c, role::client, error::peer_identity_mismatch, alert::access_denied);
    });
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(resumption)

/// Connects with `s` (empty: a full handshake); whether the handshake
/// succeeded, whether it resumed, and the server's view.
struct outcome {
    bool ok = false;
    bool resumed = false;
    connection_info server_info;
    connection_info client_info;
    session next;
};

outcome connect(const contexts& c, const session& s)
{
    engine_pair p(c.client, c.server);
    if (!s.empty())
        p.client.set_session(s);
    outcome o;
    o.ok = p.handshake() && p.exchange(pattern(10), pattern(20));
    o.resumed = p.server.info().resumed;
    o.server_info = p.server.info();
    o.client_info = p.client.info();
    o.next = p.client.session();
    return o;
}

BOOST_AUTO_TEST_CASE(a_resumed_connection_carries_the_identity)
{
    each_version([&](tls_version v) {
        contexts c(v, "client-spiffe-billing");
        c.server.set_required_peer_identities({peer_identity::uri(billing_pattern)});
        auto first = connect(c, {});
        BOOST_REQUIRE(first.ok);
        BOOST_REQUIRE(!first.next.empty());
        auto again = connect(c, first.next);
        BOOST_TEST(again.ok);
        BOOST_TEST(again.resumed);
        BOOST_TEST(again.client_info.resumed);
        BOOST_TEST(uris_of(again.server_info) == std::vector<std::string>{billing},
                   boost::test_tools::per_element());
        BOOST_REQUIRE(again.client_info.peer_certificate_info.has_value());
        BOOST_TEST(again.client_info.peer_certificate_info->sha256_fingerprint ==
                   first.client_info.peer_certificate_info->sha256_fingerprint);
    });
}

BOOST_AUTO_TEST_CASE(not_when_the_server_requirement_changed)
{
    each_version([&](tls_version v) {
        contexts c(v, "client-spiffe-billing");
        auto first = connect(c, {}); // no requirement yet
        BOOST_REQUIRE(first.ok);
        BOOST_REQUIRE(!first.next.empty());
        // The session's client certificate does not carry the identity
        // now required: no resumption, and the full handshake refuses it.
        c.server.set_required_peer_identities({peer_identity::uri("spiffe://example.org/ns/*/sa/web")});
        auto again = connect(c, first.next);
        BOOST_TEST(!again.ok);
        BOOST_TEST(!again.resumed);
        // A requirement it does carry: resumed.
        c.server.set_required_peer_identities({peer_identity::uri(billing_pattern)});
        BOOST_TEST(connect(c, first.next).resumed);
    });
}

BOOST_AUTO_TEST_CASE(not_when_the_client_requirement_changed)
{
    each_version([&](tls_version v) {
        contexts c(v, "client-ecdsa");
        auto first = connect(c, {});
        BOOST_REQUIRE(first.ok);
        c.client.set_required_peer_identities({peer_identity::dns("localhost")});
        BOOST_TEST(connect(c, first.next).resumed);
        // The server's stored certificate does not name other.test: the
        // client does not offer the session, and the full handshake fails.
        c.client.set_required_peer_identities({peer_identity::dns("other.test")});
        auto again = connect(c, first.next);
        BOOST_TEST(!again.ok);
        BOOST_TEST(!again.client_info.resumed);
    });
}

BOOST_AUTO_TEST_SUITE_END()
