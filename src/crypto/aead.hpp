#ifndef MTLS_SRC_CRYPTO_AEAD_HPP
#define MTLS_SRC_CRYPTO_AEAD_HPP

// AEAD ciphers for record protection, in place.

#include "provider.hpp"

#include <memory>

namespace mtls::crypto {

inline constexpr std::size_t aead_tag_size = 16;
inline constexpr std::size_t aead_nonce_size = 12;
std::size_t aead_key_size(aead_alg a) noexcept;

/// A keyed AEAD. The key schedule is expanded once, at construction.
class aead {
public:
    /// `key` must be aead_key_size(a) bytes; `p` does the arithmetic.
    aead(const provider& p, aead_alg a, bytes_view key);
    aead(aead&&) noexcept;
    aead& operator=(aead&&) noexcept;
    ~aead();   // wipes the expanded key

    aead_alg algorithm() const noexcept { return alg_; }
    /// Encrypts `data` in place and writes the 16-byte tag to `tag`.
    void seal(bytes_view nonce, bytes_view aad, mutable_bytes data, mutable_bytes tag);
    /// Decrypts `data` in place; false (and `data` unspecified) when the tag
    /// does not authenticate.
    bool open(bytes_view nonce, bytes_view aad, mutable_bytes data, bytes_view tag);

private:
    aead_alg alg_;
    std::unique_ptr<aead_impl> st_;
};

} // namespace mtls::crypto

#endif
