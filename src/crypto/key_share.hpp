#ifndef MTLS_SRC_CRYPTO_KEY_SHARE_HPP
#define MTLS_SRC_CRYPTO_KEY_SHARE_HPP

// Ephemeral ECDH on X25519, secp256r1 and secp384r1.

#include "provider.hpp"

#include <mtls/error.hpp>
#include <mtls/types.hpp>

#include <memory>
#include <vector>

namespace mtls::crypto {

bool is_supported(named_group g) noexcept;

/// One ephemeral key pair. Public keys use the TLS encodings: X25519 as 32
/// raw bytes (RFC 7748), NIST curves as uncompressed points 0x04||X||Y
/// (RFC 8422 §5.4.1, RFC 8446 §4.2.8.2).
class key_share {
public:
    /// A fresh key pair from `p`'s CSPRNG.
    static key_share generate(const provider& p, named_group g);
    /// A key pair from a given private key (test hook for published traces).
    static key_share from_private(const provider& p, named_group g, bytes_view private_key);

    key_share(key_share&&) noexcept;
    key_share& operator=(key_share&&) noexcept;
    ~key_share();   // wipes the private key

    named_group group() const noexcept { return group_; }
    bytes_view public_key() const noexcept { return public_; }

    /// Shared secret with the peer's public key. Rejects (error::invalid_key_share)
    /// a key of the wrong length or format, a point not on the curve or at
    /// infinity (RFC 8422 §5.11), and an all-zero X25519 result (RFC 7748 §6.1).
    error_code agree(bytes_view peer_public, secret& shared) const;

private:
    key_share(const provider& p, named_group g, bytes_view private_key);
    named_group group_;
    std::unique_ptr<key_share_impl> st_;
    std::vector<std::byte> public_;
};

} // namespace mtls::crypto

#endif
