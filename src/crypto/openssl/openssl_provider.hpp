#ifndef MTLS_SRC_CRYPTO_OPENSSL_OPENSSL_PROVIDER_HPP
#define MTLS_SRC_CRYPTO_OPENSSL_OPENSSL_PROVIDER_HPP

// OpenSSL 3's libcrypto behind the provider boundary (EVP only, never
// libssl). Compiled only when CMake found OpenSSL 3 (MTLS_HAVE_OPENSSL).

#include "../provider.hpp"

namespace mtls::crypto::openssl {

class openssl_provider final : public provider {
public:
    openssl_provider();
    ~openssl_provider() override;

    crypto_provider id() const noexcept override { return crypto_provider::openssl; }
    bool supports(aead_alg a) const noexcept override;
    bool supports(named_group g) const noexcept override;
    bool supports(signature_scheme s) const noexcept override;
    void random(mutable_bytes out) const override;
    std::unique_ptr<aead_impl> make_aead(aead_alg a, bytes_view key) const override;
    std::unique_ptr<hash_impl> make_hash(hash_alg a) const override;
    void hmac(hash_alg a, bytes_view key, bytes_view data1, bytes_view data2, mutable_bytes out) const override;
    std::unique_ptr<key_share_impl> make_key_share(named_group g, bytes_view private_key,
                                                   std::vector<std::byte>& public_key) const override;
    std::unique_ptr<signing_key_impl> load_signing_key(bytes_view der) const override;
    std::unique_ptr<public_key_impl> load_public_key(bytes_view spki) const override;

    /// Algorithms fetched once (EVP_CIPHER_fetch, EVP_MD_fetch, ...), so no
    /// call fetches per record or per message (openssl/provider.cpp).
    struct fetched;

private:
    std::unique_ptr<fetched> fetched_;
};

/// The process-wide OpenSSL provider, created on first use.
const provider& openssl_instance();

} // namespace mtls::crypto::openssl

#endif
