// Signatures and certificate signature checks through every crypto provider
// of the build: one provider signs, every provider verifies, and both refuse
// the same forgeries; chain verification gives the same outcome whichever
// provider checks its signatures, and with a provider other than mbedTLS
// those checks are the provider's.

#define BOOST_TEST_MODULE crypto_provider_pki
#include <boost/test/unit_test.hpp>

#include "support/certs.hpp"
#include "support/hex.hpp"
#include "support/print.hpp"

#include "crypto/hash.hpp"
#include "crypto/pki.hpp"
#include "crypto/provider.hpp"

#include <array>
#include <atomic>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

BOOST_TEST_DONT_PRINT_LOG_VALUE(std::byte)
BOOST_TEST_DONT_PRINT_LOG_VALUE(std::vector<std::byte>)

using namespace mtls;
using namespace mtls::crypto;
using mtls::test::cert_path;

namespace {

byte_vec file_bytes(const std::string& name)
{
    std::ifstream f(cert_path(name), std::ios::binary);
    BOOST_TEST_REQUIRE(f.good(), "cannot open " << name);
    const std::string raw{std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
    return text(raw);
}

std::string_view name_of(const provider& p)
{
    return to_string(p.id());
}

// Every provider of this build, mbedTLS first.
std::vector<const provider*> providers()
{
    std::vector<const provider*> out;
    for (const crypto_provider id : {crypto_provider::mbedtls, crypto_provider::openssl})
        if (const provider* p = find_provider(id))
            out.push_back(p);
    return out;
}

std::unique_ptr<signing_key_impl> signer(const provider& p, const std::string& key, const char* form = "pk8")
{
    auto k = p.load_signing_key(file_bytes(key + "." + form + ".der"));
    BOOST_TEST_REQUIRE(k != nullptr, name_of(p) << " loads " << key << " (" << form << ")");
    return k;
}

std::unique_ptr<public_key_impl> verifier(const provider& p, const std::string& key)
{
    auto k = p.load_public_key(file_bytes(key + ".spki.der"));
    BOOST_TEST_REQUIRE(k != nullptr, name_of(p) << " loads " << key << ".spki.der");
    return k;
}

struct key_row {
    std::string name;
    std::string same_family; // another key of its family, for "wrong key"
    key_type type;
};

const std::array<key_row, 5> keys{{
    {"server-ecdsa", "client-ecdsa", key_type::ec_p256},
    {"client-ecdsa", "server-ecdsa", key_type::ec_p256},
    {"server-p384", "server-ecdsa", key_type::ec_p384},
    {"server-rsa", "client-rsa", key_type::rsa},
    {"client-rsa", "server-rsa", key_type::rsa},
}};

byte_vec flipped(byte_vec b, std::size_t at)
{
    b.at(at) ^= std::byte{0x01};
    return b;
}

const auto message = text("TLS 1.3, server CertificateVerify || transcript hash");

} // namespace

BOOST_AUTO_TEST_CASE(the_openssl_provider_is_built)
{
    // The build under test (MTLS_WITH_OPENSSL=ON) has both: the crossings
    // below must not pass by comparing mbedTLS with itself.
    BOOST_TEST_REQUIRE(providers().size() == 2u);
}

BOOST_AUTO_TEST_CASE(keys_load_from_every_der_form)
{
    for (const provider* p : providers()) {
        BOOST_TEST_CONTEXT(name_of(*p))
        {
            for (const key_row& k : keys) {
                BOOST_TEST(p->load_signing_key(file_bytes(k.name + ".trad.der")) != nullptr, k.name);
                BOOST_TEST(p->load_signing_key(file_bytes(k.name + ".pk8.der")) != nullptr, k.name);
                const auto spki = file_bytes(k.name + ".spki.der");
                BOOST_TEST(p->load_public_key(spki) != nullptr, k.name);
                // Nothing may follow the DER, and the forms do not mix.
                BOOST_TEST(p->load_public_key(cat({spki, hex("00")})) == nullptr, k.name);
                BOOST_TEST(p->load_signing_key(spki) == nullptr, k.name);
                BOOST_TEST(p->load_public_key(file_bytes(k.name + ".pk8.der")) == nullptr, k.name);
            }
            BOOST_TEST(p->load_public_key(text("not a key")) == nullptr);
            // A curve TLS signatures here do not use: neither provider takes it.
            BOOST_TEST(p->load_public_key(file_bytes("p521-ca.spki.der")) == nullptr);
            BOOST_TEST(p->load_signing_key(file_bytes("p521-ca.pk8.der")) == nullptr);
        }
    }
}

// `spki` (an EC key whose point, 04 || X || Y, starts at `point_at`) with
// the point in compressed form, 02 or 03 (Y's parity) || X, and every DER
// length before it shortened to match.
byte_vec compressed_spki(const byte_vec& spki, std::size_t point_at, std::size_t coordinate)
{
    const bool y_odd = (std::to_integer<int>(spki.back()) & 1) != 0;
    byte_vec out(spki.begin(), spki.begin() + static_cast<std::ptrdiff_t>(point_at));
    out.push_back(std::byte{static_cast<unsigned char>(y_odd ? 0x03 : 0x02)});
    out.insert(out.end(), spki.begin() + static_cast<std::ptrdiff_t>(point_at + 1),
               spki.begin() + static_cast<std::ptrdiff_t>(point_at + 1 + coordinate));
    // Short-form lengths (every SPKI here is under 128 bytes): the outer
    // SEQUENCE's at 1 and the BIT STRING's just before its unused-bits byte.
    const auto shorter = [&](std::size_t at) {
        out.at(at) = std::byte{static_cast<unsigned char>(std::to_integer<int>(out.at(at)) - int(coordinate))};
    };
    shorter(1);
    shorter(point_at - 2);
    return out;
}

// RFC 5480 §2: an EC SubjectPublicKeyInfo, whose point the OpenSSL provider
// reads itself rather than through d2i_PUBKEY. Only a point on the named
// curve makes a key, and one that verifies as the certificate's own.
BOOST_AUTO_TEST_CASE(an_ec_public_key_is_a_point_on_its_curve)
{
    struct ec_key {
        const char* name;
        std::size_t coordinate; // bytes of X and of Y
        signature_scheme scheme;
    };
    for (const ec_key& key : {ec_key{"server-ecdsa", 32, signature_scheme::ecdsa_secp256r1_sha256},
                              ec_key{"server-p384", 48, signature_scheme::ecdsa_secp384r1_sha384}}) {
        const auto spki = file_bytes(std::string(key.name) + ".spki.der");
        const std::size_t coordinate = key.coordinate;
        // The point fills the end of the SPKI: 04 || X || Y.
        const std::size_t y_last = spki.size() - 1;
        const std::size_t point_at = spki.size() - (1 + 2 * coordinate);
        BOOST_TEST_REQUIRE(std::to_integer<int>(spki.at(point_at)) == 0x04);
        BOOST_TEST_REQUIRE(std::to_integer<int>(spki.at(point_at - 1)) == 0x00); // no unused bits
        auto with_unused_bits = spki;
        with_unused_bits.at(point_at - 1) = std::byte{0x01};
        const auto compressed = compressed_spki(spki, point_at, coordinate);
        for (const provider* p : providers()) {
            BOOST_TEST_CONTEXT(name_of(*p) << ", " << key.name)
            {
                auto k = p->load_public_key(spki);
                BOOST_TEST_REQUIRE(k != nullptr);
                BOOST_TEST(k->verify(key.scheme, message, signer(*p, key.name)->sign(key.scheme, message)));
                // Y changed in its last bit: off the curve.
                BOOST_TEST(p->load_public_key(flipped(spki, y_last)) == nullptr);
                // X changed: off the curve too (Y no longer fits it).
                BOOST_TEST(p->load_public_key(flipped(spki, point_at + 1)) == nullptr);
                // The point's form byte is not one SEC 1 defines.
                BOOST_TEST(p->load_public_key(flipped(spki, point_at)) == nullptr);
                // The compressed form of the same point (SEC 1 §2.3.3):
                // mbedTLS 2.28 reads only uncompressed points, so neither
                // provider takes it.
                BOOST_TEST(p->load_public_key(compressed) == nullptr);
                // A BIT STRING whose last bits are unused holds no point.
                BOOST_TEST(p->load_public_key(with_unused_bits) == nullptr);
                // Cut short: the point, and the DER around it, are incomplete.
                BOOST_TEST(p->load_public_key(byte_vec(spki.begin(), spki.end() - 1)) == nullptr);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(every_scheme_signed_by_one_provider_verifies_with_every_other)
{
    for (const provider* sp : providers()) {
        for (const provider* vp : providers()) {
            for (const key_row& k : keys) {
                const auto key = signer(*sp, k.name, sp == vp ? "pk8" : "trad");
                const auto pub = verifier(*vp, k.name);
                const auto other = verifier(*vp, k.same_family);
                for (const scheme_row& s : schemes) {
                    BOOST_TEST_CONTEXT(name_of(*sp)
                                       << " signs, " << name_of(*vp) << " verifies, " << k.name << ", " << s.name)
                    {
                        const auto sig = key->sign(s.id, message);
                        // TLS 1.2's family rule: ECDSA schemes name no curve there.
                        BOOST_TEST_REQUIRE(!sig.empty() == key_matches_scheme(k.type, s.id, true));
                        if (sig.empty())
                            continue;
                        BOOST_TEST(pub->verify(s.id, message, sig));
                        BOOST_TEST(!pub->verify(s.id, text("another message"), sig));
                        BOOST_TEST(!pub->verify(s.id, message, flipped(sig, sig.size() / 2)));
                        BOOST_TEST(!pub->verify(s.id, message, flipped(sig, sig.size() - 1)));
                        BOOST_TEST(!other->verify(s.id, message, sig));
                        BOOST_TEST(!pub->verify(s.id, message, cat({sig, hex("00")})));
                        BOOST_TEST(!pub->verify(s.id, message, byte_vec(sig.begin(), sig.end() - 1)));
                        BOOST_TEST(!pub->verify(s.id, message, {}));
                        // The same signature over the digest, as chain verification checks.
                        std::array<std::byte, max_digest_size> h;
                        const auto d = digest(mbedtls_provider(), s.hash, message, h);
                        BOOST_TEST(pub->verify_digest(s.kind, s.hash, d, sig));
                        BOOST_TEST(!pub->verify_digest(s.kind, s.hash, d, flipped(sig, sig.size() - 1)));
                        BOOST_TEST(!other->verify_digest(s.kind, s.hash, d, sig));
                    }
                }
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(a_scheme_of_another_family_is_refused)
{
    for (const provider* sp : providers()) {
        for (const provider* vp : providers()) {
            BOOST_TEST_CONTEXT(name_of(*sp) << " signs, " << name_of(*vp) << " verifies")
            {
                const auto rsa = signer(*sp, "server-rsa");
                const auto rsa_pub = verifier(*vp, "server-rsa");
                const auto ec_pub = verifier(*vp, "server-ecdsa");
                // PKCS#1 v1.5 and PSS signatures are not interchangeable.
                const auto pkcs1 = rsa->sign(signature_scheme::rsa_pkcs1_sha256, message);
                const auto pss = rsa->sign(signature_scheme::rsa_pss_rsae_sha256, message);
                BOOST_TEST_REQUIRE(rsa_pub->verify(signature_scheme::rsa_pkcs1_sha256, message, pkcs1));
                BOOST_TEST(!rsa_pub->verify(signature_scheme::rsa_pss_rsae_sha256, message, pkcs1));
                BOOST_TEST(!rsa_pub->verify(signature_scheme::rsa_pkcs1_sha256, message, pss));
                BOOST_TEST(!rsa_pub->verify(signature_scheme::rsa_pss_rsae_sha384, message, pss));
                const auto ecdsa = signer(*sp, "server-ecdsa")->sign(signature_scheme::ecdsa_secp256r1_sha256, message);
                BOOST_TEST_REQUIRE(ec_pub->verify(signature_scheme::ecdsa_secp256r1_sha256, message, ecdsa));
                BOOST_TEST(!rsa_pub->verify(signature_scheme::ecdsa_secp256r1_sha256, message, ecdsa));
                BOOST_TEST(!ec_pub->verify(signature_scheme::rsa_pss_rsae_sha256, message, pss));
                std::array<std::byte, max_digest_size> h;
                const auto d = digest(mbedtls_provider(), hash_alg::sha256, message, h);
                BOOST_TEST(!rsa_pub->verify_digest(signature_kind::ecdsa, hash_alg::sha256, d, ecdsa));
                BOOST_TEST(!ec_pub->verify_digest(signature_kind::rsa_pkcs1, hash_alg::sha256, d, pkcs1));
                BOOST_TEST(ec_pub->verify_digest(signature_kind::ecdsa, hash_alg::sha256, d, ecdsa));
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(ecdsa_der_is_read_as_mbedtls_reads_it) // RFC 8422 §5.4: Ecdsa-Sig-Value
{
    const auto scheme = signature_scheme::ecdsa_secp256r1_sha256;
    for (const provider* sp : providers()) {
        for (const provider* vp : providers()) {
            BOOST_TEST_CONTEXT(name_of(*sp) << " signs, " << name_of(*vp) << " verifies")
            {
                const auto sig = signer(*sp, "server-ecdsa")->sign(scheme, message);
                const auto pub = verifier(*vp, "server-ecdsa");
                BOOST_TEST_REQUIRE(pub->verify(scheme, message, sig));
                BOOST_TEST_REQUIRE(static_cast<std::size_t>(sig[1]) == sig.size() - 2); // short-form length
                // A byte after the SEQUENCE.
                const auto after = cat({sig, hex("00")});
                BOOST_TEST(!pub->verify(scheme, message, after));
                // A byte after s inside the SEQUENCE, its length grown to cover it.
                auto inside = after;
                inside[1] = static_cast<std::byte>(static_cast<unsigned>(inside[1]) + 1);
                BOOST_TEST(!pub->verify(scheme, message, inside));
                // The SEQUENCE shorter than the signature.
                auto short_sequence = sig;
                short_sequence[1] = static_cast<std::byte>(static_cast<unsigned>(short_sequence[1]) - 1);
                BOOST_TEST(!pub->verify(scheme, message, short_sequence));
                // Not DER but BER that mbedTLS reads: a long-form length that
                // fits the short form, and r with a redundant leading zero.
                // Both providers take them alike.
                auto long_length = sig;
                long_length.insert(long_length.begin() + 1, std::byte{0x81});
                BOOST_TEST(pub->verify(scheme, message, long_length));
                auto padded_r = sig;
                padded_r[1] = static_cast<std::byte>(static_cast<unsigned>(padded_r[1]) + 1);
                padded_r[3] = static_cast<std::byte>(static_cast<unsigned>(padded_r[3]) + 1);
                padded_r.insert(padded_r.begin() + 4, std::byte{0x00});
                BOOST_TEST(pub->verify(scheme, message, padded_r));
                // An INTEGER tag changed, or an indefinite length.
                BOOST_TEST(!pub->verify(scheme, message, flipped(sig, 2)));
                auto indefinite = sig;
                indefinite[1] = std::byte{0x80};
                BOOST_TEST(!pub->verify(scheme, message, indefinite));
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(pss_salt_must_be_as_long_as_the_digest) // RFC 8446 §4.2.3
{
    // Signed by `openssl dgst` in gen_certs.sh, with salt lengths 32 and 20.
    const auto pss_message = text("mtls provider PSS message");
    const auto salt32 = file_bytes("server-rsa.pss-salt32.sig");
    const auto salt20 = file_bytes("server-rsa.pss-salt20.sig");
    for (const provider* p : providers()) {
        BOOST_TEST_CONTEXT(name_of(*p))
        {
            const auto pub = verifier(*p, "server-rsa");
            BOOST_TEST(pub->verify(signature_scheme::rsa_pss_rsae_sha256, pss_message, salt32));
            BOOST_TEST(!pub->verify(signature_scheme::rsa_pss_rsae_sha256, pss_message, salt20));
        }
    }
}

BOOST_AUTO_TEST_CASE(rsa_signatures_have_the_modulus_length)
{
    // A signature whose first byte is zero, found by signing numbered
    // messages (1 in 256 is; 4096 tries miss with odds 1e-7). The same number
    // without that byte is no signature for mbedTLS, which reads exactly
    // modulus-length bytes; OpenSSL alone takes a short PSS signature as if
    // zero-padded.
    const auto key = signer(*providers().back(), "server-rsa");
    for (const auto scheme : {signature_scheme::rsa_pkcs1_sha256, signature_scheme::rsa_pss_rsae_sha256}) {
        const scheme_row& row = *find_row(schemes, scheme);
        byte_vec numbered;
        byte_vec sig;
        for (int i = 0; i < 4096 && (sig.empty() || sig[0] != std::byte{0}); ++i) {
            numbered = text("message " + std::to_string(i));
            sig = key->sign(scheme, numbered);
            BOOST_TEST_REQUIRE(!sig.empty());
        }
        BOOST_TEST_REQUIRE(sig[0] == std::byte{0});
        const byte_vec stripped(sig.begin() + 1, sig.end());
        std::array<std::byte, max_digest_size> h;
        const auto d = digest(mbedtls_provider(), row.hash, numbered, h);
        for (const provider* p : providers()) {
            BOOST_TEST_CONTEXT(name_of(*p) << ", " << row.name)
            {
                const auto pub = verifier(*p, "server-rsa");
                BOOST_TEST(pub->verify(scheme, numbered, sig));
                BOOST_TEST(!pub->verify(scheme, numbered, stripped));
                BOOST_TEST(pub->verify_digest(row.kind, row.hash, d, sig));
                BOOST_TEST(!pub->verify_digest(row.kind, row.hash, d, stripped));
            }
        }
    }
}

// ---- chain verification ----------------------------------------------------

namespace {

std::vector<certificate> load_chain(const std::string& name)
{
    error_code ec;
    auto chain = certificate::parse_all(file_bytes(name), file_format::pem, ec);
    BOOST_TEST_REQUIRE(!ec, name << ": " << ec.message());
    return chain;
}

// `chain` with the last byte of certificate `i` flipped: a bit of its
// signature, so that the signature no longer verifies.
std::vector<certificate> forged(std::vector<certificate> chain, std::size_t i)
{
    const byte_vec der(chain.at(i).der().begin(), chain.at(i).der().end());
    error_code ec;
    chain[i] = certificate::parse_der(flipped(der, der.size() - 1), ec);
    BOOST_TEST_REQUIRE(!ec, ec.message());
    return chain;
}

trust_store anchors(const std::string& name)
{
    trust_store ts;
    BOOST_TEST_REQUIRE(!ts.add_file(cert_path(name)));
    return ts;
}

const verify_callback no_callback;

struct chain_case {
    std::string what;
    std::vector<certificate> chain;
    std::string anchor;
    error_code expected;
    // Signatures a provider other than mbedTLS checks on the way (RSA-PSS,
    // SHA-224 and P-521 stay with mbedTLS, see provider_keys.cpp).
    std::uint64_t provider_checks;
};

} // namespace

BOOST_AUTO_TEST_CASE(chains_verify_alike_with_every_provider)
{
    const std::vector<chain_case> cases{
        {"ECDSA leaf under ca", load_chain("server-ecdsa.pem"), "ca.pem", {}, 1},
        {"P-384 leaf", load_chain("server-p384.pem"), "ca.pem", {}, 1},
        {"RSA leaf", load_chain("server-rsa.pem"), "ca.pem", {}, 1},
        {"leaf and intermediate", load_chain("server-chain.pem"), "ca.pem", {}, 2},
        {"PKCS#1 v1.5 by an RSA CA", load_chain("server-rsa-ca-pkcs1.pem"), "rsa-ca.pem", {}, 1},
        {"RSA-PSS by an RSA CA", load_chain("server-rsa-ca-pss.pem"), "rsa-ca.pem", {}, 0},
        {"SHA-224 signature", load_chain("server-sha224.pem"), "ca.pem", {}, 0},
        {"P-521 CA", load_chain("server-p521-ca.pem"), "p521-ca.pem", {}, 0},
        {"SHA-224 signature forged", forged(load_chain("server-sha224.pem"), 0), "ca.pem", error::certificate_untrusted,
         0},
        {"P-521 CA's signature forged", forged(load_chain("server-p521-ca.pem"), 0), "p521-ca.pem",
         error::certificate_untrusted, 0},
        {"leaf signature forged", forged(load_chain("server-ecdsa.pem"), 0), "ca.pem", error::certificate_untrusted, 1},
        {"intermediate signature forged", forged(load_chain("server-chain.pem"), 1), "ca.pem",
         error::certificate_untrusted, 2},
        {"PKCS#1 v1.5 signature forged", forged(load_chain("server-rsa-ca-pkcs1.pem"), 0), "rsa-ca.pem",
         error::certificate_untrusted, 1},
        {"RSA-PSS signature forged", forged(load_chain("server-rsa-ca-pss.pem"), 0), "rsa-ca.pem",
         error::certificate_untrusted, 0},
        {"untrusted CA", load_chain("server-untrusted.pem"), "ca.pem", error::certificate_untrusted, 0},
        {"other anchors", load_chain("server-ecdsa.pem"), "other-ca.pem", error::certificate_untrusted, 0},
        {"expired", load_chain("server-expired.pem"), "ca.pem", error::certificate_expired, 1},
    };
    for (const chain_case& c : cases) {
        for (const provider* p : providers()) {
            BOOST_TEST_CONTEXT(c.what << ", " << name_of(*p))
            {
                const trust_store ts = anchors(c.anchor);
                const std::uint64_t before = provider_signature_checks();
                BOOST_TEST(verify_chain(*p, c.chain, ts, role::server, "localhost", no_callback) == c.expected);
                const std::uint64_t checks = provider_signature_checks() - before;
                BOOST_TEST(checks == (p->id() == crypto_provider::mbedtls ? 0 : c.provider_checks));
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(crl_signatures_are_checked_by_the_provider)
{
    const auto ok_chain = load_chain("client-crl-ok-chain.pem");
    const auto revoked_chain = load_chain("client-revoked-chain.pem");
    const auto crl_der = file_bytes("int-crl.der");
    struct crl_case {
        std::string what;
        const std::vector<certificate>* chain;
        byte_vec crl;
        file_format fmt;
        error_code expected;
        std::uint64_t provider_checks; // leaf, intermediate, then the CRL
    };
    const std::vector<crl_case> cases{
        {"good CRL", &ok_chain, crl_der, file_format::asn1, {}, 3},
        {"listed", &revoked_chain, crl_der, file_format::asn1, error::certificate_revoked, 3},
        {"CRL signature bit flipped", &ok_chain, flipped(crl_der, crl_der.size() - 1), file_format::asn1,
         error::crl_untrusted, 3},
        {"CRL signed by another key", &ok_chain, file_bytes("int-crl-forged.pem"), file_format::pem,
         error::crl_untrusted, 3},
    };
    const trust_store ts = anchors("ca.pem");
    for (const crl_case& c : cases) {
        crl_list crls;
        BOOST_TEST_REQUIRE(!crls.add(c.crl, c.fmt), c.what);
        for (const provider* p : providers()) {
            BOOST_TEST_CONTEXT(c.what << ", " << name_of(*p))
            {
                const std::uint64_t before = provider_signature_checks();
                BOOST_TEST(verify_chain(*p, *c.chain, ts, role::client, "", no_callback, max_verify_depth, &crls) ==
                           c.expected);
                const std::uint64_t checks = provider_signature_checks() - before;
                BOOST_TEST(checks == (p->id() == crypto_provider::mbedtls ? 0 : c.provider_checks));
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(an_anchor_added_after_a_verification_is_used)
{
    const auto chain = load_chain("server-ecdsa.pem");
    const auto ca = load_chain("ca.pem");
    for (const provider* p : providers()) {
        BOOST_TEST_CONTEXT(name_of(*p))
        {
            trust_store ts = anchors("other-ca.pem");
            BOOST_TEST(verify_chain(*p, chain, ts, role::server, "localhost", no_callback) ==
                       error::certificate_untrusted);
            ts.add(ca.front());
            BOOST_TEST(verify_chain(*p, chain, ts, role::server, "localhost", no_callback) == error_code{});
            trust_store file_added = anchors("other-ca.pem");
            BOOST_TEST(verify_chain(*p, chain, file_added, role::server, "localhost", no_callback) ==
                       error::certificate_untrusted);
            BOOST_TEST_REQUIRE(!file_added.add_file(cert_path("ca.pem")));
            BOOST_TEST(verify_chain(*p, chain, file_added, role::server, "localhost", no_callback) == error_code{});
        }
    }
}

BOOST_AUTO_TEST_CASE(one_store_serves_every_provider)
{
    // The re-typed anchors of one provider are its own: the store's chain,
    // which mbedTLS verifies with, is left as it was.
    const trust_store ts = anchors("ca.pem");
    const auto good = load_chain("server-ecdsa.pem");
    const auto bad = forged(good, 0);
    for (int round = 0; round < 2; ++round) {
        for (const provider* p : providers()) {
            BOOST_TEST_CONTEXT(name_of(*p) << ", round " << round)
            {
                const std::uint64_t before = provider_signature_checks();
                BOOST_TEST(verify_chain(*p, good, ts, role::server, "localhost", no_callback) == error_code{});
                BOOST_TEST(verify_chain(*p, bad, ts, role::server, "localhost", no_callback) ==
                           error::certificate_untrusted);
                BOOST_TEST(provider_signature_checks() - before == (p->id() == crypto_provider::mbedtls ? 0u : 2u));
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(one_store_verifies_on_many_threads)
{
    // The first verification with a provider builds its anchors, under the
    // store's lock: threads racing to it each get a whole, working set.
    const auto good = load_chain("server-chain.pem");
    const auto bad = forged(good, 0);
    for (const provider* p : providers()) {
        BOOST_TEST_CONTEXT(name_of(*p))
        {
            const trust_store ts = anchors("ca.pem");
            std::atomic<int> failures{0};
            std::vector<std::thread> threads;
            for (int t = 0; t < 4; ++t) {
                threads.emplace_back([&] {
                    for (int i = 0; i < 10; ++i) {
                        if (verify_chain(*p, good, ts, role::server, "localhost", no_callback) ||
                            verify_chain(*p, bad, ts, role::server, "localhost", no_callback) !=
                                error::certificate_untrusted)
                            ++failures;
                    }
                });
            }
            for (auto& t : threads)
                t.join();
            BOOST_TEST(failures == 0);
        }
    }
}
