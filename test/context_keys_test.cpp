// Private keys given to a context: OpenSSL 3's encrypted PKCS#8 keys
// (PBES2, RFC 8018 §6.2) load with the right password and say which mistake
// was made otherwise; each loading mistake has its own error and message.

#define BOOST_TEST_MODULE context_keys
#include <boost/test/unit_test.hpp>

#include "support/certs.hpp"
#include "support/pbes2_writer.hpp"
#include "support/pump.hpp"

#include "crypto/pbes2.hpp"
#include "crypto/pki.hpp"

#include <mtls/context.hpp>

#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

using namespace mtls;
using namespace mtls::test;

namespace {

const std::string password = "mtls key pw"; // gen_certs.sh's

std::vector<std::byte> load(std::string_view name)
{
    std::ifstream f(cert_path(name), std::ios::binary);
    BOOST_TEST_REQUIRE(f.good(), "cannot open " << name);
    const std::vector<char> raw((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    const auto bytes = std::as_bytes(std::span(raw));
    return {bytes.begin(), bytes.end()};
}

std::vector<std::byte> as_bytes(const std::vector<unsigned char>& v)
{
    const auto b = std::as_bytes(std::span(v));
    return {b.begin(), b.end()};
}

std::vector<std::byte> text(std::string_view s)
{
    const auto b = std::as_bytes(std::span(s));
    return {b.begin(), b.end()};
}

/// A context holding server-ecdsa.pem whose password callback answers `pw`
/// and counts its calls.
struct keyed_context {
    context ctx;
    int calls = 0;

    explicit keyed_context(std::string pw)
    {
        ctx.use_certificate_chain_file(cert_path("server-ecdsa.pem"));
        ctx.set_password_callback([this, pw](std::size_t max_length) {
            ++calls;
            BOOST_TEST(max_length > 0u);
            return pw;
        });
    }
};

error_code load_key(context& ctx, std::string_view name, file_format fmt = file_format::pem)
{
    error_code ec;
    ctx.use_private_key_file(cert_path(name), fmt, ec);
    return ec;
}

void check_error(const error_code& ec, error want, std::string_view message)
{
    BOOST_TEST(ec == want, ec.message());
    BOOST_TEST(ec.message() == message);
}

constexpr std::string_view wrong_password = "bad decrypt: wrong password for the encrypted private key";
constexpr std::string_view no_callback = "private key is encrypted and no password callback is set";
constexpr std::string_view cannot_decrypt =
    "private key is encrypted with a scheme mtls cannot decrypt (it decrypts PBES2 with AES-CBC or DES and "
    "PKCS#12 PBE with 3DES, at most 10000000 PBKDF2 iterations)";
constexpr std::string_view cannot_parse = "private key cannot be parsed";

// Keys that re-encrypt server-ecdsa.key (openssl pkcs8 -topk8 -v2 ...).
const char* const server_keys[] = {
    "pbes2-sha1-aes128.key",   "pbes2-sha256-aes256.key", "pbes2-SHA224-aes192.key", "pbes2-SHA384-aes192.key",
    "pbes2-SHA512-aes192.key", "pbes2-sha256-des3.key",   "pkcs12-3des.key",
};

// Fresh keys written by openssl genpkey -aes256 / -aes128 / -aes-192-cbc.
const char* const genpkey_keys[] = {"pbes2-genpkey-aes256.key", "pbes2-genpkey-aes128.key",
                                    "pbes2-genpkey-rsa-aes192.key"};

} // namespace

BOOST_AUTO_TEST_SUITE(encrypted_keys)

BOOST_AUTO_TEST_CASE(load_with_the_right_password)
{
    for (const char* name : server_keys) {
        BOOST_TEST_CONTEXT(name)
        {
            keyed_context k(password);
            BOOST_TEST(!load_key(k.ctx, name));
            BOOST_TEST(k.calls == 1);
        }
    }
    keyed_context der(password);
    BOOST_TEST(!load_key(der.ctx, "pbes2-sha256-aes256.key.der", file_format::asn1));

    for (const char* name : genpkey_keys) {
        BOOST_TEST_CONTEXT(name)
        {
            const auto data = load(name);
            error_code ec;
            const auto key = crypto::private_key::parse(crypto::mbedtls_provider(), data, file_format::pem, password, ec);
            BOOST_TEST(!ec, ec.message());
            const auto want = std::string_view(name).find("rsa") != std::string_view::npos ? crypto::key_type::rsa
                                                                                           : crypto::key_type::ec_p256;
            BOOST_TEST((key.type() == want));
        }
    }
}

BOOST_AUTO_TEST_CASE(a_server_signs_with_a_decrypted_key)
{
    for (const auto v : versions) {
        keyed_context k(password);
        BOOST_TEST_REQUIRE(!load_key(k.ctx, "pbes2-sha256-aes256.key"));
        k.ctx.load_verify_file(cert_path("ca.pem"));
        engine_pair p(versioned(client_context(), v), k.ctx);
        MTLS_REQUIRE_HANDSHAKE(p);
    }
}

BOOST_AUTO_TEST_CASE(fail_with_a_wrong_password)
{
    const std::string_view all[] = {"pbes2-sha1-aes128.key",     "pbes2-sha256-aes256.key",
                                    "pbes2-SHA512-aes192.key",   "pbes2-sha256-des3.key",
                                    "pkcs12-3des.key",           "pbes2-genpkey-aes256.key",
                                    "pbes2-genpkey-aes128.key",  "pbes2-genpkey-rsa-aes192.key",
                                    "client-ecdsa-encrypted.key"};
    for (const auto name : all) {
        BOOST_TEST_CONTEXT(name)
        {
            keyed_context k("mtls key PW");
            check_error(load_key(k.ctx, name), error::key_password_wrong, wrong_password);
            BOOST_TEST(k.calls == 1);
        }
    }
    keyed_context der("wrong");
    check_error(load_key(der.ctx, "pbes2-sha256-aes256.key.der", file_format::asn1), error::key_password_wrong,
                wrong_password);
    // A callback that answers with no password gave a wrong one.
    keyed_context empty("");
    check_error(load_key(empty.ctx, "pbes2-sha256-aes256.key"), error::key_password_wrong, wrong_password);
}

BOOST_AUTO_TEST_CASE(fail_without_a_password_callback)
{
    for (const auto name :
         {"pbes2-sha256-aes256.key", "pkcs12-3des.key", "client-ecdsa-encrypted.key", "pbes2-camellia.key"}) {
        BOOST_TEST_CONTEXT(name)
        {
            context ctx;
            check_error(load_key(ctx, name), error::key_password_missing, no_callback);
        }
    }
    context der;
    check_error(load_key(der, "pbes2-sha256-aes256.key.der", file_format::asn1), error::key_password_missing,
                no_callback);
    // An unencrypted key does not ask for a password.
    keyed_context plain(password);
    BOOST_TEST(!load_key(plain.ctx, "server-ecdsa.key"));
    BOOST_TEST(plain.calls == 0);
}

BOOST_AUTO_TEST_CASE(camellia_is_not_decrypted)
{
    keyed_context k(password);
    check_error(load_key(k.ctx, "pbes2-camellia.key"), error::unsupported_key_encryption, cannot_decrypt);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(loading_mistakes)

BOOST_AUTO_TEST_CASE(a_pem_certificate_as_the_key)
{
    context ctx;
    check_error(load_key(ctx, "server-ecdsa.pem"), error::key_is_certificate,
                "expected a private key but the input is a certificate");
}

BOOST_AUTO_TEST_CASE(a_der_certificate_as_the_key)
{
    context ctx;
    check_error(load_key(ctx, "client-ecdsa.der", file_format::asn1), error::key_is_certificate,
                "expected a private key but the input is a certificate");
}

BOOST_AUTO_TEST_CASE(pem_loaded_as_der)
{
    context ctx;
    check_error(load_key(ctx, "server-ecdsa.key", file_format::asn1), error::pem_loaded_as_der,
                "input is PEM but was loaded as DER (pass mtls::context::pem)");
}

BOOST_AUTO_TEST_CASE(der_loaded_as_pem)
{
    context ctx;
    check_error(load_key(ctx, "client-ecdsa.key.der"), error::not_pem,
                "input is not PEM: no -----BEGIN line (pass mtls::context::asn1 for DER)");
    error_code ec;
    ctx.use_private_key(text("garbage"), file_format::pem, ec);
    check_error(ec, error::not_pem, "input is not PEM: no -----BEGIN line (pass mtls::context::asn1 for DER)");
}

BOOST_AUTO_TEST_CASE(unparseable_keys)
{
    context ctx;
    error_code ec;
    ctx.use_private_key(text("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), file_format::pem, ec);
    check_error(ec, error::bad_private_key, cannot_parse);
    ctx.use_private_key(text("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"), file_format::pem, ec);
    check_error(ec, error::bad_private_key, cannot_parse);
    ctx.use_private_key(text("garbage"), file_format::asn1, ec);
    check_error(ec, error::bad_private_key, cannot_parse);
    ctx.use_private_key({}, file_format::asn1, ec);
    check_error(ec, error::bad_private_key, cannot_parse);
    // The PEM of an encrypted PKCS#8 key with its base64 broken.
    auto pem = load("pbes2-sha256-aes256.key");
    pem[60] = std::byte{'!'};
    ctx.set_password_callback([](std::size_t) { return password; });
    ctx.use_private_key(pem, file_format::pem, ec);
    check_error(ec, error::bad_private_key, cannot_parse);
}

BOOST_AUTO_TEST_SUITE_END()

// PBES2 inputs that OpenSSL does not write, made by pbes2_writer.hpp from
// client-ecdsa.key.der (a PrivateKeyInfo), checked at the parser.
BOOST_AUTO_TEST_SUITE(pbes2_parameters)

namespace {

std::vector<unsigned char> private_key_info()
{
    const auto der = load("client-ecdsa.key.der");
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    return {p, p + der.size()};
}

error_code parse(const pbes2_spec& spec, std::string_view pw = password)
{
    error_code ec;
    const auto der = as_bytes(pbes2_encrypt(private_key_info(), password, spec));
    const auto key = crypto::private_key::parse(crypto::mbedtls_provider(), der, file_format::asn1, pw, ec);
    BOOST_TEST(bool(key) == !ec);
    return ec;
}

// The default spec changed by `edit` fails with `want`.
void refused(void (*edit)(pbes2_spec&), error want)
{
    pbes2_spec spec;
    edit(spec);
    check_error(parse(spec), want, want == error::bad_private_key ? cannot_parse : cannot_decrypt);
}

} // namespace

BOOST_AUTO_TEST_CASE(well_formed_inputs_load)
{
    BOOST_TEST(!parse({}));
    pbes2_spec sha1; // no prf: HMAC-SHA1 by default (RFC 8018 §A.2)
    sha1.prf_oid.clear();
    sha1.md = MBEDTLS_MD_SHA1;
    BOOST_TEST(!parse(sha1));
    pbes2_spec key_length; // keyLength present and right
    key_length.written_key_length = 32;
    BOOST_TEST(!parse(key_length));
    pbes2_spec no_salt;
    no_salt.salt_length = 0;
    BOOST_TEST(!parse(no_salt));
    // The decrypted key is the one encrypted.
    error_code ec;
    const auto key = crypto::private_key::parse(crypto::mbedtls_provider(), as_bytes(pbes2_encrypt(private_key_info(), password)),
                                                file_format::asn1, password, ec);
    const auto chain = crypto::certificate::parse_all(load("client-ecdsa.pem"), file_format::pem, ec);
    BOOST_TEST_REQUIRE(!ec);
    BOOST_TEST(key.matches(chain.front()));
}

BOOST_AUTO_TEST_CASE(bad_padding_is_a_wrong_password)
{
    // The right password: only the padding check can refuse it.
    pbes2_spec spec;
    spec.bad_padding = true;
    check_error(parse(spec), error::key_password_wrong, wrong_password);
    check_error(parse({}, "not it"), error::key_password_wrong, wrong_password);
}

BOOST_AUTO_TEST_CASE(iteration_count_is_bounded)
{
    // Refused before any derivation, so these cost nothing.
    refused([](pbes2_spec& s) { s.written_iterations = crypto::detail::max_pbkdf2_iterations + 1L; },
            error::unsupported_key_encryption);
    refused([](pbes2_spec& s) { s.written_iterations = 0x7fffffff; }, error::unsupported_key_encryption);
    refused([](pbes2_spec& s) { s.written_iterations = 0; }, error::bad_private_key);
    refused([](pbes2_spec& s) { s.written_iterations = -5; }, error::bad_private_key);
}

BOOST_AUTO_TEST_CASE(salt_iv_and_key_length_are_checked)
{
    refused([](pbes2_spec& s) { s.salt_length = crypto::detail::max_pbkdf2_salt + 1; },
            error::unsupported_key_encryption);
    refused([](pbes2_spec& s) { s.iv_length = 8; }, error::bad_private_key);
    refused([](pbes2_spec& s) { s.written_key_length = 16; }, error::bad_private_key);
    refused([](pbes2_spec& s) { s.truncate = 3; }, error::bad_private_key); // not whole blocks
    refused([](pbes2_spec& s) { s.prf_oid = MBEDTLS_OID_HMAC_SHA1 "\x7f"; }, error::unsupported_key_encryption);
}

// RFC 7292 Appendix C: pkcs-12PbeParams, bounded before mbedTLS decrypts.
BOOST_AUTO_TEST_CASE(pkcs12_iteration_count_is_bounded)
{
    auto pkcs12 = [](long iterations) {
        pbes2_detail::der_writer w;
        const std::vector<unsigned char> data(16, 0x5a);
        const std::vector<unsigned char> salt(8, 0x11);
        std::size_t n = w.octets(data.data(), data.size());
        std::size_t params = w.integer(iterations);
        params = w.sequence(params + w.octets(salt.data(), salt.size()));
        n += w.algorithm(MBEDTLS_OID_PKCS12_PBE_SHA1_DES3_EDE_CBC, params);
        w.sequence(n);
        error_code ec;
        crypto::private_key::parse(crypto::mbedtls_provider(), as_bytes(w.result()), file_format::asn1, password, ec);
        return ec;
    };
    check_error(pkcs12(crypto::detail::max_pbkdf2_iterations + 1L), error::unsupported_key_encryption, cannot_decrypt);
    check_error(pkcs12(0), error::bad_private_key, cannot_parse);
    // Within the bound mbedTLS decrypts; garbage under any password.
    check_error(pkcs12(1), error::key_password_wrong, wrong_password);
}

BOOST_AUTO_TEST_SUITE_END()
