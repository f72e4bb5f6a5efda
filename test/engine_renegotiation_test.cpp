// A renegotiation attempt after the TLS 1.2 handshake is refused (RFC 5746
// is supported for signalling only). The attempt must arrive encrypted, so
// the test derives the peer's write keys itself from the injected randoms
// and ephemeral keys and the transcript it observed (RFC 5246 §6.3, §8.1,
// RFC 7627 §4), then seals the message as that peer would.

#define BOOST_TEST_MODULE engine_renegotiation
#include <boost/test/unit_test.hpp>

#include "support/certs.hpp"
#include "support/checks.hpp"
#include "support/messages.hpp"
#include "support/pump.hpp"
#include "support/records.hpp"

#include "crypto/hash.hpp"
#include "crypto/key_share.hpp"
#include "record/protection.hpp"

#include <cstring>

using namespace mtls;
using namespace mtls::test;

// These tests drive the TLS 1.2 handshake message by message; TLS 1.3 has
// its own files.
BOOST_TEST_GLOBAL_FIXTURE(tls12_contexts);

namespace {

std::vector<std::byte> filled(std::size_t n, std::uint8_t v) { return std::vector<std::byte>(n, std::byte{v}); }

engine_test_hooks fixed_hooks(std::uint8_t seed)
{
    engine_test_hooks h;
    h.random = [seed](std::span<std::byte> out) { std::memset(out.data(), seed, out.size()); };
    h.ephemeral_private_key = [seed](named_group) { return filled(32, seed); };
    return h;
}

/// The handshake messages of the plaintext handshake records sent in `d`.
std::vector<std::byte> plaintext_handshake(engine_pair& p, direction d, std::uint8_t stop_after)
{
    std::vector<std::byte> out;
    for (const auto& r : p.log(d)) {
        if (r.type != content::handshake || r.encrypted)
            continue;
        for (const auto& m : messages_of(r)) {
            out.insert(out.end(), m.begin(), m.end());
            if (message_type(m) == stop_after)
                return out;
        }
    }
    return out;
}

struct tls12_keys {
    crypto::secret client_key, server_key, client_iv, server_iv;
};

/// Keys of a TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 / x25519 session whose
/// client used private key `client_priv`.
tls12_keys derive(engine_pair& p, std::uint8_t client_priv)
{
    auto ch = plaintext_handshake(p, direction::to_server, 1);
    auto server_flight = plaintext_handshake(p, direction::to_client, 14);
    auto cke = plaintext_handshake(p, direction::to_server, 16);
    // Transcript up to and including ClientKeyExchange: ClientHello, the
    // server's first flight, then the client's second flight up to CKE.
    std::vector<std::byte> transcript = ch;
    transcript.insert(transcript.end(), server_flight.begin(), server_flight.end());
    transcript.insert(transcript.end(), cke.begin() + static_cast<std::ptrdiff_t>(ch.size()), cke.end());

    // Randoms sit after type(1) length(3) version(2) in each hello.
    crypto::bytes_view client_random{ch.data() + 6, 32};
    crypto::bytes_view server_random{server_flight.data() + 6, 32};

    // ServerKeyExchange: curve_type(1) group(2) len(1) point(32).
    std::size_t off = 0;
    while (std::to_integer<std::uint8_t>(server_flight[off]) != 12)
        off += 4 + ((std::to_integer<std::size_t>(server_flight[off + 1]) << 16) |
                    (std::to_integer<std::size_t>(server_flight[off + 2]) << 8) |
                    std::to_integer<std::size_t>(server_flight[off + 3]));
    crypto::bytes_view server_public{server_flight.data() + off + 4 + 4, 32};

    auto share = crypto::key_share::from_private(crypto::mbedtls_provider(), named_group::x25519, filled(32, client_priv));
    crypto::secret premaster;
    BOOST_REQUIRE(!share.agree(server_public, premaster));

    std::array<std::byte, 32> session_hash{};
    crypto::digest(crypto::mbedtls_provider(), crypto::hash_alg::sha256, transcript, session_hash);
    std::array<std::byte, 48> master{};
    crypto::prf12(crypto::mbedtls_provider(), crypto::hash_alg::sha256, premaster.view(), "extended master secret", session_hash, {}, master);
    std::array<std::byte, 40> block{};
    crypto::prf12(crypto::mbedtls_provider(), crypto::hash_alg::sha256, master, "key expansion", server_random, client_random, block);
    std::span<const std::byte> kb(block);
    return {crypto::secret(kb.subspan(0, 16)), crypto::secret(kb.subspan(16, 16)),
            crypto::secret(kb.subspan(32, 4)), crypto::secret(kb.subspan(36, 4))};
}

/// `message` sealed as record number `seq` of the given direction.
std::vector<std::byte> sealed(const crypto::secret& key, const crypto::secret& iv, std::uint64_t seq,
                              const std::vector<std::byte>& message,
                              wire::content_type type = wire::content_type::handshake)
{
    mtls::record::protection prot(crypto::mbedtls_provider(), crypto::aead_alg::aes_128_gcm, key.view(), iv.view(),
                            mtls::record::nonce_scheme::tls12_explicit);
    std::vector<std::byte> rec(mtls::record::header_size + prot.prefix_size() + message.size() + prot.suffix_size());
    for (std::uint64_t i = 0;; ++i) {
        std::memcpy(rec.data() + mtls::record::header_size + prot.prefix_size(), message.data(), message.size());
        auto n = prot.seal(type, 0x0303, rec.data(), message.size());
        if (i == seq) {
            rec.resize(n);
            return rec;
        }
    }
}

engine_pair handshaken_pair()
{
    auto server_ctx = server_context();
    server_ctx.set_cipher_suites({cipher_suite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256});
    server_ctx.set_groups({named_group::x25519});
    return engine_pair(client_context(), server_ctx, fixed_hooks(0x41), fixed_hooks(0x42));
}

} // namespace

BOOST_AUTO_TEST_CASE(derived_keys_match_the_engines)
{
    // Guards the other cases: a record sealed with the derived client keys
    // as application data is accepted by the server.
    auto p = handshaken_pair();
    BOOST_REQUIRE(p.handshake());
    auto keys = derive(p, 0x41);
    mtls::record::protection prot(crypto::mbedtls_provider(), crypto::aead_alg::aes_128_gcm, keys.client_key.view(), keys.client_iv.view(),
                            mtls::record::nonce_scheme::tls12_explicit);
    std::vector<std::byte> rec(mtls::record::header_size + 8 + 5 + 16);
    std::memcpy(rec.data() + mtls::record::header_size + 8, "hello", 5);
    // The client's Finished was record 0 under these keys.
    auto skip = rec;
    prot.seal(wire::content_type::application_data, 0x0303, skip.data(), 5);
    std::memcpy(rec.data() + mtls::record::header_size + 8, "hello", 5);
    prot.seal(wire::content_type::application_data, 0x0303, rec.data(), 5);
    p.inject(direction::to_server, rec);
    BOOST_TEST(!p.server.failed(), p.server.error().message());
    const auto& got = p.received(direction::to_server);
    BOOST_TEST(std::string(reinterpret_cast<const char*>(got.data()), got.size()) == "hello");
}

namespace {

/// The first record `e` has queued, opened as record `seq` under `key`/`iv`:
/// its content type and content.
std::pair<wire::content_type, std::vector<std::byte>> open_output(engine& e, const crypto::secret& key,
                                                                  const crypto::secret& iv, std::uint64_t seq)
{
    auto out = e.output();
    BOOST_REQUIRE(out.size() >= mtls::record::header_size);
    const std::size_t len = (std::to_integer<std::size_t>(out[3]) << 8) | std::to_integer<std::size_t>(out[4]);
    std::vector<std::byte> rec(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(mtls::record::header_size + len));
    mtls::record::protection prot(crypto::mbedtls_provider(), crypto::aead_alg::aes_128_gcm, key.view(), iv.view(),
                            mtls::record::nonce_scheme::tls12_explicit);
    // Advance the sequence number by sealing (and discarding) earlier records.
    std::vector<std::byte> scratch(mtls::record::header_size + prot.prefix_size() + prot.suffix_size());
    for (std::uint64_t i = 0; i < seq; ++i)
        prot.seal(wire::content_type::application_data, 0x0303, scratch.data(), 0);
    wire::content_type type{};
    crypto::mutable_bytes content;
    BOOST_REQUIRE(!prot.open(rec, type, content));
    return {type, {content.begin(), content.end()}};
}

const std::vector<std::byte> warning_no_renegotiation{std::byte{1}, std::byte{100}};

} // namespace

BOOST_AUTO_TEST_CASE(client_hello_after_handshake_is_refused_with_a_warning)
{
    // RFC 5746 §4.4 / RFC 5246 §7.4.1.2: a ClientHello on an established
    // connection asks to renegotiate. RFC 5246 §7.2.2: no_renegotiation "is
    // always a warning": the server declines and the connection goes on.
    auto p = handshaken_pair();
    BOOST_REQUIRE(p.handshake());
    auto keys = derive(p, 0x41);
    auto hello = plaintext_handshake(p, direction::to_server, 1);
    p.inject(direction::to_server, sealed(keys.client_key, keys.client_iv, 1, hello));
    BOOST_TEST(!p.server.failed(), p.server.error().message());
    // The server's Finished was its record 0; the warning is record 1.
    auto [type, content] = open_output(p.server, keys.server_key, keys.server_iv, 1);
    BOOST_TEST(int(type) == int(wire::content_type::alert));
    BOOST_TEST((content == warning_no_renegotiation));
    // The client goes on sending; the server still reads.
    const std::vector<std::byte> more{std::byte{'o'}, std::byte{'k'}};
    p.inject(direction::to_server, sealed(keys.client_key, keys.client_iv, 2, more, wire::content_type::application_data));
    BOOST_TEST(!p.server.failed(), p.server.error().message());
    const auto& got = p.received(direction::to_server);
    BOOST_TEST(std::string(reinterpret_cast<const char*>(got.data()), got.size()) == "ok");
}

BOOST_AUTO_TEST_CASE(hello_request_after_handshake_is_refused_with_a_warning)
{
    // RFC 5746 §4.2: a HelloRequest on an established connection asks the
    // client to renegotiate; RFC 5246 §7.4.1.1 lets the client decline with
    // a no_renegotiation warning, and the connection goes on.
    auto p = handshaken_pair();
    BOOST_REQUIRE(p.handshake());
    auto keys = derive(p, 0x41);
    const std::vector<std::byte> hello_request{std::byte{0}, std::byte{0}, std::byte{0}, std::byte{0}};
    // The server's Finished was its record 0 under these keys.
    p.inject(direction::to_client, sealed(keys.server_key, keys.server_iv, 1, hello_request));
    BOOST_TEST(!p.client.failed(), p.client.error().message());
    auto [type, content] = open_output(p.client, keys.client_key, keys.client_iv, 1);
    BOOST_TEST(int(type) == int(wire::content_type::alert));
    BOOST_TEST((content == warning_no_renegotiation));
    const std::vector<std::byte> more{std::byte{'o'}, std::byte{'k'}};
    p.inject(direction::to_client, sealed(keys.server_key, keys.server_iv, 2, more, wire::content_type::application_data));
    BOOST_TEST(!p.client.failed(), p.client.error().message());
    const auto& got = p.received(direction::to_client);
    BOOST_TEST(std::string(reinterpret_cast<const char*>(got.data()), got.size()) == "ok");
}

BOOST_AUTO_TEST_CASE(renegotiation_flood_stops_at_the_record_limit)
{
    // Each refusal is legal, but a peer that asks again and again without
    // sending data is flooding: the 33rd request in a row ends the connection.
    auto p = handshaken_pair();
    BOOST_REQUIRE(p.handshake());
    auto keys = derive(p, 0x41);
    auto hello = plaintext_handshake(p, direction::to_server, 1);
    for (std::uint64_t i = 1; i <= 32; ++i)
        p.inject(direction::to_server, sealed(keys.client_key, keys.client_iv, i, hello));
    BOOST_TEST(!p.server.failed(), p.server.error().message());
    p.inject(direction::to_server, sealed(keys.client_key, keys.client_iv, 33, hello));
    BOOST_TEST(p.server.error() == make_error_code(error::too_many_records_without_progress));
}
