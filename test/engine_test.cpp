// mtls::engine, client against server in memory: every TLS 1.2 suite and
// group, client certificates, application data and closure, input in
// arbitrary pieces, negotiation failures, certificate verification, and
// record replay. Malformed and hostile input is in engine_bad_input_test.cpp.

#define BOOST_TEST_MODULE engine
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "support/bytes.hpp"
#include "support/certs.hpp"
#include "support/checks.hpp"
#include "support/messages.hpp"
#include "support/pump.hpp"
#include "support/records.hpp"

#include <optional>
#include <string>
#include <vector>

using namespace mtls;
using namespace mtls::test;

// These tests drive the TLS 1.2 handshake message by message; TLS 1.3 has
// its own files.
BOOST_TEST_GLOBAL_FIXTURE(tls12_contexts);
namespace data = boost::unit_test::data;

namespace {

const std::vector<cipher_suite> all_suites{
    cipher_suite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256,
    cipher_suite::tls_ecdhe_ecdsa_with_aes_256_gcm_sha384,
    cipher_suite::tls_ecdhe_ecdsa_with_chacha20_poly1305_sha256,
    cipher_suite::tls_ecdhe_rsa_with_aes_128_gcm_sha256,
    cipher_suite::tls_ecdhe_rsa_with_aes_256_gcm_sha384,
    cipher_suite::tls_ecdhe_rsa_with_chacha20_poly1305_sha256,
};

const std::vector<named_group> all_groups{named_group::x25519, named_group::secp256r1, named_group::secp384r1};

bool is_ecdsa(cipher_suite s)
{
    return s == cipher_suite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256 ||
           s == cipher_suite::tls_ecdhe_ecdsa_with_aes_256_gcm_sha384 ||
           s == cipher_suite::tls_ecdhe_ecdsa_with_chacha20_poly1305_sha256;
}

/// Bytes an AEAD record adds to its plaintext: explicit nonce and tag for GCM
/// (RFC 5288 §3), the tag alone for ChaCha20-Poly1305 (RFC 7905 §2).
std::size_t record_expansion(cipher_suite s)
{
    bool chacha = s == cipher_suite::tls_ecdhe_ecdsa_with_chacha20_poly1305_sha256 ||
                  s == cipher_suite::tls_ecdhe_rsa_with_chacha20_poly1305_sha256;
    return chacha ? 16 : 8 + 16;
}


/// Checks what both ends report after a successful handshake.
void check_info(engine_pair& p, cipher_suite suite, named_group group, bool client_cert)
{
    for (engine* e : {&p.client, &p.server}) {
        BOOST_TEST_CONTEXT((e == &p.client ? "client" : "server"))
        {
            const auto& i = e->info();
            BOOST_TEST(i.version == tls_version::tls12);
            BOOST_TEST(i.suite == suite);
            BOOST_TEST(i.group == group);
            BOOST_TEST(i.extended_master_secret);
            BOOST_TEST(e->is_open());
        }
    }
    check_peers(p, client_cert);
}

} // namespace

BOOST_AUTO_TEST_SUITE(handshake)

BOOST_DATA_TEST_CASE(every_suite_and_group, data::make(all_suites) * data::make(all_groups) * data::make({false, true}),
                     suite, group, client_cert)
{
    auto server_ctx = client_cert ? server_context_requiring_client_cert(is_ecdsa(suite) ? "server-ecdsa" : "server-rsa")
                                  : server_context(is_ecdsa(suite) ? "server-ecdsa" : "server-rsa");
    server_ctx.set_cipher_suites({suite});
    server_ctx.set_groups({group});
    engine_pair p(client_context(client_cert ? "client-ecdsa" : ""), server_ctx);

    MTLS_REQUIRE_HANDSHAKE(p);
    check_info(p, suite, group, client_cert);
    BOOST_TEST(p.exchange(pattern(1000, 1), pattern(3000, 2)));
    BOOST_TEST(p.exchange(pattern(1, 3), pattern(0, 4)));
}

BOOST_AUTO_TEST_CASE(p384_server_key)
{
    auto server_ctx = server_context_requiring_client_cert("server-p384");
    server_ctx.set_cipher_suites({cipher_suite::tls_ecdhe_ecdsa_with_aes_256_gcm_sha384});
    engine_pair p(client_context("client-ecdsa"), server_ctx);
    MTLS_REQUIRE_HANDSHAKE(p);
    BOOST_TEST(p.client.info().suite == cipher_suite::tls_ecdhe_ecdsa_with_aes_256_gcm_sha384);
    BOOST_TEST(p.exchange(pattern(100), pattern(200)));
}

BOOST_AUTO_TEST_CASE(rsa_client_key)
{
    for (const char* server_cred : {"server-ecdsa", "server-rsa"}) {
        BOOST_TEST_CONTEXT("server credential " << server_cred)
        {
            engine_pair p(client_context("client-rsa"), server_context_requiring_client_cert(server_cred));
            MTLS_REQUIRE_HANDSHAKE(p);
            BOOST_TEST(p.server.info().peer_certificates.size() == 1u);
            BOOST_TEST(contains(p.server.info().peer_subject, "CN=mtls test client"));
            BOOST_TEST(p.exchange(pattern(100), pattern(200)));
        }
    }
}

BOOST_AUTO_TEST_CASE(server_chain_with_intermediate)
{
    engine_pair p(client_context(), server_context("server-chain"));
    MTLS_REQUIRE_HANDSHAKE(p);
    BOOST_TEST(p.client.info().peer_certificates.size() == 2u);
}

BOOST_AUTO_TEST_CASE(optional_client_certificate_absent)
{
    // verify_peer without verify_fail_if_no_peer_cert: asked for, not required.
    auto server_ctx = server_context();
    server_ctx.set_verify_mode(verify_peer);
    engine_pair p(client_context(), server_ctx);
    MTLS_REQUIRE_HANDSHAKE(p);
    BOOST_TEST(p.server.info().peer_certificates.empty());
    BOOST_TEST(p.server.info().peer_subject.empty());
}

BOOST_AUTO_TEST_CASE(client_certificate_not_requested)
{
    // A server in verify_none sends no CertificateRequest, so the client's
    // certificate is not sent.
    bool request_seen = false;
    engine_pair p(client_context("client-ecdsa"), server_context());
    p.tamper = [&](flight& f) {
        if (f.dir == direction::to_client && f.has(msg::certificate_request))
            request_seen = true;
    };
    MTLS_REQUIRE_HANDSHAKE(p);
    BOOST_TEST(!request_seen);
    BOOST_TEST(p.server.info().peer_certificates.empty());
}

BOOST_AUTO_TEST_CASE(required_client_certificate_missing)
{
    // RFC 5246 §7.4.6: a server that requires client authentication may
    // answer an empty Certificate with a fatal handshake_failure alert (TLS
    // 1.2 has no certificate_required alert).
    engine_pair p(client_context(), server_context_requiring_client_cert());
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.server, error::peer_certificate_required, p.client, alert::handshake_failure);
    BOOST_TEST(!p.server.handshake_done());
}

BOOST_AUTO_TEST_CASE(secure_renegotiation_signalled)
{
    // RFC 5746 §3.4: the client sends the SCSV or an empty renegotiation_info;
    // §3.6: the server answers with an empty renegotiation_info.
    bool client_signalled = false;
    std::optional<bytes> server_ri;
    engine_pair p(client_context(), server_context());
    p.tamper = [&](flight& f) {
        if (f.index != 0)
            return;
        if (f.dir == direction::to_server) {
            auto ch = f.find(msg::client_hello).value();
            auto ri = extension_data(ch, ext::renegotiation_info);
            auto l = layout_of(ch);
            bool scsv = false;
            for (std::size_t i = 0; i < get16(ch, l.suites) / 2; ++i)
                scsv = scsv || get16(ch, l.suites + 2 + 2 * i) == 0x00FF;
            client_signalled = scsv || (ri && *ri == bytes{std::byte{0}});
        } else {
            server_ri = extension_data(f.find(msg::server_hello).value(), ext::renegotiation_info);
        }
    };
    MTLS_REQUIRE_HANDSHAKE(p);
    BOOST_TEST(client_signalled);
    BOOST_TEST_REQUIRE(server_ri.has_value());
    BOOST_TEST((*server_ri == bytes{std::byte{0}}));
}

BOOST_AUTO_TEST_CASE(test_hooks_fix_randoms_and_ephemeral_keys)
{
    // RFC 7748 §6.1: Alice's and Bob's X25519 key pairs.
    auto hex = [](std::string_view h) {
        bytes b;
        for (std::size_t i = 0; i + 1 < h.size(); i += 2)
            b.push_back(std::byte(static_cast<std::uint8_t>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16))));
        return b;
    };
    const auto alice_private = hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
    const auto alice_public = hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
    const auto bob_private = hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
    const auto bob_public = hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");

    engine_test_hooks client_hooks;
    client_hooks.random = [](std::span<std::byte> out) { std::fill(out.begin(), out.end(), std::byte{0xC1}); };
    client_hooks.ephemeral_private_key = [&](named_group g) {
        BOOST_TEST(g == named_group::x25519);
        return alice_private;
    };
    engine_test_hooks server_hooks;
    server_hooks.random = [](std::span<std::byte> out) { std::fill(out.begin(), out.end(), std::byte{0x5E}); };
    server_hooks.ephemeral_private_key = [&](named_group) { return bob_private; };

    auto server_ctx = server_context();
    server_ctx.set_groups({named_group::x25519});
    engine_pair p(client_context(), server_ctx, client_hooks, server_hooks);
    bytes client_random, server_random, server_share, client_share;
    p.tamper = [&](flight& f) {
        if (f.dir == direction::to_server && f.index == 0) {
            auto ch = f.find(msg::client_hello).value();
            client_random.assign(ch.begin() + 6, ch.begin() + 38);
        } else if (f.dir == direction::to_client && f.index == 0) {
            auto sh = f.find(msg::server_hello).value();
            server_random.assign(sh.begin() + 6, sh.begin() + 38);
            // curve_type(1) named_curve(2) length(1) point (RFC 8422 §5.4)
            auto ske = f.find(msg::server_key_exchange).value();
            server_share.assign(ske.begin() + 8, ske.begin() + 8 + std::to_integer<std::ptrdiff_t>(ske.at(7)));
        } else if (f.dir == direction::to_server && f.index == 1) {
            auto cke = f.find(msg::client_key_exchange).value();
            client_share.assign(cke.begin() + 5, cke.end());
        }
    };
    MTLS_REQUIRE_HANDSHAKE(p);
    BOOST_TEST((client_random == bytes(32, std::byte{0xC1})));
    // RFC 8446 §4.1.3 downgrade sentinels are TLS 1.3 servers' business; a
    // TLS 1.2-only server sends its random as the hook gave it.
    BOOST_TEST((server_random == bytes(32, std::byte{0x5E})));
    BOOST_TEST((client_share == alice_public));
    BOOST_TEST((server_share == bob_public));
    BOOST_TEST(p.exchange(pattern(10), pattern(10)));
}

BOOST_AUTO_TEST_CASE(engine_side)
{
    engine_pair p(client_context(), server_context());
    BOOST_TEST((p.client.side() == role::client));
    BOOST_TEST((p.server.side() == role::server));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(application_data)

BOOST_DATA_TEST_CASE(megabyte_each_way,
                     data::make({cipher_suite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256,
                                 cipher_suite::tls_ecdhe_ecdsa_with_aes_256_gcm_sha384,
                                 cipher_suite::tls_ecdhe_ecdsa_with_chacha20_poly1305_sha256}),
                     suite)
{
    auto server_ctx = server_context();
    server_ctx.set_cipher_suites({suite});
    engine_pair p(client_context(), server_ctx);
    MTLS_REQUIRE_HANDSHAKE(p);

    const auto up = pattern(1u << 20, 7);
    const auto down = pattern(1u << 20, 8);

    // Client: one write() of the whole megabyte.
    BOOST_TEST(p.client.write(up) == up.size());

    // Server: records filled by hand through prepare_record / seal_record,
    // in uneven sizes, some of them full.
    const std::size_t sizes[] = {1, 16384, 1000, 7, 16384, 12345};
    std::size_t sent = 0;
    for (std::size_t i = 0; sent < down.size(); ++i) {
        auto room = p.server.prepare_record();
        BOOST_TEST_REQUIRE(room.size() == max_plaintext); // RFC 5246 §6.2.1
        std::size_t n = std::min({sizes[i % std::size(sizes)], room.size(), down.size() - sent});
        std::copy_n(down.begin() + static_cast<std::ptrdiff_t>(sent), n, room.begin());
        p.server.seal_record(n);
        sent += n;
    }
    BOOST_TEST_REQUIRE(p.pump());
    BOOST_TEST((p.received(direction::to_server) == up));
    BOOST_TEST((p.received(direction::to_client) == down));

    // Each record carries at most 2^14 bytes of plaintext.
    for (direction d : {direction::to_server, direction::to_client}) {
        BOOST_TEST_CONTEXT(d)
        {
            std::size_t app_records = 0;
            for (const auto& r : p.log(d)) {
                if (r.type != content::application_data)
                    continue;
                ++app_records;
                BOOST_TEST(r.encrypted);
                BOOST_TEST(r.body.size() <= max_plaintext + record_expansion(suite));
                BOOST_TEST(r.body.size() >= record_expansion(suite));
            }
            BOOST_TEST(app_records >= (1u << 20) / max_plaintext);
            BOOST_TEST(p.largest_plaintext(d) == max_plaintext);
        }
    }
    // write() fills records: a megabyte is exactly 64 full records.
    std::size_t client_records = 0;
    for (const auto& r : p.log(direction::to_server))
        if (r.type == content::application_data) {
            ++client_records;
            BOOST_TEST(r.body.size() == max_plaintext + record_expansion(suite));
        }
    BOOST_TEST(client_records == 64u);
}

BOOST_AUTO_TEST_CASE(nothing_written_before_handshake)
{
    engine_pair p(client_context(), server_context());
    BOOST_TEST(!p.client.is_open());
    BOOST_TEST(p.client.write(pattern(10)) == 0u);
    p.start();
    BOOST_TEST(p.client.write(pattern(10)) == 0u);
    BOOST_TEST_REQUIRE(p.pump());
    BOOST_TEST_REQUIRE(p.handshake_ok());
    BOOST_TEST(p.received(direction::to_server).empty());
}

BOOST_AUTO_TEST_CASE(close_notify)
{
    engine_pair p(client_context(), server_context());
    MTLS_REQUIRE_HANDSHAKE(p);
    BOOST_TEST_REQUIRE(p.exchange(pattern(500, 1), pattern(600, 2)));

    p.client.close();
    BOOST_TEST(p.client.closed_for_writing());
    BOOST_TEST(!p.client.is_open());
    BOOST_TEST(!p.client.failed());
    // Writing after close fails.
    BOOST_TEST(p.client.write(pattern(10)) == 0u);
    BOOST_TEST_REQUIRE(p.pump());

    BOOST_TEST(p.server.peer_closed());
    BOOST_TEST(!p.server.failed(), describe(p.server.error()));
    BOOST_TEST(!p.client.peer_closed());

    // The server may still send; then it closes too.
    p.received(direction::to_client).clear();
    BOOST_TEST(p.server.write(pattern(300, 3)) == 300u);
    p.server.close();
    BOOST_TEST_REQUIRE(p.pump());
    BOOST_TEST((p.received(direction::to_client) == pattern(300, 3)));
    BOOST_TEST(p.client.peer_closed());
    BOOST_TEST(p.server.write(pattern(10)) == 0u);

    // End of stream after close_notify is an orderly close, not truncation.
    p.client.on_transport_eof();
    p.server.on_transport_eof();
    BOOST_TEST(!p.client.failed(), describe(p.client.error()));
    BOOST_TEST(!p.server.failed(), describe(p.server.error()));
}

BOOST_AUTO_TEST_CASE(eof_without_close_notify_is_truncation)
{
    engine_pair p(client_context(), server_context());
    MTLS_REQUIRE_HANDSHAKE(p);
    BOOST_TEST_REQUIRE(p.exchange(pattern(10), pattern(10)));
    p.client.on_transport_eof();
    BOOST_TEST(describe(p.client.error()) == describe(make_error_code(error::stream_truncated)));
    BOOST_TEST(!p.client.is_open());
}

BOOST_DATA_TEST_CASE(input_in_small_pieces, data::make({std::size_t{1}, std::size_t{3}, std::size_t{100}}), piece)
{
    // Records and handshake messages reassembled from arbitrary pieces give
    // the same result as whole flights.
    auto server_ctx = server_context_requiring_client_cert();
    server_ctx.set_cipher_suites({cipher_suite::tls_ecdhe_ecdsa_with_chacha20_poly1305_sha256});
    server_ctx.set_groups({named_group::secp384r1});
    engine_pair p(client_context("client-ecdsa"), server_ctx);
    p.feed_size = piece;
    MTLS_REQUIRE_HANDSHAKE(p);
    check_info(p, cipher_suite::tls_ecdhe_ecdsa_with_chacha20_poly1305_sha256, named_group::secp384r1, true);
    BOOST_TEST(p.exchange(pattern(40000, 5), pattern(33000, 6)));
    p.client.close();
    BOOST_TEST_REQUIRE(p.pump());
    BOOST_TEST(p.server.peer_closed());
    BOOST_TEST(!p.server.failed());
}

BOOST_AUTO_TEST_CASE(replayed_record)
{
    // RFC 5246 §6.2.3.3: the sequence number is part of the nonce and the
    // additional data, so a record replayed later fails authentication.
    engine_pair p(client_context(), server_context());
    MTLS_REQUIRE_HANDSHAKE(p);
    BOOST_TEST_REQUIRE(p.exchange(pattern(100, 1), {}));
    const auto& log = p.log(direction::to_server);
    auto it = std::find_if(log.rbegin(), log.rend(), [](const record& r) { return r.type == content::application_data; });
    BOOST_TEST_REQUIRE((it != log.rend()));
    auto replay = it->serialize();
    p.inject(direction::to_server, replay);
    BOOST_TEST_REQUIRE(p.pump());
    MTLS_CHECK_FAILURE(p.server, error::bad_record_mac, p.client, alert::bad_record_mac);
    BOOST_TEST(p.received(direction::to_server) == pattern(100, 1));
}

BOOST_AUTO_TEST_CASE(reordered_records)
{
    engine_pair p(client_context(), server_context());
    MTLS_REQUIRE_HANDSHAKE(p);
    p.tamper = [](flight& f) {
        if (f.dir == direction::to_server && f.records.size() == 2)
            std::swap(f.records[0], f.records[1]);
    };
    p.client.write(pattern(10, 1));
    p.client.write(pattern(10, 2));
    BOOST_TEST_REQUIRE(p.pump());
    MTLS_CHECK_FAILURE(p.server, error::bad_record_mac, p.client, alert::bad_record_mac);
    BOOST_TEST(p.received(direction::to_server).empty());
}

BOOST_AUTO_TEST_CASE(modified_application_data)
{
    engine_pair p(client_context(), server_context());
    MTLS_REQUIRE_HANDSHAKE(p);
    p.tamper = [](flight& f) {
        if (f.dir == direction::to_client)
            f.records.at(0).body.at(10) ^= std::byte{0x01};
    };
    p.server.write(pattern(100));
    BOOST_TEST_REQUIRE(p.pump());
    MTLS_CHECK_FAILURE(p.client, error::bad_record_mac, p.server, alert::bad_record_mac);
    BOOST_TEST(p.received(direction::to_client).empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(negotiation)

BOOST_AUTO_TEST_CASE(no_common_cipher_suite)
{
    auto client_ctx = client_context();
    client_ctx.set_cipher_suites({cipher_suite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256});
    auto server_ctx = server_context();
    server_ctx.set_cipher_suites({cipher_suite::tls_ecdhe_ecdsa_with_chacha20_poly1305_sha256});
    engine_pair p(client_ctx, server_ctx);
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.server, error::no_shared_cipher, p.client, alert::handshake_failure);
}

BOOST_AUTO_TEST_CASE(no_suite_for_the_server_key)
{
    // The client offers only RSA suites; the server holds an ECDSA key.
    auto client_ctx = client_context();
    client_ctx.set_cipher_suites({cipher_suite::tls_ecdhe_rsa_with_aes_128_gcm_sha256,
                                  cipher_suite::tls_ecdhe_rsa_with_chacha20_poly1305_sha256});
    engine_pair p(client_ctx, server_context("server-ecdsa"));
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.server, error::no_shared_cipher, p.client, alert::handshake_failure);
}

BOOST_AUTO_TEST_CASE(no_common_group)
{
    auto client_ctx = client_context();
    client_ctx.set_groups({named_group::x25519});
    auto server_ctx = server_context();
    server_ctx.set_groups({named_group::secp384r1});
    engine_pair p(client_ctx, server_ctx);
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.server, error::no_shared_group, p.client, alert::handshake_failure);
}

BOOST_AUTO_TEST_CASE(server_picks_from_its_own_list)
{
    auto client_ctx = client_context();
    client_ctx.set_groups({named_group::x25519, named_group::secp256r1, named_group::secp384r1});
    auto server_ctx = server_context();
    server_ctx.set_groups({named_group::secp256r1, named_group::secp384r1});
    engine_pair p(client_ctx, server_ctx);
    MTLS_REQUIRE_HANDSHAKE(p);
    BOOST_TEST(p.client.info().group == named_group::secp256r1);
    BOOST_TEST(p.server.info().group == named_group::secp256r1);
}

BOOST_AUTO_TEST_CASE(client_requires_tls13)
{
    // RFC 8446 §4.2.1: supported_versions lists only 1.3, which a 1.2-only
    // server does not speak.
    auto client_ctx = client_context();
    client_ctx.set_min_version(tls_version::tls13);
    client_ctx.set_max_version(tls_version::tls13);
    auto server_ctx = server_context();
    server_ctx.set_max_version(tls_version::tls12);
    engine_pair p(client_ctx, server_ctx);
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.server, error::protocol_version, p.client, alert::protocol_version);
}

BOOST_AUTO_TEST_CASE(no_version_within_the_clients_own_range)
{
    // min above max leaves nothing to offer: the client fails before sending.
    auto client_ctx = client_context();
    client_ctx.set_min_version(tls_version::tls13);
    client_ctx.set_max_version(tls_version::tls12);
    engine_pair p(client_ctx, server_context());
    BOOST_TEST(!p.handshake());
    BOOST_TEST(describe(p.client.error()) == describe(make_error_code(error::protocol_version)));
    BOOST_TEST(!p.server.handshake_done());
}

BOOST_AUTO_TEST_CASE(server_requires_tls13)
{
    auto client_ctx = client_context();
    client_ctx.set_max_version(tls_version::tls12);
    auto server_ctx = server_context();
    server_ctx.set_min_version(tls_version::tls13);
    engine_pair p(client_ctx, server_ctx);
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.server, error::protocol_version, p.client, alert::protocol_version);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(certificates)

BOOST_AUTO_TEST_CASE(untrusted_server)
{
    engine_pair p(client_context(), server_context("server-untrusted"));
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.client, error::certificate_untrusted, p.server, alert::unknown_ca);
}

BOOST_AUTO_TEST_CASE(untrusted_client)
{
    engine_pair p(client_context("client-untrusted"), server_context_requiring_client_cert());
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.server, error::certificate_untrusted, p.client, alert::unknown_ca);
}

BOOST_AUTO_TEST_CASE(untrusted_optional_client_certificate)
{
    // verify_peer alone: a certificate that is sent is still verified.
    auto server_ctx = server_context();
    server_ctx.set_verify_mode(verify_peer);
    engine_pair p(client_context("client-untrusted"), server_ctx);
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.server, error::certificate_untrusted, p.client, alert::unknown_ca);
}

BOOST_AUTO_TEST_CASE(client_verify_none_accepts_untrusted_server)
{
    auto client_ctx = client_context();
    client_ctx.set_verify_mode(verify_none);
    engine_pair p(client_ctx, server_context("server-untrusted"));
    MTLS_REQUIRE_HANDSHAKE(p);
}

BOOST_AUTO_TEST_CASE(expired_server)
{
    engine_pair p(client_context(), server_context("server-expired"));
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.client, error::certificate_expired, p.server, alert::certificate_expired);
}

BOOST_AUTO_TEST_CASE(expired_client)
{
    engine_pair p(client_context("client-expired"), server_context_requiring_client_cert());
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.server, error::certificate_expired, p.client, alert::certificate_expired);
}

BOOST_AUTO_TEST_CASE(client_certificate_for_the_wrong_purpose)
{
    // EKU serverAuth only: not usable for client authentication (RFC 5280 §4.2.1.12).
    engine_pair p(client_context("client-wrong-purpose"), server_context_requiring_client_cert());
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.server, error::certificate_bad_purpose, p.client, alert::unsupported_certificate);
}

BOOST_AUTO_TEST_CASE(host_name_mismatch)
{
    engine_pair p(client_context(), server_context());
    p.client.set_host_name("wrong.example");
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.client, error::certificate_host_mismatch, p.server, alert::bad_certificate);
}

BOOST_DATA_TEST_CASE(host_names_that_match,
                     data::make({std::string("localhost"), std::string("LOCALHOST"), std::string("127.0.0.1")}), host)
{
    // RFC 6125 §6.4.1: DNS names compare case-insensitively; an IP literal
    // matches an IP-address SAN.
    engine_pair p(client_context(), server_context());
    p.client.set_host_name(host);
    const bool ok = p.handshake();
    BOOST_TEST(ok, "client: " << describe(p.client.error()));
}

BOOST_DATA_TEST_CASE(host_names_that_do_not_match,
                     data::make({std::string("127.0.0.2"), std::string("localhost.example"), std::string("::1")}),
                     host)
{
    engine_pair p(client_context(), server_context());
    p.client.set_host_name(host);
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.client, error::certificate_host_mismatch, p.server, alert::bad_certificate);
}

BOOST_DATA_TEST_CASE(wildcard_names,
                     data::make({std::string("a.example.test"), std::string("example.test"),
                                 std::string("a.b.example.test")}) ^
                         data::make({true, false, false}),
                     host, matches)
{
    // RFC 6125 §6.4.3: "*" stands for exactly one left-most label.
    engine_pair p(client_context(), server_context("server-wildcard"));
    p.client.set_host_name(host);
    const bool ok = p.handshake();
    BOOST_TEST(ok == matches, "client: " << describe(p.client.error()));
    if (!matches)
        MTLS_CHECK_FAILURE(p.client, error::certificate_host_mismatch, p.server, alert::bad_certificate);
}

BOOST_AUTO_TEST_CASE(verify_callback_rejects)
{
    std::vector<int> depths;
    std::string leaf_subject;
    engine_pair p(client_context(), server_context());
    p.client.set_verify_callback([&](bool preverified, verify_context& vc) {
        BOOST_TEST(preverified);
        depths.push_back(vc.depth());
        if (vc.depth() == 0) {
            leaf_subject = vc.subject();
            BOOST_TEST(!vc.certificate().empty());
            return false;
        }
        return true;
    });
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.client, error::certificate_rejected, p.server, alert::certificate_unknown);
    BOOST_TEST_REQUIRE(!depths.empty());
    BOOST_TEST(depths.back() == 0);      // anchor first, the peer's own last
    BOOST_TEST(contains(leaf_subject, "CN=localhost"), leaf_subject);
}

BOOST_AUTO_TEST_CASE(verify_callback_overrides_untrusted_chain)
{
    bool saw_failure = false;
    engine_pair p(client_context(), server_context("server-untrusted"));
    p.client.set_verify_callback([&](bool preverified, verify_context& vc) {
        if (!preverified) {
            saw_failure = true;
            BOOST_TEST(describe(vc.error()) == describe(make_error_code(error::certificate_untrusted)));
        }
        return true;
    });
    MTLS_REQUIRE_HANDSHAKE(p);
    BOOST_TEST(saw_failure);
    BOOST_TEST(p.exchange(pattern(10), pattern(10)));
}

BOOST_AUTO_TEST_CASE(server_verify_callback_rejects_client)
{
    std::string subject;
    engine_pair p(client_context("client-ecdsa"), server_context_requiring_client_cert());
    p.server.set_verify_callback([&](bool, verify_context& vc) {
        if (vc.depth() == 0)
            subject = vc.subject();
        return vc.depth() != 0;
    });
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.server, error::certificate_rejected, p.client, alert::certificate_unknown);
    BOOST_TEST(contains(subject, "CN=mtls test client"), subject);
}

BOOST_AUTO_TEST_CASE(engine_verify_mode_overrides_context)
{
    // The server context does not ask; the engine does and requires.
    engine_pair p(client_context(), server_context());
    p.server.set_verify_mode(verify_peer | verify_fail_if_no_peer_cert);
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.server, error::peer_certificate_required, p.client, alert::handshake_failure);
}

BOOST_AUTO_TEST_SUITE_END()
