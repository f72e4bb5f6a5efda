// Keying material exporters between two engines and two tls_streams: RFC 5705
// for TLS 1.2 (only with extended master secret, RFC 7627 §5.4) and RFC 8446
// §7.5 for TLS 1.3, with and without context, after full and resumed
// handshakes, and every refusal. rfc8448_test checks TLS 1.3 bytes against
// the RFC 8448 trace; interop/exporter_openssl.sh checks both versions
// against OpenSSL.

#define BOOST_TEST_MODULE engine_exporter
#include <boost/test/unit_test.hpp>

#include "support/certs.hpp"
#include "support/hex.hpp"
#include "support/pump.hpp"
#include "support/stream_pair.hpp"

#include "crypto/hash.hpp"
#include "session/session_state.hpp"

#include <string>

using namespace mtls;
using namespace mtls::test;

namespace {

constexpr std::string_view label = "EXPERIMENTAL mtls test";

using mutual = mutual_contexts;

bool all_zero(const bytes& b)
{
    return std::all_of(b.begin(), b.end(), [](std::byte x) { return x == std::byte{0}; });
}

/// `n` bytes from `e` for label `l`, with `context` unless it is nullopt;
/// the buffer starts out as 0xa5 bytes.
bytes try_export(const engine& e, std::string_view l, const std::optional<bytes>& context, std::size_t n,
                 error_code& ec)
{
    bytes out(n, std::byte{0xa5});
    if (context)
        e.export_keying_material(l, *context, out, ec);
    else
        e.export_keying_material(l, out, ec);
    return out;
}

/// `n` bytes exported by `e`; a failed export fails the test.
bytes exported(const engine& e, std::size_t n, const std::optional<bytes>& context, std::string_view l)
{
    error_code ec;
    auto out = try_export(e, l, context, n, ec);
    BOOST_TEST(!ec, ec.message());
    return out;
}

/// Both ends export the same `n` bytes; returns them.
bytes agreed(const engine_pair& p, std::size_t n, const std::optional<bytes>& context = std::nullopt,
             std::string_view l = label)
{
    auto c = exported(p.client, n, context, l);
    auto s = exported(p.server, n, context, l);
    BOOST_TEST((c == s), "client and server exported different bytes");
    return c;
}

/// The error a refused export reports; checks that the output was zero-filled.
error_code refusal(const engine& e, std::string_view l, const std::optional<bytes>& context, std::size_t n)
{
    error_code ec;
    BOOST_TEST(all_zero(try_export(e, l, context, n, ec)), "a refused export left bytes in the output");
    return ec;
}

/// An ECDSA suite of version `v` with SHA-256 or SHA-384 as its hash.
cipher_suite ecdsa_suite(tls_version v, bool sha384)
{
    if (v == tls_version::tls13)
        return sha384 ? cipher_suite::tls_aes_256_gcm_sha384 : cipher_suite::tls_aes_128_gcm_sha256;
    return sha384 ? cipher_suite::tls_ecdhe_ecdsa_with_aes_256_gcm_sha384
                  : cipher_suite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256;
}

/// For each version, `check(v, p)` after a mutually authenticated handshake,
/// in the server's preferred suite or, when `sha384` is set, the ECDSA
/// suite with that hash.
template <class Check>
void after_each_handshake(Check check, std::optional<bool> sha384 = std::nullopt)
{
    for (auto v : versions) {
        BOOST_TEST_CONTEXT(to_string(v))
        {
            mutual c(v);
            if (sha384)
                c.server.set_cipher_suites({ecdsa_suite(v, *sha384)});
            engine_pair p(c.client, c.server);
            MTLS_REQUIRE_HANDSHAKE(p);
            check(v, p);
        }
    }
}

} // namespace

BOOST_AUTO_TEST_SUITE(agreement)

BOOST_AUTO_TEST_CASE(both_ends_export_the_same_bytes)
{
    after_each_handshake([](tls_version, engine_pair& p) {
        const auto plain = agreed(p, 32);
        BOOST_TEST(!all_zero(plain));
        const auto with_context = agreed(p, 32, text("context"));
        BOOST_TEST((plain != with_context));
        BOOST_TEST((with_context != agreed(p, 32, text("contexu"))));
        BOOST_TEST((plain != agreed(p, 32, std::nullopt, "EXPERIMENTAL mtls tesu")));
        // Exporting changes nothing: the same call gives the same bytes.
        BOOST_TEST((plain == agreed(p, 32)));
        // And the connection goes on.
        BOOST_TEST(p.exchange(pattern(100, 1), pattern(100, 2)));
        BOOST_TEST((plain == agreed(p, 32)));
    });
}

BOOST_AUTO_TEST_CASE(tls12_is_the_prf_over_the_randoms_and_the_context)
{
    // RFC 5705 §4, written out from the master secret (in the client's
    // session) and the randoms of the hellos on the wire.
    for (bool sha384 : {false, true}) {
        BOOST_TEST_CONTEXT((sha384 ? "SHA-384" : "SHA-256"))
        {
            mutual c(tls_version::tls12);
            c.server.set_cipher_suites({ecdsa_suite(tls_version::tls12, sha384)});
            engine_pair p(c.client, c.server);
            bytes client_random, server_random;
            p.tamper = [&](flight& f) {
                if (auto m = f.find(msg::client_hello))
                    client_random = hello_random(*m);
                if (auto m = f.find(msg::server_hello))
                    server_random = hello_random(*m);
            };
            MTLS_REQUIRE_HANDSHAKE(p);
            const auto state = p.client.session().state();
            BOOST_TEST_REQUIRE(state);
            const auto h = sha384 ? crypto::hash_alg::sha384 : crypto::hash_alg::sha256;
            const bytes randoms = cat({client_random, server_random});
            const bytes context(300, std::byte{0x5c}); // a length whose two bytes differ
            const bytes seed_context = cat({bytes{std::byte{0x01}, std::byte{0x2c}}, context});
            bytes want(40);
            crypto::prf12(crypto::mbedtls_provider(), h, state->secret.view(), label, randoms, seed_context, want);
            BOOST_TEST((agreed(p, 40, context) == want));
            crypto::prf12(crypto::mbedtls_provider(), h, state->secret.view(), label, randoms, {}, want);
            BOOST_TEST((agreed(p, 40) == want));
        }
    }
}

BOOST_AUTO_TEST_CASE(empty_context_is_no_context_only_in_tls13)
{
    after_each_handshake([](tls_version v, engine_pair& p) {
        // RFC 5705 §4: a context, even empty, adds its uint16 length to
        // the seed. RFC 8446 §7.5: no context hashes as an empty one.
        const bool same = agreed(p, 32) == agreed(p, 32, bytes{});
        BOOST_TEST(same == (v == tls_version::tls13));
    });
}

BOOST_AUTO_TEST_CASE(the_length_is_an_input_only_in_tls13)
{
    after_each_handshake([](tls_version v, engine_pair& p) {
        // The TLS 1.2 PRF is a stream: a shorter export is a prefix of a
        // longer one. HKDF-Expand-Label carries the length (RFC 8446 §7.1).
        const auto long_out = agreed(p, 100, text("ctx"));
        const auto short_out = agreed(p, 20, text("ctx"));
        const bool prefix = std::equal(short_out.begin(), short_out.end(), long_out.begin());
        BOOST_TEST(prefix == (v == tls_version::tls12));
        BOOST_TEST(agreed(p, 0).empty());
    });
}

BOOST_AUTO_TEST_CASE(each_connection_exports_its_own_bytes)
{
    for (auto v : versions) {
        BOOST_TEST_CONTEXT(to_string(v))
        {
            mutual c(v);
            engine_pair first(c.client, c.server);
            MTLS_REQUIRE_HANDSHAKE(first);
            engine_pair second(c.client, c.server);
            MTLS_REQUIRE_HANDSHAKE(second);
            BOOST_TEST((agreed(first, 32, text("x")) != agreed(second, 32, text("x"))));
        }
    }
}

BOOST_AUTO_TEST_CASE(sha384_suites)
{
    after_each_handshake([](tls_version v, engine_pair& p) {
        BOOST_TEST(!all_zero(agreed(p, 48, text("ctx"))));
        // 255 hash lengths of SHA-384 is more than of SHA-256 (RFC 5869 §2.3).
        if (v == tls_version::tls13)
            BOOST_TEST(agreed(p, 255 * 48).size() == 255u * 48u);
    }, true);
}

BOOST_AUTO_TEST_CASE(resumed_connections_export_too)
{
    for (auto v : versions) {
        BOOST_TEST_CONTEXT(to_string(v))
        {
            mutual c(v);
            c.client.set_client_session_cache(8);
            engine_pair full(c.client, c.server);
            MTLS_REQUIRE_HANDSHAKE(full);
            // TLS 1.3 tickets come with the server's first data.
            BOOST_TEST_REQUIRE(full.exchange(pattern(10, 1), pattern(10, 2)));
            engine_pair resumed(c.client, c.server);
            MTLS_REQUIRE_HANDSHAKE(resumed);
            BOOST_TEST_REQUIRE(resumed.client.info().resumed);
            BOOST_TEST_REQUIRE(resumed.server.info().resumed);
            BOOST_TEST((agreed(full, 32, text("x")) != agreed(resumed, 32, text("x"))));
        }
    }
}

BOOST_AUTO_TEST_CASE(after_close_notify)
{
    after_each_handshake([](tls_version, engine_pair& p) {
        const auto before = agreed(p, 32);
        p.client.close();
        BOOST_TEST(p.pump());
        BOOST_TEST_REQUIRE(p.server.peer_closed());
        BOOST_TEST((agreed(p, 32) == before));
    });
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(refusals)

BOOST_AUTO_TEST_CASE(before_the_handshake_is_done)
{
    for (auto v : versions) {
        BOOST_TEST_CONTEXT(to_string(v))
        {
            mutual c(v);
            engine_pair p(c.client, c.server);
            BOOST_TEST(refusal(p.client, label, std::nullopt, 32) == error::not_connected);
            p.start();
            // The client's hello is out; nothing is agreed yet.
            BOOST_TEST(refusal(p.client, label, text("ctx"), 32) == error::not_connected);
            BOOST_TEST(p.send(direction::to_server));
            BOOST_TEST(refusal(p.server, label, std::nullopt, 32) == error::not_connected);
            BOOST_TEST(p.pump());
            BOOST_TEST_REQUIRE(p.handshake_ok());
            BOOST_TEST(!all_zero(agreed(p, 32)));
        }
    }
}

BOOST_AUTO_TEST_CASE(after_failure)
{
    after_each_handshake([](tls_version, engine_pair& p) {
        // A record that fails authentication ends the connection.
        p.inject(direction::to_server, make_record(content::application_data, pattern(40, 7)));
        BOOST_TEST_REQUIRE(p.server.failed());
        BOOST_TEST(p.server.handshake_done());
        BOOST_TEST(refusal(p.server, label, std::nullopt, 32) == error::not_connected);
        BOOST_TEST(refusal(p.server, label, text("ctx"), 32) == error::not_connected);
    });
}

BOOST_AUTO_TEST_CASE(tls12_without_extended_master_secret)
{
    mutual c(tls_version::tls12);
    c.client.set_require_extended_master_secret(false);
    c.server.set_require_extended_master_secret(false);
    // mtls always offers the extension: the client's hello goes without it
    // (before the transcript, so both Finished still agree).
    engine_test_hooks hooks;
    hooks.edit_client_hello = [](bytes& m) { BOOST_TEST(remove_extension(m, ext::extended_master_secret)); };
    engine_pair p(c.client, c.server, hooks);
    MTLS_REQUIRE_HANDSHAKE(p);
    BOOST_TEST_REQUIRE(!p.client.info().extended_master_secret);
    for (auto* e : {&p.client, &p.server}) {
        BOOST_TEST(refusal(*e, label, std::nullopt, 32) == error::exporter_without_ems);
        BOOST_TEST(refusal(*e, label, text("ctx"), 32) == error::exporter_without_ems);
    }
    error_code ec = error::exporter_without_ems;
    BOOST_TEST(ec.message().find("extended master secret") != std::string::npos, ec.message());
}

BOOST_AUTO_TEST_CASE(the_tls12_prf_labels)
{
    after_each_handshake([](tls_version, engine_pair& p) {
        for (std::string_view l :
             {"client finished", "server finished", "master secret", "extended master secret", "key expansion"})
            BOOST_TEST(refusal(p.client, l, std::nullopt, 32) == error::exporter_label_reserved, l);
        // Only the exact labels: a prefix or a longer label is the application's.
        BOOST_TEST(!all_zero(agreed(p, 32, std::nullopt, "key expansio")));
        BOOST_TEST(!all_zero(agreed(p, 32, std::nullopt, "EXPORTER key expansion")));
        BOOST_TEST(!all_zero(agreed(p, 32, std::nullopt, "")));
    });
}

BOOST_AUTO_TEST_CASE(too_long)
{
    after_each_handshake([](tls_version v, engine_pair& p) {
        // RFC 8446 §7.1: "tls13 " and the label fit in 255 bytes.
        const std::string longest_label(249, 'L');
        BOOST_TEST(!all_zero(agreed(p, 32, std::nullopt, longest_label)));
        BOOST_TEST(refusal(p.client, longest_label + "L", std::nullopt, 32) == error::exporter_input_too_long);
        // 255 SHA-256 lengths in TLS 1.3 (RFC 5869 §2.3); 16 KiB in TLS 1.2.
        const std::size_t most = v == tls_version::tls13 ? 255 * 32 : 16384;
        BOOST_TEST(agreed(p, most, text("ctx")).size() == most);
        BOOST_TEST(refusal(p.client, label, text("ctx"), most + 1) == error::exporter_output_too_long);
        BOOST_TEST(refusal(p.server, label, std::nullopt, most + 1) == error::exporter_output_too_long);
        // RFC 5705 §4: a uint16 context length. TLS 1.3 hashes the context.
        BOOST_TEST(!all_zero(agreed(p, 32, bytes(65535, std::byte{1}))));
        const bytes big(65536, std::byte{1});
        if (v == tls_version::tls12)
            BOOST_TEST(refusal(p.client, label, big, 32) == error::exporter_input_too_long);
        else
            BOOST_TEST(!all_zero(agreed(p, 32, big)));
    }, false);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(stream)

BOOST_AUTO_TEST_CASE(tls_streams_export_what_their_engines_do)
{
    for (auto v : versions) {
        BOOST_TEST_CONTEXT(to_string(v))
        {
            boost::asio::io_context ioc;
            tcp_pair t(ioc, v);
            std::array<std::byte, 32> client_out{}, server_out{};
            error_code ec;
            t.client->export_keying_material(label, client_out, ec);
            BOOST_TEST((ec == error::not_connected));
            handshake_pair(ioc, *t.client, *t.server);
            BOOST_TEST_REQUIRE(t.client->info().version == v);
            const auto ctx = text("ctx");
            t.client->export_keying_material(label, ctx, client_out, ec);
            BOOST_TEST(!ec, ec.message());
            t.server->export_keying_material(label, ctx, server_out, ec);
            BOOST_TEST(!ec, ec.message());
            BOOST_TEST((client_out == server_out));
            BOOST_TEST(!all_zero(bytes(client_out.begin(), client_out.end())));
            t.server->export_keying_material(label, server_out, ec);
            BOOST_TEST(!ec, ec.message());
            BOOST_TEST((client_out != server_out));
            std::array<std::byte, 32> from_engine{};
            t.client->engine().export_keying_material(label, from_engine, ec);
            BOOST_TEST((from_engine == server_out));
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
