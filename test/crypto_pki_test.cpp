// Tests for src/crypto/pki: signatures, certificates, chain verification and
// the checks on a peer's certificate.

#define BOOST_TEST_MODULE crypto_pki
#include <boost/test/unit_test.hpp>

#include "support/certs.hpp"
#include "support/hex.hpp"
#include "support/print.hpp"

#include "crypto/hash.hpp"
#include "crypto/key_share.hpp"
#include "crypto/pki.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

// Byte strings compare as wholes; on failure the test names the vector.
BOOST_TEST_DONT_PRINT_LOG_VALUE(std::byte)
BOOST_TEST_DONT_PRINT_LOG_VALUE(std::vector<std::byte>)
using depth_and_subject = std::pair<int, std::string>;
BOOST_TEST_DONT_PRINT_LOG_VALUE(depth_and_subject)

namespace mtls::crypto {
std::ostream& boost_test_print_type(std::ostream& os, key_type k)
{
    return os << "key_type(" << static_cast<int>(k) << ")";
}
} // namespace mtls::crypto

using namespace mtls;
using namespace mtls::crypto;
using mtls::test::certs_dir;

namespace {

byte_vec read_file(const std::string& name)
{
    std::ifstream f(certs_dir() + "/" + name, std::ios::binary);
    BOOST_TEST_REQUIRE(f.good(), "cannot open " << name);
    std::vector<char> raw((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    byte_vec out(raw.size());
    std::transform(raw.begin(), raw.end(), out.begin(), [](char c) { return static_cast<std::byte>(c); });
    return out;
}

std::vector<certificate> load_chain(const std::string& name)
{
    error_code ec;
    auto chain = certificate::parse_all(read_file(name), file_format::pem, ec);
    BOOST_TEST_REQUIRE(!ec, name << ": " << ec.message());
    return chain;
}

private_key load_key(const std::string& name, std::string_view password = {})
{
    error_code ec;
    auto key = private_key::parse(crypto::mbedtls_provider(), read_file(name), file_format::pem, password, ec);
    BOOST_TEST_REQUIRE(!ec, name << ": " << ec.message());
    return key;
}

trust_store anchors_from(const std::string& name)
{
    trust_store ts;
    BOOST_TEST_REQUIRE(!ts.add_file(certs_dir() + "/" + name));
    return ts;
}

const verify_callback no_callback;

} // namespace

BOOST_AUTO_TEST_SUITE(signatures)

BOOST_AUTO_TEST_CASE(sign_verify_round_trips)
{
    struct row {
        std::string name;
        key_type type;
        std::vector<signature_scheme> schemes;
    };
    const row rows[] = {
        {"server-ecdsa", key_type::ec_p256, {signature_scheme::ecdsa_secp256r1_sha256}},
        {"server-p384", key_type::ec_p384, {signature_scheme::ecdsa_secp384r1_sha384}},
        {"server-rsa",
         key_type::rsa,
         {signature_scheme::rsa_pkcs1_sha256, signature_scheme::rsa_pkcs1_sha384,
          signature_scheme::rsa_pkcs1_sha512, signature_scheme::rsa_pss_rsae_sha256,
          signature_scheme::rsa_pss_rsae_sha384, signature_scheme::rsa_pss_rsae_sha512}},
    };
    const auto message = text("TLS 1.3, server CertificateVerify || transcript hash");
    for (const auto& r : rows) {
        const auto key = load_key(r.name + ".key");
        const auto cert = load_chain(r.name + ".pem").front();
        BOOST_TEST(key.type() == r.type);
        BOOST_TEST(cert.public_key_type() == r.type);
        BOOST_TEST(key.matches(cert));
        for (auto s : r.schemes) {
            BOOST_TEST_CONTEXT(r.name << " " << to_string(s))
            {
                const auto sig = key.sign(s, message);
                BOOST_TEST_REQUIRE(!sig.empty());
                BOOST_TEST(cert.verify_signature(crypto::mbedtls_provider(), s, message, sig));
                auto other = message;
                other[0] ^= std::byte{1};
                BOOST_TEST(!cert.verify_signature(crypto::mbedtls_provider(), s, other, sig));
                auto bad = sig;
                bad[bad.size() / 2] ^= std::byte{1};
                BOOST_TEST(!cert.verify_signature(crypto::mbedtls_provider(), s, message, bad));
                BOOST_TEST(!cert.verify_signature(crypto::mbedtls_provider(), s, message, bytes_view(sig).first(sig.size() - 1)));
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(one_key_signs_on_many_threads)
{
    // A context's key signs for every connection at once.
    for (const std::string name : {"server-ecdsa", "server-rsa"}) {
        const auto key = load_key(name + ".key");
        const auto cert = load_chain(name + ".pem").front();
        const auto scheme = key.type() == key_type::rsa ? signature_scheme::rsa_pss_rsae_sha256
                                                        : signature_scheme::ecdsa_secp256r1_sha256;
        std::vector<std::vector<byte_vec>> sigs(4);
        std::vector<std::thread> pool;
        for (std::size_t t = 0; t < sigs.size(); ++t)
            pool.emplace_back([&, t] {
                for (int i = 0; i < 10; ++i)
                    sigs[t].push_back(key.sign(scheme, text("concurrent")));
            });
        for (auto& th : pool)
            th.join();
        for (const auto& per_thread : sigs)
            for (const auto& sig : per_thread)
                BOOST_TEST(cert.verify_signature(crypto::mbedtls_provider(), scheme, text("concurrent"), sig));
    }
}

BOOST_AUTO_TEST_CASE(each_key_signs_as_itself)
{
    // Each EC key signs on its own warm context and every check runs on one
    // group shared per curve: a signature verifies under its signer's
    // certificate only, also when keys were loaded after it (a rotation).
    const std::string names[] = {"server-ecdsa", "client-ecdsa", "server-untrusted", "server-p384"};
    std::vector<private_key> keys;
    std::vector<certificate> certs;
    for (const auto& name : names) {
        keys.push_back(load_key(name + ".key"));
        certs.push_back(load_chain(name + ".pem").front());
    }
    const auto message = text("CertificateVerify content");
    for (std::size_t i = 0; i < keys.size(); ++i) {
        // TLS 1.2 lets any ECDSA key sign with any ECDSA hash (RFC 8422 §5.4).
        const auto scheme = keys[i].type() == key_type::ec_p384 ? signature_scheme::ecdsa_secp384r1_sha384
                                                                 : signature_scheme::ecdsa_secp256r1_sha256;
        const auto sig = keys[i].sign(scheme, message);
        BOOST_TEST_REQUIRE(!sig.empty());
        for (std::size_t j = 0; j < certs.size(); ++j)
            BOOST_TEST(certs[j].verify_signature(crypto::mbedtls_provider(), scheme, message, sig) == (i == j), names[i] << " under " << names[j]);
    }
}

BOOST_AUTO_TEST_CASE(ecdsa_signature_must_fill_its_der)   // RFC 8422 §5.4: Ecdsa-Sig-Value
{
    const auto key = load_key("server-ecdsa.key");
    const auto cert = load_chain("server-ecdsa.pem").front();
    const auto scheme = signature_scheme::ecdsa_secp256r1_sha256;
    const auto sig = key.sign(scheme, text("m"));
    BOOST_TEST_REQUIRE(cert.verify_signature(crypto::mbedtls_provider(), scheme, text("m"), sig));
    BOOST_TEST_REQUIRE(static_cast<std::size_t>(sig[1]) == sig.size() - 2);   // short-form length
    // A byte after the SEQUENCE.
    auto after = sig;
    after.push_back(std::byte{0});
    BOOST_TEST(!cert.verify_signature(crypto::mbedtls_provider(), scheme, text("m"), after));
    // A byte after s inside the SEQUENCE, its length grown to cover it.
    auto inside = after;
    inside[1] = static_cast<std::byte>(static_cast<unsigned>(inside[1]) + 1);
    BOOST_TEST(!cert.verify_signature(crypto::mbedtls_provider(), scheme, text("m"), inside));
    // The SEQUENCE shorter than the signature.
    auto short_sequence = sig;
    short_sequence[1] = static_cast<std::byte>(static_cast<unsigned>(short_sequence[1]) - 1);
    BOOST_TEST(!cert.verify_signature(crypto::mbedtls_provider(), scheme, text("m"), short_sequence));
}

BOOST_AUTO_TEST_CASE(ecdsa_signatures_are_der)   // RFC 8422 §5.4: Ecdsa-Sig-Value
{
    const auto key = load_key("server-ecdsa.key");
    const auto sig = key.sign(signature_scheme::ecdsa_secp256r1_sha256, text("m"));
    BOOST_TEST_REQUIRE(sig.size() > 2u);
    BOOST_TEST(sig[0] == std::byte{0x30});
    BOOST_TEST(static_cast<std::size_t>(sig[1]) == sig.size() - 2);
}

BOOST_AUTO_TEST_CASE(scheme_must_fit_the_key)
{
    const auto ec_key = load_key("server-ecdsa.key");
    const auto rsa_key = load_key("server-rsa.key");
    const auto rsa_cert = load_chain("server-rsa.pem").front();
    const auto ec_cert = load_chain("server-ecdsa.pem").front();
    BOOST_TEST(ec_key.sign(signature_scheme::rsa_pss_rsae_sha256, text("m")).empty());
    BOOST_TEST(rsa_key.sign(signature_scheme::ecdsa_secp256r1_sha256, text("m")).empty());
    // PKCS#1 v1.5 and PSS signatures are not interchangeable.
    const auto pkcs1 = rsa_key.sign(signature_scheme::rsa_pkcs1_sha256, text("m"));
    BOOST_TEST(!rsa_cert.verify_signature(crypto::mbedtls_provider(), signature_scheme::rsa_pss_rsae_sha256, text("m"), pkcs1));
    const auto pss = rsa_key.sign(signature_scheme::rsa_pss_rsae_sha256, text("m"));
    BOOST_TEST(!rsa_cert.verify_signature(crypto::mbedtls_provider(), signature_scheme::rsa_pkcs1_sha256, text("m"), pss));
    BOOST_TEST(!rsa_cert.verify_signature(crypto::mbedtls_provider(), signature_scheme::rsa_pss_rsae_sha384, text("m"), pss));
    const auto ecdsa = ec_key.sign(signature_scheme::ecdsa_secp256r1_sha256, text("m"));
    BOOST_TEST(!rsa_cert.verify_signature(crypto::mbedtls_provider(), signature_scheme::ecdsa_secp256r1_sha256, text("m"), ecdsa));
    BOOST_TEST(!ec_key.matches(rsa_cert));
    BOOST_TEST(!rsa_key.matches(ec_cert));
    BOOST_TEST(!load_key("client-ecdsa.key").matches(ec_cert));

    BOOST_TEST(key_matches_scheme(key_type::ec_p256, signature_scheme::ecdsa_secp256r1_sha256, false));
    BOOST_TEST(!key_matches_scheme(key_type::ec_p256, signature_scheme::ecdsa_secp384r1_sha384, false));
    BOOST_TEST(key_matches_scheme(key_type::ec_p256, signature_scheme::ecdsa_secp384r1_sha384, true));
    BOOST_TEST(key_matches_scheme(key_type::rsa, signature_scheme::rsa_pkcs1_sha256, true));
    BOOST_TEST(!key_matches_scheme(key_type::rsa, signature_scheme::rsa_pkcs1_sha256, false));
    BOOST_TEST(key_matches_scheme(key_type::rsa, signature_scheme::rsa_pss_rsae_sha256, false));
    BOOST_TEST(!key_matches_scheme(key_type::rsa, signature_scheme::ecdsa_secp256r1_sha256, true));
}

BOOST_AUTO_TEST_CASE(encrypted_key_needs_the_password)
{
    error_code ec;
    const auto data = read_file("client-ecdsa-encrypted.key");
    BOOST_TEST(!private_key::parse(crypto::mbedtls_provider(), data, file_format::pem, {}, ec));
    BOOST_TEST(ec == error::key_password_missing);
    BOOST_TEST(!private_key::parse(crypto::mbedtls_provider(), data, file_format::pem, "wrong", ec));
    BOOST_TEST(ec == error::key_password_wrong);
    const auto key = private_key::parse(crypto::mbedtls_provider(), data, file_format::pem, "secret", ec);
    BOOST_TEST(!ec);
    BOOST_TEST(key.matches(load_chain("client-ecdsa.pem").front()));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(certificates)

BOOST_AUTO_TEST_CASE(parsing)
{
    const auto chain = load_chain("server-chain.pem");
    BOOST_TEST(chain.size() == 2u);
    BOOST_TEST(chain[0].subject() == "CN=localhost");
    BOOST_TEST(chain[1].subject() == "CN=mtls test intermediate CA");
    error_code ec;
    const auto der = read_file("client-ecdsa.der");
    const auto c = certificate::parse_der(der, ec);
    BOOST_TEST(!ec);
    BOOST_TEST(to_vec(c.der()) == der);
    const certificate copy = c;   // copies are independent and equal
    BOOST_TEST(to_vec(copy.der()) == der);
    BOOST_TEST(copy.subject() == "CN=mtls test client");
    BOOST_TEST(!c.subject_der().empty());
    BOOST_TEST(c.subject_der()[0] == std::byte{0x30});   // a DER SEQUENCE (Name)

    auto trailing = der;
    trailing.push_back(std::byte{0});
    BOOST_TEST(!certificate::parse_der(trailing, ec));
    BOOST_TEST(ec == error::bad_certificate);
    BOOST_TEST(!certificate::parse_der(bytes_view(der).first(der.size() - 1), ec));
    BOOST_TEST(ec == error::bad_certificate);
    BOOST_TEST(certificate::parse_all(text("not a certificate"), file_format::pem, ec).empty());
    BOOST_TEST(ec == error::not_pem);
    BOOST_TEST(certificate::parse_all(read_file("ca.key"), file_format::pem, ec).empty());
    BOOST_TEST(ec == error::bad_certificate);
}

BOOST_AUTO_TEST_CASE(host_names)   // RFC 6125 §6.4
{
    const auto server = load_chain("server-ecdsa.pem").front();   // DNS:localhost, IP:127.0.0.1
    BOOST_TEST(server.matches_host("localhost"));
    BOOST_TEST(server.matches_host("LocalHost"));
    BOOST_TEST(server.matches_host("localhost."));
    BOOST_TEST(server.matches_host("127.0.0.1"));
    BOOST_TEST(!server.matches_host("127.0.0.2"));
    BOOST_TEST(!server.matches_host("::1"));
    BOOST_TEST(!server.matches_host("localhost2"));
    BOOST_TEST(!server.matches_host("x.localhost"));
    BOOST_TEST(!server.matches_host(""));

    const auto wild = load_chain("server-wildcard.pem").front();   // DNS:*.example.test
    BOOST_TEST(wild.matches_host("a.example.test"));
    BOOST_TEST(wild.matches_host("WWW.Example.Test"));
    BOOST_TEST(!wild.matches_host("example.test"));
    BOOST_TEST(!wild.matches_host("a.b.example.test"));   // never across dots
    BOOST_TEST(!wild.matches_host(".example.test"));
    BOOST_TEST(!wild.matches_host("a.example.testx"));
    BOOST_TEST(!wild.matches_host("*.example.test"));

    // Without any subjectAltName the CN is the DNS-ID (RFC 6125 §6.4.4).
    const auto client = load_chain("client-ecdsa.pem").front();   // CN only, no SAN
    BOOST_TEST(client.matches_host("mtls test client"));
    BOOST_TEST(!client.matches_host("mtls"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(chain_verification)

BOOST_AUTO_TEST_CASE(outcomes)
{
    const auto ca = anchors_from("ca.pem");
    const auto server = load_chain("server-ecdsa.pem");
    BOOST_TEST(verify_chain(crypto::mbedtls_provider(), server, ca, role::server, "localhost", no_callback) == error_code{});
    BOOST_TEST(verify_chain(crypto::mbedtls_provider(), server, ca, role::server, "127.0.0.1", no_callback) == error_code{});
    BOOST_TEST(verify_chain(crypto::mbedtls_provider(), server, ca, role::server, "", no_callback) == error_code{});
    BOOST_TEST(verify_chain(crypto::mbedtls_provider(), server, ca, role::server, "example.com", no_callback) ==
               error::certificate_host_mismatch);
    BOOST_TEST(verify_chain(crypto::mbedtls_provider(), server, ca, role::server, "127.0.0.2", no_callback) ==
               error::certificate_host_mismatch);
    BOOST_TEST(verify_chain(crypto::mbedtls_provider(), load_chain("server-rsa.pem"), ca, role::server, "localhost",
                            no_callback) == error_code{});
    BOOST_TEST(verify_chain(crypto::mbedtls_provider(), load_chain("server-p384.pem"), ca, role::server, "localhost",
                            no_callback) == error_code{});

    const auto wild = load_chain("server-wildcard.pem");
    BOOST_TEST(verify_chain(crypto::mbedtls_provider(), wild, ca, role::server, "api.example.test", no_callback) == error_code{});
    BOOST_TEST(verify_chain(crypto::mbedtls_provider(), wild, ca, role::server, "a.api.example.test", no_callback) ==
               error::certificate_host_mismatch);

    const auto client = load_chain("client-ecdsa.pem");
    BOOST_TEST(verify_chain(crypto::mbedtls_provider(), client, ca, role::client, "", no_callback) == error_code{});
    BOOST_TEST(verify_chain(crypto::mbedtls_provider(), load_chain("client-rsa.pem"), ca, role::client, "", no_callback) ==
               error_code{});
    // EKU clientAuth only: not a server certificate, and the reverse.
    BOOST_TEST(verify_chain(crypto::mbedtls_provider(), client, ca, role::server, "", no_callback) ==
               error::certificate_bad_purpose);
    BOOST_TEST(verify_chain(crypto::mbedtls_provider(), server, ca, role::client, "", no_callback) ==
               error::certificate_bad_purpose);
    BOOST_TEST(verify_chain(crypto::mbedtls_provider(), load_chain("client-wrong-purpose.pem"), ca, role::client, "",
                            no_callback) == error::certificate_bad_purpose);

    BOOST_TEST(verify_chain(crypto::mbedtls_provider(), load_chain("client-untrusted.pem"), ca, role::client, "", no_callback) ==
               error::certificate_untrusted);
    BOOST_TEST(verify_chain(crypto::mbedtls_provider(), load_chain("server-expired.pem"), ca, role::server, "localhost",
                            no_callback) == error::certificate_expired);

    BOOST_TEST(verify_chain(crypto::mbedtls_provider(), server, trust_store{}, role::server, "localhost", no_callback) ==
               error::certificate_untrusted);
    BOOST_TEST(verify_chain(crypto::mbedtls_provider(), {}, ca, role::server, "localhost", no_callback) == error::bad_certificate);
    // The anchor of other-ca does not vouch for our CA's leaves.
    BOOST_TEST(verify_chain(crypto::mbedtls_provider(), server, anchors_from("other-ca.pem"), role::server, "localhost",
                            no_callback) == error::certificate_untrusted);
}

BOOST_AUTO_TEST_CASE(intermediates)
{
    const auto ca = anchors_from("ca.pem");
    const auto chain = load_chain("server-chain.pem");
    BOOST_TEST(verify_chain(crypto::mbedtls_provider(), chain, ca, role::server, "localhost", no_callback) == error_code{});
    const std::vector<certificate> leaf_only{chain.front()};
    BOOST_TEST(verify_chain(crypto::mbedtls_provider(), leaf_only, ca, role::server, "localhost", no_callback) ==
               error::certificate_untrusted);
}

BOOST_AUTO_TEST_CASE(anchor_keys_check_every_signature)
{
    // An EC anchor's key keeps its base-point table after the first check
    // (also in a clone, as each context setter makes): later checks under it
    // must still refuse a certificate whose signature it did not make.
    const auto ca = anchors_from("ca.pem");
    const auto clone = ca.clone();
    const auto server = load_chain("server-ecdsa.pem");
    auto der = server.front().der();
    byte_vec forged(der.begin(), der.end());
    forged[forged.size() - 3] ^= std::byte{1};   // inside s, the signature's last INTEGER
    error_code ec;
    const std::vector<certificate> forged_chain{certificate::parse_der(forged, ec)};
    BOOST_TEST_REQUIRE(!ec);
    for (const trust_store* anchors : {&ca, &clone}) {
        for (int round = 0; round < 2; ++round) {
            BOOST_TEST(verify_chain(crypto::mbedtls_provider(), server, *anchors, role::server, "localhost", no_callback) == error_code{});
            BOOST_TEST(verify_chain(crypto::mbedtls_provider(), forged_chain, *anchors, role::server, "localhost", no_callback) ==
                       error::certificate_untrusted);
        }
    }
}

BOOST_AUTO_TEST_CASE(callback_sees_each_certificate_anchor_first)
{
    const auto ca = anchors_from("ca.pem");
    std::vector<depth_and_subject> seen;
    const verify_callback record = [&](bool preverified, verify_context& ctx) {
        BOOST_TEST(preverified);
        BOOST_TEST(!ctx.error());
        BOOST_TEST(!ctx.certificate().empty());
        seen.emplace_back(ctx.depth(), ctx.subject());
        return true;
    };
    BOOST_TEST(verify_chain(crypto::mbedtls_provider(), load_chain("server-chain.pem"), ca, role::server, "localhost", record) ==
               error_code{});
    const std::vector<depth_and_subject> expected{
        {2, "CN=mtls test CA"}, {1, "CN=mtls test intermediate CA"}, {0, "CN=localhost"}};
    BOOST_TEST(seen == expected);
}

BOOST_AUTO_TEST_CASE(callback_overrides_both_ways)
{
    const auto ca = anchors_from("ca.pem");
    const auto untrusted = load_chain("client-untrusted.pem");
    std::vector<error_code> errors;
    const verify_callback accept_all = [&](bool preverified, verify_context& ctx) {
        if (!preverified)
            errors.push_back(ctx.error());
        return true;
    };
    BOOST_TEST(verify_chain(crypto::mbedtls_provider(), untrusted, ca, role::client, "", accept_all) == error_code{});
    BOOST_TEST_REQUIRE(!errors.empty());
    BOOST_TEST(errors.front() == error::certificate_untrusted);

    errors.clear();
    BOOST_TEST(verify_chain(crypto::mbedtls_provider(), load_chain("server-ecdsa.pem"), ca, role::server, "wrong.host",
                            accept_all) == error_code{});
    BOOST_TEST_REQUIRE(errors.size() == 1u);
    BOOST_TEST(errors.front() == error::certificate_host_mismatch);

    const verify_callback reject_leaf = [](bool preverified, verify_context& ctx) {
        return preverified && ctx.depth() != 0;
    };
    BOOST_TEST(verify_chain(crypto::mbedtls_provider(), load_chain("client-ecdsa.pem"), ca, role::client, "", reject_leaf) ==
               error::certificate_rejected);
    // Rejecting an already failed chain keeps the specific error.
    BOOST_TEST(verify_chain(crypto::mbedtls_provider(), load_chain("server-expired.pem"), ca, role::server, "localhost",
                            reject_leaf) == error::certificate_expired);
    const verify_callback pass_through = [](bool preverified, verify_context&) { return preverified; };
    BOOST_TEST(verify_chain(crypto::mbedtls_provider(), load_chain("client-ecdsa.pem"), ca, role::client, "", pass_through) ==
               error_code{});
    BOOST_TEST(verify_chain(crypto::mbedtls_provider(), untrusted, ca, role::client, "", pass_through) ==
               error::certificate_untrusted);
}

BOOST_AUTO_TEST_CASE(trust_store_loading)
{
    trust_store ts;
    BOOST_TEST(ts.empty());
    BOOST_TEST(ts.add_file(certs_dir() + "/no-such-file.pem") ==
               boost::system::errc::no_such_file_or_directory);
    BOOST_TEST(ts.add_file(certs_dir() + "/ca.key") == error::bad_certificate);
    BOOST_TEST(ts.empty());
    BOOST_TEST(!ts.add_file(certs_dir() + "/ca.der"));
    BOOST_TEST(!ts.add_file(certs_dir() + "/other-ca.pem"));
    BOOST_TEST(!ts.empty());
    const auto subjects = ts.subjects();
    BOOST_TEST_REQUIRE(subjects.size() == 2u);
    BOOST_TEST(to_vec(subjects[0]) == to_vec(load_chain("ca.pem").front().subject_der()));

    trust_store dir;
    BOOST_TEST(!dir.add_directory(certs_dir()));   // key files in it are skipped
    BOOST_TEST(verify_chain(crypto::mbedtls_provider(), load_chain("server-ecdsa.pem"), dir, role::server, "localhost",
                            no_callback) == error_code{});
    BOOST_TEST(dir.add_directory(certs_dir() + "/no-such-dir").failed());

    trust_store added;
    added.add(load_chain("ca.pem").front());
    BOOST_TEST(verify_chain(crypto::mbedtls_provider(), load_chain("client-ecdsa.pem"), added, role::client, "", no_callback) ==
               error_code{});
}

BOOST_AUTO_TEST_SUITE_END()

// Hostile or unusual certificates: keyUsage, host name rules and chain depth.
BOOST_AUTO_TEST_SUITE(certificate_checks)

BOOST_AUTO_TEST_CASE(key_usage_without_digital_signature)   // RFC 5280 §4.2.1.3
{
    // keyUsage present with keyAgreement only; EKU, host and issuer are right,
    // so only the missing digitalSignature bit can refuse them.
    const auto ca = anchors_from("ca.pem");
    BOOST_TEST(verify_chain(crypto::mbedtls_provider(), load_chain("server-no-digital-signature.pem"), ca, role::server,
                            "localhost", no_callback) == error::certificate_bad_purpose);
    BOOST_TEST(verify_chain(crypto::mbedtls_provider(), load_chain("client-no-digital-signature.pem"), ca, role::client, "",
                            no_callback) == error::certificate_bad_purpose);
}

BOOST_AUTO_TEST_CASE(no_wildcard_directly_under_a_top_level_label)   // RFC 6125 §6.4.3
{
    const auto tld = load_chain("server-wildcard-tld.pem").front();   // DNS:*.test, DNS:*..test
    BOOST_TEST(!tld.matches_host("example.test"));
    BOOST_TEST(!tld.matches_host("a.test"));
    BOOST_TEST(!tld.matches_host("test"));
    BOOST_TEST(!tld.matches_host("a..test"));   // an empty label is no label
    BOOST_TEST(verify_chain(crypto::mbedtls_provider(), load_chain("server-wildcard-tld.pem"), anchors_from("ca.pem"),
                            role::server, "example.test", no_callback) ==
               error::certificate_host_mismatch);
}

BOOST_AUTO_TEST_CASE(wildcard_stands_for_exactly_one_left_most_label)   // RFC 6125 §6.4.3
{
    const auto wild = load_chain("server-wildcard.pem").front();   // DNS:*.example.test
    BOOST_TEST(wild.matches_host("a.example.test"));
    BOOST_TEST(wild.matches_host("a.example.test."));
    BOOST_TEST(!wild.matches_host("example.test"));
    BOOST_TEST(!wild.matches_host("a.b.example.test"));
    BOOST_TEST(!wild.matches_host("a.example.test.x"));
}

BOOST_AUTO_TEST_CASE(partial_wildcards_match_nothing)
{
    // mtls's rule: "*" only as a whole label (RFC 6125 §6.4.3 item 3 makes
    // partial ones optional; browsers and RFC 9525 refuse them).
    const auto partial = load_chain("server-partial-wildcard.pem").front();   // DNS:f*.example.test
    BOOST_TEST(!partial.matches_host("f.example.test"));
    BOOST_TEST(!partial.matches_host("foo.example.test"));
    BOOST_TEST(!partial.matches_host("bar.example.test"));
    BOOST_TEST(!partial.matches_host("f*.example.test"));
    BOOST_TEST(!partial.matches_host("example.test"));
}

BOOST_AUTO_TEST_CASE(common_name_ignored_when_a_dns_san_is_present)   // RFC 6125 §6.4.4
{
    const auto other = load_chain("server-san-other.pem");   // CN=localhost, DNS:other.test
    BOOST_TEST(other.front().subject() == "CN=localhost");
    BOOST_TEST(other.front().matches_host("other.test"));
    BOOST_TEST(!other.front().matches_host("localhost"));
    BOOST_TEST(verify_chain(crypto::mbedtls_provider(), other, anchors_from("ca.pem"), role::server, "localhost", no_callback) ==
               error::certificate_host_mismatch);
}

BOOST_AUTO_TEST_CASE(ip_addresses_match_only_same_length_sans)   // RFC 5280 §4.2.1.6
{
    // IP:7f00:1:: is 7f 00 00 01 then twelve zeros: its first four bytes are
    // 127.0.0.1, which must not make it an IPv4 match.
    const auto v6 = load_chain("server-ipv6.pem").front();   // IP:7f00:1::, IP:::1
    BOOST_TEST(!v6.matches_host("127.0.0.1"));
    BOOST_TEST(!v6.matches_host("0.0.0.0"));
    BOOST_TEST(v6.matches_host("::1"));
    BOOST_TEST(v6.matches_host("[::1]"));
    BOOST_TEST(v6.matches_host("0:0:0:0:0:0:0:1"));
    BOOST_TEST(v6.matches_host("7f00:1::"));
    BOOST_TEST(!v6.matches_host("::2"));

    const auto v4 = load_chain("server-ecdsa.pem").front();   // DNS:localhost, IP:127.0.0.1
    BOOST_TEST(v4.matches_host("127.0.0.1"));
    BOOST_TEST(!v4.matches_host("7f00:1::"));
    BOOST_TEST(!v4.matches_host("[7f00:1::]"));
    BOOST_TEST(!v4.matches_host("::ffff:127.0.0.1"));
    BOOST_TEST(!v4.matches_host("::1"));
    // Brackets enclose only IPv6 literals (RFC 3986 §3.2.2).
    BOOST_TEST(!v4.matches_host("[127.0.0.1]"));
    BOOST_TEST(!v4.matches_host("[localhost]"));
}

namespace {

// The depth-caK chain: depth-ca0 (root) signs depth-ca1, ..., depth-ca8 signs
// depth-server. The peer's chain with `n` intermediates, and the anchor that
// ends it.
std::vector<certificate> depth_chain(int n)
{
    auto chain = load_chain("depth-server.pem");
    for (int k = 8; k > 8 - n; --k)
        chain.push_back(load_chain("depth-ca" + std::to_string(k) + ".pem").front());
    return chain;
}

trust_store depth_anchor(int n)
{
    return anchors_from("depth-ca" + std::to_string(8 - n) + ".pem");
}

} // namespace

BOOST_AUTO_TEST_CASE(chain_depth_counts_intermediates)
{
    for (int depth : {0, 1, 2, max_verify_depth}) {
        BOOST_TEST_CONTEXT("verify depth " << depth)
        {
            BOOST_TEST(verify_chain(crypto::mbedtls_provider(), depth_chain(depth), depth_anchor(depth), role::server, "localhost",
                                    no_callback, depth) == error_code{});
            BOOST_TEST(verify_chain(crypto::mbedtls_provider(), depth_chain(depth + 1), depth_anchor(depth + 1), role::server,
                                    "localhost", no_callback, depth) ==
                       error::certificate_chain_too_long);
        }
    }
    // The default and the largest depth are max_verify_depth.
    BOOST_TEST(verify_chain(crypto::mbedtls_provider(), depth_chain(max_verify_depth), depth_anchor(max_verify_depth),
                            role::server, "localhost", no_callback) == error_code{});
    BOOST_TEST(verify_chain(crypto::mbedtls_provider(), depth_chain(max_verify_depth + 1), depth_anchor(max_verify_depth + 1),
                            role::server, "localhost", no_callback) ==
               error::certificate_chain_too_long);
    BOOST_TEST(verify_chain(crypto::mbedtls_provider(), depth_chain(max_verify_depth + 1), depth_anchor(max_verify_depth + 1),
                            role::server, "localhost", no_callback, 100) ==
               error::certificate_chain_too_long);
}

BOOST_AUTO_TEST_CASE(chain_too_long_reaches_the_callback)
{
    // As in OpenSSL, the callback sees the failure and may override it.
    std::vector<depth_and_subject> failed;
    const verify_callback accept_all = [&](bool preverified, verify_context& ctx) {
        if (!preverified) {
            BOOST_TEST(ctx.error() == error::certificate_chain_too_long);
            failed.emplace_back(ctx.depth(), ctx.subject());
        }
        return true;
    };
    BOOST_TEST(verify_chain(crypto::mbedtls_provider(), depth_chain(2), depth_anchor(2), role::server, "localhost", accept_all, 1) ==
               error_code{});
    const std::vector<depth_and_subject> expected{{3, "CN=mtls depth CA 6"}};
    BOOST_TEST(failed == expected);
}

BOOST_AUTO_TEST_SUITE_END()
