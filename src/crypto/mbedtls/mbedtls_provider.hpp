#ifndef MTLS_SRC_CRYPTO_MBEDTLS_MBEDTLS_PROVIDER_HPP
#define MTLS_SRC_CRYPTO_MBEDTLS_MBEDTLS_PROVIDER_HPP

// mbedTLS 2.28's libmbedcrypto behind the provider boundary: the default
// provider, in every build.

#include "../provider.hpp"

namespace mtls::crypto::mbedtls {

class mbedtls_provider final : public provider {
public:
    crypto_provider id() const noexcept override { return crypto_provider::mbedtls; }
    bool supports(aead_alg) const noexcept override { return true; }
    bool supports(named_group) const noexcept override { return true; }
    bool supports(signature_scheme) const noexcept override { return true; }
    void random(mutable_bytes out) const override;
    std::unique_ptr<aead_impl> make_aead(aead_alg a, bytes_view key) const override;
    std::unique_ptr<hash_impl> make_hash(hash_alg a) const override;
    void hmac(hash_alg a, bytes_view key, bytes_view data1, bytes_view data2, mutable_bytes out) const override;
    std::unique_ptr<key_share_impl> make_key_share(named_group g, bytes_view private_key,
                                                   std::vector<std::byte>& public_key) const override;
    std::unique_ptr<signing_key_impl> load_signing_key(bytes_view der) const override;
    std::unique_ptr<public_key_impl> load_public_key(bytes_view spki) const override;
};

} // namespace mtls::crypto::mbedtls

#endif
