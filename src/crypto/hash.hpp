#ifndef MTLS_SRC_CRYPTO_HASH_HPP
#define MTLS_SRC_CRYPTO_HASH_HPP

// Hashes, HMAC, the TLS 1.2 PRF and HKDF.

#include "secret.hpp"

#include <cstddef>
#include <memory>
#include <string_view>

namespace mtls::crypto {

enum class hash_alg : std::uint8_t { sha256, sha384, sha512 };

inline constexpr std::size_t max_digest_size = 64;
std::size_t digest_size(hash_alg a) noexcept;

/// Running hash whose current digest can be read without ending it: the
/// handshake transcript needs the hash of every prefix it reaches.
class hash {
public:
    explicit hash(hash_alg a);
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
    struct state;
    hash_alg alg_;
    std::unique_ptr<state> st_;
};

/// One-shot digest; returns the written prefix of `out`.
mutable_bytes digest(hash_alg a, bytes_view data, mutable_bytes out);

/// HMAC(key, data1 || data2); returns the written prefix of `out`.
mutable_bytes hmac(hash_alg a, bytes_view key, bytes_view data1, bytes_view data2, mutable_bytes out);

/// TLS 1.2 PRF (RFC 5246 §5): P_hash(secret, label || seed1 || seed2), filling `out`.
void prf12(hash_alg a, bytes_view secret, std::string_view label, bytes_view seed1,
           bytes_view seed2, mutable_bytes out);

/// RFC 5869. `extract` writes digest_size() bytes and returns them.
mutable_bytes hkdf_extract(hash_alg a, bytes_view salt, bytes_view ikm, mutable_bytes out);
void hkdf_expand(hash_alg a, bytes_view prk, bytes_view info, mutable_bytes out);

} // namespace mtls::crypto

#endif
