// mtls::engine, client against server in memory: which suite a server picks
// under each context::set_cipher_preference, TLS 1.2 and 1.3. `fastest` puts
// the server's crypto provider's cheapest AEAD first whatever the client's
// order (ChaCha20-Poly1305 with mbedTLS, AES-128-GCM with OpenSSL,
// src/crypto/aead_speed.hpp), `client` takes the client's first, the default
// `server` keeps the server's own list order; none ever picks a suite the
// client did not offer or the server left out. The OpenSSL twin of this test
// expects OpenSSL's order.

#define BOOST_TEST_MODULE engine_cipher_preference
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "support/certs.hpp"
#include "support/checks.hpp"
#include "support/pump.hpp"

#include <boost/system/system_error.hpp>

#include <algorithm>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace mtls {
// For the data test cases' log lines.
std::ostream& operator<<(std::ostream& os, cipher_preference p)
{
    switch (p) {
    case cipher_preference::server: return os << "server";
    case cipher_preference::client: return os << "client";
    case cipher_preference::fastest: return os << "fastest";
    }
    return os << "cipher_preference(" << int(p) << ")";
}
} // namespace mtls

using namespace mtls;
using namespace mtls::test;
namespace data = boost::unit_test::data;

namespace {

enum class aead { aes128, aes256, chacha };

/// The AEADs by what they cost `p` per byte, cheapest first.
std::vector<aead> cheapest_first(crypto_provider p)
{
    if (p == crypto_provider::mbedtls)
        return {aead::chacha, aead::aes128, aead::aes256};
    return {aead::aes128, aead::aes256, aead::chacha};
}

/// The order for the provider the contexts below use (MTLS_CRYPTO_PROVIDER).
const std::vector<aead> by_cost = cheapest_first(context{}.provider());

const std::vector<cipher_preference> preferences{cipher_preference::server, cipher_preference::client,
                                                 cipher_preference::fastest};

/// The suite of `v` with AEAD `a`; TLS 1.2 ones for an ECDSA (or RSA) certificate.
cipher_suite suite(tls_version v, aead a, bool rsa = false)
{
    if (v == tls_version::tls13) {
        switch (a) {
        case aead::aes128: return cipher_suite::tls_aes_128_gcm_sha256;
        case aead::aes256: return cipher_suite::tls_aes_256_gcm_sha384;
        case aead::chacha: return cipher_suite::tls_chacha20_poly1305_sha256;
        }
    }
    switch (a) {
    case aead::aes128:
        return rsa ? cipher_suite::tls_ecdhe_rsa_with_aes_128_gcm_sha256
                   : cipher_suite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256;
    case aead::aes256:
        return rsa ? cipher_suite::tls_ecdhe_rsa_with_aes_256_gcm_sha384
                   : cipher_suite::tls_ecdhe_ecdsa_with_aes_256_gcm_sha384;
    case aead::chacha: break;
    }
    return rsa ? cipher_suite::tls_ecdhe_rsa_with_chacha20_poly1305_sha256
               : cipher_suite::tls_ecdhe_ecdsa_with_chacha20_poly1305_sha256;
}

std::vector<cipher_suite> suites(tls_version v, std::vector<aead> as, bool rsa = false)
{
    std::vector<cipher_suite> out;
    for (auto a : as)
        out.push_back(suite(v, a, rsa));
    return out;
}

struct setup {
    tls_version version;
    std::vector<cipher_suite> client_offers;
    /// Empty: the server's default list.
    std::vector<cipher_suite> server_allows = {};
    /// Empty: set_cipher_preference is not called.
    std::vector<cipher_preference> preference = {};
    const char* server_credential = "server-ecdsa";
};

/// Runs the handshake; the suite both ends agreed on.
cipher_suite chosen(const setup& s)
{
    auto server_ctx = versioned(server_context(s.server_credential), s.version);
    if (!s.server_allows.empty())
        server_ctx.set_cipher_suites(s.server_allows);
    for (auto p : s.preference)
        server_ctx.set_cipher_preference(p);
    auto client_ctx = versioned(client_context(), s.version);
    client_ctx.set_cipher_suites(s.client_offers);
    engine_pair p(client_ctx, server_ctx);
    MTLS_REQUIRE_HANDSHAKE(p);
    BOOST_TEST(p.client.info().version == s.version);
    BOOST_TEST(p.client.info().suite == p.server.info().suite);
    return p.server.info().suite;
}

} // namespace

BOOST_DATA_TEST_CASE(fastest_picks_the_cheapest_offered_last, data::make(versions), v)
{
    const auto offer = suites(v, {by_cost[2], by_cost[1], by_cost[0]});
    BOOST_TEST(chosen({v, offer, {}, {cipher_preference::fastest}}) == suite(v, by_cost[0]));
    // The server's own order puts the dearest first; fastest overrides it.
    BOOST_TEST(chosen({v, offer, offer, {cipher_preference::fastest}}) == suite(v, by_cost[0]));
}

/// A server context over provider `p`, whatever MTLS_CRYPTO_PROVIDER says.
context server_over(crypto_provider p, tls_version v)
{
    context ctx{p};
    use_credential(ctx, "server-ecdsa");
    ctx.load_verify_file(cert_path("ca.pem"));
    return versioned(std::move(ctx), v);
}

BOOST_DATA_TEST_CASE(fastest_follows_the_servers_provider, data::make(versions), v)
{
    // Expected costs spelled out, not from cheapest_first(): mbedTLS's
    // ChaCha20 beats its GCM, OpenSSL's AES-NI GCM beats its ChaCha20.
    const std::pair<crypto_provider, aead> cases[] = {{crypto_provider::mbedtls, aead::chacha},
                                                      {crypto_provider::openssl, aead::aes128}};
    for (const auto& [provider, cheapest] : cases) {
        if (!available(provider))
            continue;
        BOOST_TEST_CONTEXT(to_string(provider))
        {
            auto server_ctx = server_over(provider, v);
            server_ctx.set_cipher_preference(cipher_preference::fastest);
            auto client_ctx = versioned(client_context(), v);
            client_ctx.set_cipher_suites(suites(v, {aead::aes256, aead::chacha, aead::aes128}));
            engine_pair p(client_ctx, server_ctx);
            MTLS_REQUIRE_HANDSHAKE(p);
            BOOST_TEST(p.server.info().suite == suite(v, cheapest));
        }
    }
}

BOOST_DATA_TEST_CASE(default_is_the_server_order, data::make(versions), v)
{
    // The client puts ChaCha20 first; the server's default list starts with AES-128-GCM.
    const auto offer = suites(v, {aead::chacha, aead::aes256, aead::aes128});
    BOOST_TEST(chosen({v, offer}) == suite(v, aead::aes128));
    BOOST_TEST(chosen({v, offer, {}, {cipher_preference::server}}) == suite(v, aead::aes128));
    // The server's own order decides, not the default one.
    BOOST_TEST(chosen({v, offer, suites(v, {aead::aes256, aead::aes128})}) == suite(v, aead::aes256));
}

BOOST_DATA_TEST_CASE(client_order_takes_the_clients_first, data::make(versions), v)
{
    for (auto first : {aead::aes128, aead::aes256, aead::chacha}) {
        BOOST_TEST_CONTEXT("client's first " << int(first))
        {
            std::vector<aead> order{first};
            for (auto a : {aead::aes128, aead::aes256, aead::chacha})
                if (a != first)
                    order.push_back(a);
            BOOST_TEST(chosen({v, suites(v, order), {}, {cipher_preference::client}}) == suite(v, first));
        }
    }
    // The client's first that the server allows, not the client's first.
    const auto offer = suites(v, {aead::chacha, aead::aes256, aead::aes128});
    BOOST_TEST(chosen({v, offer, suites(v, {aead::aes128, aead::aes256}), {cipher_preference::client}}) ==
               suite(v, aead::aes256));
}

BOOST_DATA_TEST_CASE(the_last_call_wins, data::make(versions), v)
{
    const auto offer = suites(v, {by_cost[2], by_cost[0]});
    BOOST_TEST(chosen({v, offer, {}, {cipher_preference::fastest, cipher_preference::client}}) ==
               suite(v, by_cost[2]));
    BOOST_TEST(chosen({v, offer, {}, {cipher_preference::client, cipher_preference::fastest}}) ==
               suite(v, by_cost[0]));
}

BOOST_DATA_TEST_CASE(fastest_without_chacha_falls_back_by_cost, data::make(versions), v)
{
    // AES-128-GCM costs either provider less than AES-256-GCM, whatever the orders.
    BOOST_TEST(chosen({v, suites(v, {aead::aes256, aead::aes128}), {}, {cipher_preference::fastest}}) ==
               suite(v, aead::aes128));
    BOOST_TEST(chosen({v, suites(v, {aead::aes256, aead::aes128}), suites(v, {aead::aes256, aead::aes128}),
                       {cipher_preference::fastest}}) == suite(v, aead::aes128));
    // The server allows no ChaCha20 though the client offers it first.
    BOOST_TEST(chosen({v, suites(v, {aead::chacha, aead::aes256}), suites(v, {aead::aes256, aead::aes128}),
                       {cipher_preference::fastest}}) == suite(v, aead::aes256));
}

BOOST_AUTO_TEST_CASE(fastest_tls12_follows_the_certificate_key)
{
    // An RSA certificate: only ECDHE_RSA suites fit, the cheapest of them first.
    const auto v = tls_version::tls12;
    const std::vector<aead> dearest_first{by_cost[2], by_cost[1], by_cost[0]};
    auto offer = suites(v, dearest_first);
    const auto rsa = suites(v, dearest_first, true);
    offer.insert(offer.end(), rsa.begin(), rsa.end());
    BOOST_TEST(chosen({v, offer, {}, {cipher_preference::fastest}, "server-rsa"}) == suite(v, by_cost[0], true));
    BOOST_TEST(chosen({v, offer, {}, {cipher_preference::client}, "server-rsa"}) == suite(v, by_cost[2], true));
}

// Every preference, every non-empty set the client offers, in two orders:
// the suite picked is one the client offered.
BOOST_DATA_TEST_CASE(never_a_suite_the_client_did_not_offer, data::make(versions) * data::make(preferences), v, pref)
{
    const std::vector<aead> all{aead::aes128, aead::aes256, aead::chacha};
    for (unsigned mask = 1; mask < 8; ++mask) {
        std::vector<aead> offered;
        for (unsigned i = 0; i < 3; ++i)
            if (mask & (1u << i))
                offered.push_back(all[i]);
        for (bool reversed : {false, true}) {
            if (reversed)
                std::reverse(offered.begin(), offered.end());
            BOOST_TEST_CONTEXT("mask " << mask << (reversed ? " reversed" : ""))
            {
                const auto offer = suites(v, offered);
                const auto got = chosen({v, offer, {}, {pref}});
                BOOST_TEST((std::find(offer.begin(), offer.end(), got) != offer.end()));
                if (offered.size() == 1)
                    BOOST_TEST(got == offer.front());
            }
        }
    }
}

BOOST_DATA_TEST_CASE(no_common_suite_fails_under_every_preference, data::make(versions) * data::make(preferences), v,
                     pref)
{
    auto server_ctx = versioned(server_context(), v);
    server_ctx.set_cipher_suites(suites(v, {aead::aes128, aead::aes256}));
    server_ctx.set_cipher_preference(pref);
    auto client_ctx = versioned(client_context(), v);
    client_ctx.set_cipher_suites(suites(v, {aead::chacha}));
    engine_pair p(client_ctx, server_ctx);
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.server, error::no_shared_cipher, p.client, alert::handshake_failure);
}

BOOST_AUTO_TEST_CASE(a_value_that_is_no_enumerator_is_refused)
{
    context ctx;
    try {
        ctx.set_cipher_preference(static_cast<cipher_preference>(7));
        BOOST_FAIL("set_cipher_preference accepted 7");
    } catch (const boost::system::system_error& e) {
        BOOST_TEST(cause_code(e.code()) == make_error_code(error::invalid_configuration));
        BOOST_TEST(contains(e.what(), "set_cipher_preference"));
    }
}
