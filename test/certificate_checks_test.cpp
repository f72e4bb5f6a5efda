// Certificate checks end to end, in TLS 1.2 and TLS 1.3: keyUsage without
// digitalSignature, host name rules (wildcards, CN beside a SAN, IP lengths),
// the verify depth and the cap on Certificate entries. The rules themselves
// are unit-tested in crypto_test.cpp (certificate_checks).

#define BOOST_TEST_MODULE certificate_checks
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "support/bytes.hpp"
#include "support/certs.hpp"
#include "support/checks.hpp"
#include "support/messages.hpp"
#include "support/pump.hpp"
#include "support/records.hpp"

#include "wire/messages.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

using namespace mtls;
using namespace mtls::test;
namespace data = boost::unit_test::data;

namespace {

const auto both_versions = data::make({tls_version::tls12, tls_version::tls13});

context only(context ctx, tls_version v)
{
    ctx.set_min_version(v);
    ctx.set_max_version(v);
    return ctx;
}

bytes read_file(const std::string& name)
{
    std::ifstream f(cert_path(name), std::ios::binary);
    BOOST_TEST_REQUIRE(f.good(), "cannot open " << name);
    const std::vector<char> raw((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    bytes out(raw.size());
    std::transform(raw.begin(), raw.end(), out.begin(), [](char c) { return static_cast<std::byte>(c); });
    return out;
}

// --- the depth-caK chain (gen_certs.sh): depth-ca0 (root) signs depth-ca1,
// ..., depth-ca8 signs depth-server and depth-client.

std::string depth_ca(int k) { return "depth-ca" + std::to_string(k) + ".pem"; }

/// `leaf` ("depth-server" or "depth-client") with `n` intermediates, and the
/// anchor above them when `with_anchor`.
void use_depth_chain(context& ctx, const std::string& leaf, int n, bool with_anchor)
{
    bytes pem = read_file(leaf + ".pem");
    for (int k = 8; k >= 8 - n; --k) {
        if (k == 8 - n && !with_anchor)
            break;
        const bytes ca = read_file(depth_ca(k));
        pem.insert(pem.end(), ca.begin(), ca.end());
    }
    ctx.use_certificate_chain(pem);
    ctx.use_private_key_file(cert_path(leaf + ".key"));
}

/// Trusts the depth CA that leaves `n` intermediates below it.
void trust_depth_anchor(context& ctx, int n) { ctx.load_verify_file(cert_path(depth_ca(8 - n))); }

/// Replaces the Certificate in a TLS 1.2 server's first flight by one with
/// `entries` one-byte certificates, and re-splits the flight into records.
void replace_certificate12(flight& f, std::size_t entries)
{
    bytes list;
    for (std::size_t i = 0; i < entries; ++i) {
        put24(list, 1);
        put8(list, 0x30);   // a lone SEQUENCE tag: no certificate parses
    }
    bytes body;
    put24(body, list.size());
    body.insert(body.end(), list.begin(), list.end());

    bytes all;
    for (const auto& r : f.records)
        for (auto m : messages_of(r)) {
            if (message_type(m) == msg::certificate)
                m = make_handshake(msg::certificate, body);
            all.insert(all.end(), m.begin(), m.end());
        }
    f.records.clear();
    for (std::size_t off = 0; off < all.size(); off += max_plaintext) {
        const auto end = std::min(all.size(), off + max_plaintext);
        f.records.push_back(record{content::handshake, 0x0303,
                                   bytes(all.begin() + static_cast<std::ptrdiff_t>(off),
                                         all.begin() + static_cast<std::ptrdiff_t>(end)),
                                   false});
    }
}

} // namespace

// ===========================================================================
BOOST_AUTO_TEST_SUITE(key_usage)

// RFC 5280 §4.2.1.3: keyUsage, when present, must allow digitalSignature for
// a key that signs the handshake (RFC 8446 §4.4.2.2, RFC 5246 §7.4.2).

BOOST_DATA_TEST_CASE(server_leaf_without_digital_signature, both_versions, v)
{
    engine_pair p(only(client_context(), v), only(server_context("server-no-digital-signature"), v));
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.client, error::certificate_bad_purpose, p.server, alert::unsupported_certificate);
}

BOOST_DATA_TEST_CASE(client_leaf_without_digital_signature, both_versions, v)
{
    engine_pair p(only(client_context("client-no-digital-signature"), v),
                  only(server_context_requiring_client_cert(), v));
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.server, error::certificate_bad_purpose, p.client, alert::unsupported_certificate);
}

BOOST_AUTO_TEST_SUITE_END()

// ===========================================================================
BOOST_AUTO_TEST_SUITE(host_names)

// RFC 6125 §6.4.3 (wildcards), §6.4.4 (no CN beside a SAN), RFC 5280
// §4.2.1.6 (IP addresses of 4 or 16 bytes). Each certificate chains to ca.pem
// and matches the host that is listed as matching, so a refusal can only
// come from the name.
BOOST_DATA_TEST_CASE(
    names,
    both_versions *
        (data::make({std::string("server-wildcard-tld"), std::string("server-wildcard"),
                     std::string("server-wildcard"), std::string("server-wildcard"),
                     std::string("server-partial-wildcard"), std::string("server-partial-wildcard"),
                     std::string("server-san-other"), std::string("server-san-other"),
                     std::string("server-ipv6"), std::string("server-ipv6"), std::string("server-ipv6"),
                     std::string("server-ecdsa")}) ^
         data::make({std::string("example.test"), std::string("a.example.test"), std::string("example.test"),
                     std::string("a.b.example.test"), std::string("f.example.test"),
                     std::string("foo.example.test"), std::string("localhost"), std::string("other.test"),
                     std::string("127.0.0.1"), std::string("::1"), std::string("7f00:1::"),
                     std::string("7f00:1::")}) ^
         data::make({false, true, false, false, false, false, false, true, false, true, true, false})),
    v, credential, host, matches)
{
    engine_pair p(only(client_context(), v), only(server_context(credential), v));
    p.client.set_host_name(host);
    const bool ok = p.handshake();
    BOOST_TEST(ok == matches, "client: " << describe(p.client.error()));
    if (!matches)
        MTLS_CHECK_FAILURE(p.client, error::certificate_host_mismatch, p.server, alert::bad_certificate);
}

BOOST_AUTO_TEST_SUITE_END()

// ===========================================================================
BOOST_AUTO_TEST_SUITE(verify_depth)

// The depth counts intermediates between the peer's certificate and the
// anchor, as OpenSSL's does. A `set_depth` of -1 keeps the default.
BOOST_DATA_TEST_CASE(server_chain, both_versions * data::make({-1, 0, 2}), v, set_depth)
{
    const int depth = set_depth < 0 ? max_verify_depth : set_depth;
    struct shape {
        int intermediates;
        bool with_anchor;
        bool accepted;
    };
    // Exactly at the depth, with or without the anchor sent; one intermediate
    // more found by the path (depth + 2 entries); one more entry than the
    // depth allows, refused before parsing.
    for (const shape s : {shape{depth, false, true}, shape{depth, true, true}, shape{depth + 1, false, false},
                          shape{depth + 1, true, false}}) {
        BOOST_TEST_CONTEXT(s.intermediates << " intermediates" << (s.with_anchor ? " and the anchor" : ""))
        {
            context client_ctx;
            if (set_depth >= 0)
                client_ctx.set_verify_depth(set_depth);
            trust_depth_anchor(client_ctx, s.intermediates);
            context server_ctx;
            use_depth_chain(server_ctx, "depth-server", s.intermediates, s.with_anchor);
            engine_pair p(only(client_ctx, v), only(server_ctx, v));
            const bool ok = p.handshake();
            BOOST_TEST(ok == s.accepted, "client: " << describe(p.client.error()));
            if (!s.accepted)
                MTLS_CHECK_FAILURE(p.client, error::certificate_chain_too_long, p.server, alert::bad_certificate);
        }
    }
}

BOOST_DATA_TEST_CASE(client_chain, both_versions * data::make({-1, 1}), v, set_depth)
{
    const int depth = set_depth < 0 ? max_verify_depth : set_depth;
    for (const int extra : {0, 1}) {
        for (const bool with_anchor : {false, true}) {
            BOOST_TEST_CONTEXT(depth + extra << " intermediates" << (with_anchor ? " and the anchor" : ""))
            {
                auto server_ctx = server_context_requiring_client_cert();
                if (set_depth >= 0)
                    server_ctx.set_verify_depth(set_depth);
                trust_depth_anchor(server_ctx, depth + extra);
                auto client_ctx = client_context();
                use_depth_chain(client_ctx, "depth-client", depth + extra, with_anchor);
                engine_pair p(only(client_ctx, v), only(server_ctx, v));
                const bool ok = p.handshake();
                BOOST_TEST(ok == (extra == 0), "server: " << describe(p.server.error()));
                if (extra != 0)
                    MTLS_CHECK_FAILURE(p.server, error::certificate_chain_too_long, p.client,
                                       alert::bad_certificate);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(entries_past_the_depth_are_not_parsed)
{
    // Unparseable entries: one more than depth 2 allows (leaf, two
    // intermediates, anchor) is refused by count; as many as it allows are
    // parsed and refused as certificates.
    for (const std::size_t entries : {std::size_t{5}, std::size_t{4}}) {
        BOOST_TEST_CONTEXT(entries << " entries")
        {
            auto client_ctx = only(client_context(), tls_version::tls12);
            client_ctx.set_verify_depth(2);
            engine_pair p(client_ctx, only(server_context(), tls_version::tls12));
            p.tamper = [&](flight& f) {
                if (f.dir == direction::to_client && f.index == 0)
                    replace_certificate12(f, entries);
            };
            BOOST_TEST(!p.handshake());
            MTLS_CHECK_FAILURE(p.client, entries == 5 ? error::certificate_chain_too_long : error::bad_certificate,
                               p.server, alert::bad_certificate);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

// ===========================================================================
BOOST_AUTO_TEST_SUITE(certificate_entries)

// A cap on entries per Certificate message that holds with verify_none too.

BOOST_DATA_TEST_CASE(cap_holds_without_verification, both_versions * data::make({false, true}), v, one_more)
{
    // The leaf, then depth-ca8 ... depth-ca0 repeated: real certificates, so
    // only the count can refuse them.
    bytes pem = read_file("depth-server.pem");
    for (std::size_t i = 1; i < wire::max_certificate_entries + (one_more ? 1 : 0); ++i) {
        const bytes ca = read_file(depth_ca(8 - static_cast<int>((i - 1) % 9)));
        pem.insert(pem.end(), ca.begin(), ca.end());
    }
    context server_ctx;
    server_ctx.use_certificate_chain(pem);
    server_ctx.use_private_key_file(cert_path("depth-server.key"));
    auto client_ctx = client_context();
    client_ctx.set_verify_mode(verify_none);
    engine_pair p(only(client_ctx, v), only(server_ctx, v));
    const bool ok = p.handshake();
    BOOST_TEST(ok == !one_more, "client: " << describe(p.client.error()));
    if (one_more)
        MTLS_CHECK_FAILURE(p.client, error::certificate_list_too_long, p.server, alert::bad_certificate);
}

BOOST_DATA_TEST_CASE(ten_thousand_tiny_entries, data::make({verify_none, verify_peer}), mode)
{
    auto client_ctx = only(client_context(), tls_version::tls12);
    client_ctx.set_verify_mode(mode);
    engine_pair p(client_ctx, only(server_context(), tls_version::tls12));
    p.tamper = [&](flight& f) {
        if (f.dir == direction::to_client && f.index == 0)
            replace_certificate12(f, 10000);
    };
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.client, error::certificate_list_too_long, p.server, alert::bad_certificate);
}

BOOST_AUTO_TEST_CASE(parsers_stop_at_the_cap)
{
    // RFC 8446 §4.4.2 entries: cert_data<1..2^24-1>, extensions<0..2^16-1>.
    auto certificate13 = [](std::size_t entries) {
        bytes list;
        for (std::size_t i = 0; i < entries; ++i) {
            put24(list, 1);
            put8(list, 0x30);
            put16(list, 0);
        }
        bytes body;
        put8(body, 0);   // certificate_request_context
        put24(body, list.size());
        body.insert(body.end(), list.begin(), list.end());
        return body;
    };
    const auto too_long = describe(make_error_code(error::certificate_list_too_long));
    wire::certificate13 out;
    BOOST_TEST(describe(wire::parse_certificate13(certificate13(10000), out)) == too_long);
    BOOST_TEST(describe(wire::parse_certificate13(certificate13(wire::max_certificate_entries + 1), out)) ==
               too_long);
    BOOST_TEST(describe(wire::parse_certificate13(certificate13(wire::max_certificate_entries), out)) ==
               describe({}));
    BOOST_TEST(out.chain.size() == wire::max_certificate_entries);

    std::vector<std::span<const std::byte>> chain;
    bytes body12;
    put24(body12, 4 * (wire::max_certificate_entries + 1));
    for (std::size_t i = 0; i < wire::max_certificate_entries + 1; ++i) {
        put24(body12, 1);
        put8(body12, 0x30);
    }
    BOOST_TEST(describe(wire::parse_certificate12(body12, chain)) == too_long);
}

BOOST_AUTO_TEST_SUITE_END()
