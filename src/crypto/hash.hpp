#ifndef MTLS_SRC_CRYPTO_HASH_HPP
#define MTLS_SRC_CRYPTO_HASH_HPP

// Hashes, HMAC, the TLS 1.2 PRF and HKDF over a provider's hash and HMAC.

#include "provider.hpp"

#include <cstddef>
#include <memory>
#include <string_view>

namespace mtls::crypto {

inline constexpr std::size_t max_digest_size = 64;
std::size_t digest_size(hash_alg a) noexcept;

/// Running hash whose current digest can be read without ending it: the
/// handshake transcript needs the hash of every prefix it reaches.
class hash {
public:
    hash(const provider& p, hash_alg a);
    hash(const hash& o);            // clones the running state
    hash& operator=(const hash& o);
    hash(hash&&) noexcept;
    hash& operator=(hash&&) noexcept;
    ~hash();

    hash_alg algorithm() const noexcept { return alg_; }
    void update(bytes_view data);
    /// Digest of everything so far; the hash keeps running. `out` must hold
    /// digest_size(); returns the written prefix.
    mutable_bytes snapshot(mutable_bytes out) const;

private:
    hash_alg alg_;
    std::unique_ptr<hash_impl> st_;
};

/// One-shot digest; returns the written prefix of `out`.
mutable_bytes digest(const provider& p, hash_alg a, bytes_view data, mutable_bytes out);

/// HMAC(key, data1 || data2); returns the written prefix of `out`.
mutable_bytes hmac(const provider& p, hash_alg a, bytes_view key, bytes_view data1, bytes_view data2, mutable_bytes out);

/// TLS 1.2 PRF (RFC 5246 §5): P_hash(secret, label || seed1 || seed2), filling `out`.
void prf12(const provider& p, hash_alg a, bytes_view secret, std::string_view label, bytes_view seed1,
           bytes_view seed2, mutable_bytes out);

/// RFC 5869. `extract` writes digest_size() bytes and returns them.
mutable_bytes hkdf_extract(const provider& p, hash_alg a, bytes_view salt, bytes_view ikm, mutable_bytes out);
void hkdf_expand(const provider& p, hash_alg a, bytes_view prk, bytes_view info, mutable_bytes out);

} // namespace mtls::crypto

#endif
