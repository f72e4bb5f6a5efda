// mtls::context: loading credentials and trust anchors from files and memory,
// password callbacks, key/certificate consistency, and policy setters.

#define BOOST_TEST_MODULE context
#include <boost/test/unit_test.hpp>

#include "support/print.hpp"

#include "context_impl.hpp"

#include <mtls/context.hpp>

#include <boost/system/system_error.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

using namespace mtls;

BOOST_TEST_DONT_PRINT_LOG_VALUE(cipher_suite)
BOOST_TEST_DONT_PRINT_LOG_VALUE(named_group)
BOOST_TEST_DONT_PRINT_LOG_VALUE(signature_scheme)
BOOST_TEST_DONT_PRINT_LOG_VALUE(tls_version)
BOOST_TEST_DONT_PRINT_LOG_VALUE(crypto::key_type)
BOOST_TEST_DONT_PRINT_LOG_VALUE(std::optional<verify_mode>)

namespace {

std::string certs_dir()
{
    const char* d = std::getenv("MTLS_TEST_CERTS");
    BOOST_TEST_REQUIRE(d != nullptr, "MTLS_TEST_CERTS must name the gen_certs.sh output");
    return d;
}

std::string path(const std::string& name)
{
    return certs_dir() + "/" + name;
}

std::vector<std::byte> read_file(const std::string& name)
{
    std::ifstream f(path(name), std::ios::binary);
    BOOST_TEST_REQUIRE(f.good(), "cannot open " << name);
    std::vector<char> raw((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    std::vector<std::byte> out(raw.size());
    std::transform(raw.begin(), raw.end(), out.begin(), [](char c) { return static_cast<std::byte>(c); });
    return out;
}

std::vector<std::byte> text(std::string_view s)
{
    std::vector<std::byte> out(s.size());
    std::transform(s.begin(), s.end(), out.begin(), [](char c) { return static_cast<std::byte>(c); });
    return out;
}

// Whether the context's anchors accept `chain_file` as a server for localhost.
error_code verify_with(const context& ctx, const std::string& chain_file)
{
    error_code ec;
    const auto chain = crypto::certificate::parse_all(read_file(chain_file), file_format::pem, ec);
    BOOST_TEST_REQUIRE(!ec);
    return crypto::verify_chain(crypto::mbedtls_provider(), chain, *ctx.impl().current_credentials()->anchors, role::server, "localhost", {});
}

// The context's first chain and key, as a handshake starting now sees them.
detail::certified_key first_key(const context& ctx)
{
    const auto c = ctx.impl().current_credentials();
    return c->keys.empty() ? detail::certified_key{} : *c->keys.front();
}

} // namespace

BOOST_AUTO_TEST_SUITE(credentials)

BOOST_AUTO_TEST_CASE(from_files)
{
    context ctx;
    ctx.use_certificate_chain_file(path("server-ecdsa.pem"));
    ctx.use_private_key_file(path("server-ecdsa.key"));
    const auto impl = first_key(ctx);
    BOOST_TEST_REQUIRE(impl.chain.size() == 1u);
    BOOST_TEST(impl.chain.front().subject() == "CN=localhost");
    BOOST_TEST(static_cast<bool>(impl.key));
    BOOST_TEST(impl.key->matches(impl.chain.front()));

    context chained;
    chained.use_certificate_chain_file(path("server-chain.pem"));
    chained.use_private_key_file(path("server-chain.key"));
    BOOST_TEST(first_key(chained).chain.size() == 2u);   // leaf first, then the intermediate
    BOOST_TEST(first_key(chained).chain[1].subject() == "CN=mtls test intermediate CA");
}

BOOST_AUTO_TEST_CASE(from_memory_pem_and_der)
{
    context pem;
    pem.use_certificate_chain(read_file("client-rsa.pem"));
    pem.use_private_key(read_file("client-rsa.key"));
    BOOST_TEST(first_key(pem).key->type() == crypto::key_type::rsa);

    context der;
    der.use_certificate_chain(read_file("client-ecdsa.der"), file_format::asn1);
    der.use_private_key(read_file("client-ecdsa.key.der"), file_format::asn1);
    BOOST_TEST(first_key(der).chain.size() == 1u);
    BOOST_TEST(first_key(der).key->type() == crypto::key_type::ec_p256);
    der.use_private_key_file(path("client-ecdsa.key.der"), file_format::asn1);

    // The file format matters: DER handed in as PEM does not load.
    error_code ec;
    context wrong;
    wrong.use_certificate_chain(read_file("client-ecdsa.der"), file_format::pem, ec);
    BOOST_TEST(ec == error::not_pem);
    BOOST_TEST(first_key(wrong).chain.empty());
}

BOOST_AUTO_TEST_CASE(encrypted_key_uses_the_password_callback)
{
    context ctx;
    ctx.use_certificate_chain_file(path("client-ecdsa.pem"));
    error_code ec;
    ctx.use_private_key_file(path("client-ecdsa-encrypted.key"), file_format::pem, ec);
    BOOST_TEST(ec == error::key_password_missing);
    BOOST_TEST(!first_key(ctx).key);

    int calls = 0;
    ctx.set_password_callback([&](std::size_t max_length) {
        ++calls;
        BOOST_TEST(max_length > 0u);
        return std::string("wrong");
    });
    ctx.use_private_key_file(path("client-ecdsa-encrypted.key"), file_format::pem, ec);
    BOOST_TEST(ec == error::key_password_wrong);
    BOOST_TEST(calls == 1);

    calls = 0;
    ctx.set_password_callback([&](std::size_t) {
        ++calls;
        return std::string("secret");
    });
    ctx.use_private_key_file(path("client-ecdsa-encrypted.key"), file_format::pem, ec);
    BOOST_TEST(!ec);
    BOOST_TEST(calls == 1);
    BOOST_TEST(first_key(ctx).key->matches(first_key(ctx).chain.front()));

    // An unencrypted key does not ask for a password.
    calls = 0;
    ctx.use_private_key_file(path("client-ecdsa.key"));
    BOOST_TEST(calls == 0);
}

BOOST_AUTO_TEST_CASE(mismatched_key_is_rejected)
{
    context ctx;
    ctx.use_certificate_chain_file(path("server-ecdsa.pem"));
    error_code ec;
    ctx.use_private_key_file(path("client-ecdsa.key"), file_format::pem, ec);
    BOOST_TEST(ec == error::key_mismatch);
    BOOST_TEST(!first_key(ctx).key);
    ctx.use_private_key_file(path("server-rsa.key"), file_format::pem, ec);
    BOOST_TEST(ec == error::key_mismatch);
    try {
        ctx.use_private_key_file(path("client-ecdsa.key"));
        BOOST_FAIL("expected system_error");
    } catch (const boost::system::system_error& e) {
        BOOST_TEST(e.code() == error::key_mismatch);
    }
    ctx.use_private_key_file(path("server-ecdsa.key"));
    BOOST_TEST(static_cast<bool>(first_key(ctx).key));
}

BOOST_AUTO_TEST_CASE(replacing_chain_and_key)
{
    context ctx;
    ctx.use_certificate_chain_file(path("server-ecdsa.pem"));
    ctx.use_private_key_file(path("server-ecdsa.key"));
    // A chain for another key drops the old key; the new key then loads.
    ctx.use_certificate_chain_file(path("server-rsa.pem"));
    BOOST_TEST(!first_key(ctx).key);
    ctx.use_private_key_file(path("server-rsa.key"));
    BOOST_TEST(first_key(ctx).key->matches(first_key(ctx).chain.front()));
    // A chain for the same key keeps it.
    ctx.use_certificate_chain_file(path("server-rsa.pem"));
    BOOST_TEST(static_cast<bool>(first_key(ctx).key));
}

BOOST_AUTO_TEST_CASE(bad_inputs_give_errors)
{
    context ctx;
    error_code ec;
    ctx.use_certificate_chain_file(path("no-such.pem"), ec);
    BOOST_TEST(ec == boost::system::errc::no_such_file_or_directory);
    ctx.use_private_key_file(path("no-such.key"), file_format::pem, ec);
    BOOST_TEST(ec == boost::system::errc::no_such_file_or_directory);
    ctx.use_certificate_chain(text("garbage"), file_format::pem, ec);
    BOOST_TEST(ec == error::not_pem);
    ctx.use_certificate_chain({}, file_format::pem, ec);
    BOOST_TEST(ec == error::not_pem);
    ctx.use_certificate_chain({}, file_format::asn1, ec);
    BOOST_TEST(ec == error::bad_local_certificate);
    ctx.use_certificate_chain(read_file("server-ecdsa.key"), file_format::pem, ec);
    BOOST_TEST(ec == error::bad_local_certificate);
    auto der = read_file("client-ecdsa.der");
    der.resize(der.size() / 2);
    ctx.use_certificate_chain(der, file_format::asn1, ec);
    BOOST_TEST(ec == error::bad_local_certificate);
    // A PEM bundle with one broken certificate fails as a whole.
    auto pem = read_file("server-chain.pem");
    pem[100] = std::byte{'!'};   // inside the first certificate's base64
    ctx.use_certificate_chain(pem, file_format::pem, ec);
    BOOST_TEST(ec == error::bad_local_certificate);

    ctx.use_private_key(text("garbage"), file_format::pem, ec);
    BOOST_TEST(ec == error::not_pem);
    ctx.use_private_key({}, file_format::asn1, ec);
    BOOST_TEST(ec == error::bad_private_key);
    ctx.use_private_key(read_file("ca.pem"), file_format::pem, ec);
    BOOST_TEST(ec == error::key_is_certificate);

    ctx.add_certificate_authority(text("garbage"), file_format::pem, ec);
    BOOST_TEST(ec == error::not_pem);
    ctx.load_verify_file(path("no-such.pem"), ec);
    BOOST_TEST(ec == boost::system::errc::no_such_file_or_directory);
    ctx.load_verify_file(path("ca.key"), ec);
    BOOST_TEST(ec == error::bad_local_certificate);
    ctx.add_verify_path(path("no-such-dir"), ec);
    BOOST_TEST(ec.failed());

    BOOST_TEST(first_key(ctx).chain.empty());
    BOOST_TEST(!first_key(ctx).key);
    BOOST_TEST(ctx.impl().current_credentials()->anchors->empty());

    BOOST_CHECK_THROW(ctx.use_certificate_chain_file(path("no-such.pem")), boost::system::system_error);
    BOOST_CHECK_THROW(ctx.use_private_key(text("garbage")), boost::system::system_error);
    BOOST_CHECK_THROW(ctx.load_verify_file(path("no-such.pem")), boost::system::system_error);
    BOOST_CHECK_THROW(ctx.add_verify_path(path("no-such-dir")), boost::system::system_error);
    BOOST_CHECK_THROW(ctx.add_certificate_authority(text("garbage")), boost::system::system_error);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(trust)

BOOST_AUTO_TEST_CASE(from_file_directory_and_memory)
{
    context none;
    BOOST_TEST(verify_with(none, "server-ecdsa.pem") == error::certificate_untrusted);

    context file;
    file.load_verify_file(path("ca.pem"));
    BOOST_TEST(verify_with(file, "server-ecdsa.pem") == error_code{});
    BOOST_TEST(verify_with(file, "server-untrusted.pem") == error::certificate_untrusted);

    const auto dir = std::filesystem::temp_directory_path() / "mtls-context-test-anchors";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    std::filesystem::copy_file(path("other-ca.pem"), dir / "other.pem");
    context directory;
    directory.add_verify_path(dir.string());
    BOOST_TEST(verify_with(directory, "server-ecdsa.pem") == error::certificate_untrusted);
    BOOST_TEST(verify_with(directory, "server-untrusted.pem") == error_code{});
    std::filesystem::remove_all(dir);

    context memory_pem;
    memory_pem.add_certificate_authority(read_file("ca.pem"));
    BOOST_TEST(verify_with(memory_pem, "server-chain.pem") == error_code{});

    context memory_der;
    memory_der.add_certificate_authority(read_file("ca.der"), file_format::asn1);
    BOOST_TEST(verify_with(memory_der, "server-rsa.pem") == error_code{});
    BOOST_TEST(memory_der.impl().current_credentials()->anchors->subjects().size() == 1u);
}

BOOST_AUTO_TEST_CASE(system_store)
{
    if (!std::filesystem::exists("/etc/ssl/certs")) {
        BOOST_TEST_MESSAGE("skipped: no /etc/ssl/certs on this system");
        return;
    }
    context ctx;
    error_code ec;
    ctx.set_default_verify_paths(ec);
    BOOST_TEST(!ec, ec.message());
    BOOST_TEST(ctx.impl().current_credentials()->anchors->subjects().size() > 10u);
    // Our private test CA is not among them.
    BOOST_TEST(verify_with(ctx, "server-ecdsa.pem") == error::certificate_untrusted);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(policy)

BOOST_AUTO_TEST_CASE(secure_defaults)
{
    context ctx;
    const auto& impl = ctx.impl();
    const std::vector<cipher_suite> suites{
        cipher_suite::tls_aes_128_gcm_sha256,
        cipher_suite::tls_aes_256_gcm_sha384,
        cipher_suite::tls_chacha20_poly1305_sha256,
        cipher_suite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256,
        cipher_suite::tls_ecdhe_rsa_with_aes_128_gcm_sha256,
        cipher_suite::tls_ecdhe_ecdsa_with_aes_256_gcm_sha384,
        cipher_suite::tls_ecdhe_rsa_with_aes_256_gcm_sha384,
        cipher_suite::tls_ecdhe_ecdsa_with_chacha20_poly1305_sha256,
        cipher_suite::tls_ecdhe_rsa_with_chacha20_poly1305_sha256,
    };
    BOOST_TEST(impl.suites == suites);
    const std::vector<named_group> groups{named_group::x25519, named_group::secp256r1,
                                          named_group::secp384r1};
    BOOST_TEST(impl.groups == groups);
    BOOST_TEST(impl.schemes == detail::default_signature_schemes());
    BOOST_TEST(impl.schemes.front() == signature_scheme::ecdsa_secp256r1_sha256);
    BOOST_TEST(impl.schemes.size() == 8u);
    BOOST_TEST(impl.require_ems);
    BOOST_TEST(!ctx.impl().current_credentials()->mode.has_value());
    BOOST_TEST(impl.min_version == tls_version::tls12);
    BOOST_TEST(impl.max_version == tls_version::tls13);
    BOOST_TEST(impl.middlebox_compat);
    BOOST_TEST(impl.key_update_limit == detail::default_key_update_limit);
}

BOOST_AUTO_TEST_CASE(key_update_limit_can_only_be_lowered)
{
    // RFC 8446 §5.5: the default stays inside the AEAD limits, so a context
    // may lower it (tests do) but never raise it past them.
    context ctx;
    ctx.set_key_update_limit(100);
    BOOST_TEST(ctx.impl().key_update_limit == 100u);
    ctx.set_key_update_limit(detail::default_key_update_limit * 2);
    BOOST_TEST(ctx.impl().key_update_limit == detail::default_key_update_limit);
    ctx.set_key_update_limit(0);
    BOOST_TEST(ctx.impl().key_update_limit == detail::default_key_update_limit);
    ctx.set_middlebox_compat(false);
    BOOST_TEST(!ctx.impl().middlebox_compat);
}

BOOST_AUTO_TEST_CASE(verify_depth_defaults_to_the_largest_mtls_verifies)
{
    context ctx;
    BOOST_TEST(ctx.impl().current_credentials()->verify_depth == max_verify_depth);
    ctx.set_verify_depth(2);
    BOOST_TEST(ctx.impl().current_credentials()->verify_depth == 2);
    ctx.set_verify_depth(0);
    BOOST_TEST(ctx.impl().current_credentials()->verify_depth == 0);
    ctx.set_verify_depth(-1);
    BOOST_TEST(ctx.impl().current_credentials()->verify_depth == 0);
    ctx.set_verify_depth(100);   // OpenSSL's default
    BOOST_TEST(ctx.impl().current_credentials()->verify_depth == max_verify_depth);
}

BOOST_AUTO_TEST_CASE(setters_drop_what_mtls_does_not_implement)
{
    context ctx;
    ctx.set_cipher_suites({static_cast<cipher_suite>(0x002F),   // TLS_RSA_WITH_AES_128_CBC_SHA
                           cipher_suite::tls_ecdhe_rsa_with_aes_256_gcm_sha384,
                           cipher_suite::tls_ecdhe_rsa_with_aes_256_gcm_sha384,
                           cipher_suite::tls_aes_128_gcm_sha256});
    const std::vector<cipher_suite> suites{cipher_suite::tls_ecdhe_rsa_with_aes_256_gcm_sha384,
                                           cipher_suite::tls_aes_128_gcm_sha256};
    BOOST_TEST(ctx.impl().suites == suites);

    ctx.set_groups({static_cast<named_group>(0x0019), named_group::secp384r1});   // secp521r1
    BOOST_TEST(ctx.impl().groups == std::vector<named_group>{named_group::secp384r1});

    ctx.set_signature_schemes({static_cast<signature_scheme>(0x0807),   // ed25519
                               signature_scheme::rsa_pss_rsae_sha256});
    BOOST_TEST(ctx.impl().schemes ==
               std::vector<signature_scheme>{signature_scheme::rsa_pss_rsae_sha256});
}

BOOST_AUTO_TEST_CASE(copies_share_one_configuration)
{
    context a;
    context b = a;
    a.set_verify_mode(verify_peer | verify_fail_if_no_peer_cert);
    a.set_min_version(tls_version::tls13);
    a.set_max_version(tls_version::tls13);
    a.set_require_extended_master_secret(false);
    bool called = false;
    a.set_verify_callback([&](bool, verify_context&) { return called = true; });
    BOOST_TEST(b.impl().current_credentials()->mode == std::optional<verify_mode>(verify_peer | verify_fail_if_no_peer_cert));
    BOOST_TEST(b.impl().min_version == tls_version::tls13);
    BOOST_TEST(b.impl().max_version == tls_version::tls13);
    BOOST_TEST(!b.impl().require_ems);
    BOOST_TEST(static_cast<bool>(b.impl().current_credentials()->callback));
    b.load_verify_file(path("ca.pem"));
    BOOST_TEST(!a.impl().current_credentials()->anchors->empty());
}

BOOST_AUTO_TEST_SUITE_END()
