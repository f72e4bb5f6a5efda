#ifndef MTLS_SRC_CRYPTO_OPENSSL_FETCHED_HPP
#define MTLS_SRC_CRYPTO_OPENSSL_FETCHED_HPP

// What the OpenSSL provider's .cpp files share: the algorithms fetched once
// per process, owning pointers to libcrypto objects, and error handling.
// Included only under src/crypto/openssl/.

#include "openssl_provider.hpp"

#include <openssl/evp.h>

#include <memory>

namespace mtls::crypto::openssl {

// Implicit fetches (EVP_get_cipherbyname, EVP_DigestInit with a legacy
// EVP_MD) look the algorithm up again on every init; these are looked up
// once. A member is null when libcrypto does not offer the algorithm (a
// FIPS-only configuration without ChaCha20, say); supports() reports that.
struct openssl_provider::fetched {
    EVP_CIPHER* aes_128_gcm = nullptr;
    EVP_CIPHER* aes_256_gcm = nullptr;
    EVP_CIPHER* chacha20_poly1305 = nullptr;
    EVP_MD* sha256 = nullptr;
    EVP_MD* sha384 = nullptr;
    EVP_MD* sha512 = nullptr;
    EVP_MAC* hmac = nullptr;
    // HMAC with each digest set and no key: a MAC copies one and keys it,
    // rather than make a context and look the digest up by name.
    EVP_MAC_CTX* hmac_sha256 = nullptr;
    EVP_MAC_CTX* hmac_sha384 = nullptr;
    EVP_MAC_CTX* hmac_sha512 = nullptr;
    // Key management for the key types, checked once for supports().
    bool x25519_keys = false;
    bool ec_keys = false;
    bool rsa_keys = false;

    fetched();
    fetched(const fetched&) = delete;
    fetched& operator=(const fetched&) = delete;
    ~fetched();

    /// Null when libcrypto lacks the algorithm.
    const EVP_CIPHER* cipher(aead_alg a) const noexcept;
    const EVP_MD* md(hash_alg a) const noexcept;
    const EVP_MAC_CTX* hmac_with(hash_alg a) const noexcept;
};

/// Throws system_error(error::crypto_failure) unless `ok` is 1, libcrypto's
/// success. For calls that fail only on allocation failure or on arguments
/// mtls itself controls, so a failure is not a peer's doing.
void check(int ok);

/// `p`, or throws as check() does when a libcrypto constructor returned null.
template <class T>
T* checked(T* p)
{
    check(p != nullptr ? 1 : 0);
    return p;
}

inline const unsigned char* u8(bytes_view b) noexcept { return reinterpret_cast<const unsigned char*>(b.data()); }
inline unsigned char* u8(mutable_bytes b) noexcept { return reinterpret_cast<unsigned char*>(b.data()); }

template <auto Free>
struct freer {
    template <class T>
    void operator()(T* p) const noexcept { Free(p); }
};

using cipher_ctx_ptr = std::unique_ptr<EVP_CIPHER_CTX, freer<EVP_CIPHER_CTX_free>>;
using md_ctx_ptr = std::unique_ptr<EVP_MD_CTX, freer<EVP_MD_CTX_free>>;
using mac_ctx_ptr = std::unique_ptr<EVP_MAC_CTX, freer<EVP_MAC_CTX_free>>;
using pkey_ptr = std::unique_ptr<EVP_PKEY, freer<EVP_PKEY_free>>;
using pkey_ctx_ptr = std::unique_ptr<EVP_PKEY_CTX, freer<EVP_PKEY_CTX_free>>;

} // namespace mtls::crypto::openssl

#endif
