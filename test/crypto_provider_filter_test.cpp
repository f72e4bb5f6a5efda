// A provider that lacks an algorithm says so (provider::supports), and a
// context over it does not offer it: its default suites, groups and schemes
// leave it out, and the setters' filter drops it (detail::supported_by).

#define BOOST_TEST_MODULE crypto_provider_filter
#include <boost/test/unit_test.hpp>

#include "context_impl.hpp"
#include "crypto/provider.hpp"

#include <algorithm>

using namespace mtls;

BOOST_TEST_DONT_PRINT_LOG_VALUE(cipher_suite)
BOOST_TEST_DONT_PRINT_LOG_VALUE(named_group)
BOOST_TEST_DONT_PRINT_LOG_VALUE(signature_scheme)

namespace {

// mbedTLS without ChaCha20-Poly1305, X25519 and rsa_pss_rsae_sha512.
class partial_provider final : public crypto::provider {
public:
    crypto_provider id() const noexcept override { return crypto_provider::mbedtls; }
    bool supports(crypto::aead_alg a) const noexcept override { return a != crypto::aead_alg::chacha20_poly1305; }
    bool supports(named_group g) const noexcept override { return g != named_group::x25519; }
    bool supports(signature_scheme s) const noexcept override { return s != signature_scheme::rsa_pss_rsae_sha512; }
    void random(crypto::mutable_bytes out) const override { base().random(out); }
    std::unique_ptr<crypto::aead_impl> make_aead(crypto::aead_alg a, crypto::bytes_view key) const override
    {
        return base().make_aead(a, key);
    }
    std::unique_ptr<crypto::hash_impl> make_hash(crypto::hash_alg a) const override { return base().make_hash(a); }
    void hmac(crypto::hash_alg a, crypto::bytes_view key, crypto::bytes_view d1, crypto::bytes_view d2,
              crypto::mutable_bytes out) const override
    {
        base().hmac(a, key, d1, d2, out);
    }
    std::unique_ptr<crypto::key_share_impl> make_key_share(named_group g, crypto::bytes_view private_key,
                                                           std::vector<std::byte>& public_key) const override
    {
        return base().make_key_share(g, private_key, public_key);
    }
    std::unique_ptr<crypto::signing_key_impl> load_signing_key(crypto::bytes_view der) const override
    {
        return base().load_signing_key(der);
    }
    std::unique_ptr<crypto::public_key_impl> load_public_key(crypto::bytes_view spki) const override
    {
        return base().load_public_key(spki);
    }

private:
    static const crypto::provider& base() { return crypto::mbedtls_provider(); }
};

template <class T>
bool contains(const std::vector<T>& v, T x)
{
    return std::find(v.begin(), v.end(), x) != v.end();
}

} // namespace

BOOST_AUTO_TEST_CASE(defaults_leave_out_what_the_provider_lacks)
{
    const partial_provider p;
    const detail::context_impl ctx(p);
    BOOST_TEST(!contains(ctx.suites, cipher_suite::tls_chacha20_poly1305_sha256));
    BOOST_TEST(!contains(ctx.suites, cipher_suite::tls_ecdhe_ecdsa_with_chacha20_poly1305_sha256));
    BOOST_TEST(!contains(ctx.suites, cipher_suite::tls_ecdhe_rsa_with_chacha20_poly1305_sha256));
    BOOST_TEST(ctx.suites.size() == detail::default_cipher_suites().size() - 3);
    BOOST_TEST(!contains(ctx.groups, named_group::x25519));
    BOOST_TEST(ctx.groups.size() == detail::default_groups().size() - 1);
    BOOST_TEST(!contains(ctx.schemes, signature_scheme::rsa_pss_rsae_sha512));
    BOOST_TEST(ctx.schemes.size() == detail::default_signature_schemes().size() - 1);
}

BOOST_AUTO_TEST_CASE(the_filter_keeps_the_order_given)
{
    const partial_provider p;
    const std::vector<cipher_suite> asked{cipher_suite::tls_aes_256_gcm_sha384,
                                          cipher_suite::tls_chacha20_poly1305_sha256,
                                          cipher_suite::tls_aes_128_gcm_sha256};
    const std::vector<cipher_suite> kept{cipher_suite::tls_aes_256_gcm_sha384, cipher_suite::tls_aes_128_gcm_sha256};
    BOOST_TEST(detail::supported_by(p, asked) == kept, boost::test_tools::per_element());
    const std::vector<named_group> groups{named_group::x25519, named_group::secp384r1};
    BOOST_TEST(detail::supported_by(p, groups) == std::vector<named_group>{named_group::secp384r1},
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_complete_provider_offers_every_default)
{
    for (const auto id : {crypto_provider::mbedtls, crypto_provider::openssl}) {
        const crypto::provider* p = crypto::find_provider(id);
        if (p == nullptr)
            continue; // not in this build
        BOOST_TEST_CONTEXT(to_string(id))
        {
            const detail::context_impl ctx(*p);
            BOOST_TEST(ctx.suites == detail::default_cipher_suites(), boost::test_tools::per_element());
            BOOST_TEST(ctx.groups == detail::default_groups(), boost::test_tools::per_element());
            BOOST_TEST(ctx.schemes == detail::default_signature_schemes(), boost::test_tools::per_element());
        }
    }
}
