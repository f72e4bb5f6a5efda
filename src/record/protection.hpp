#ifndef MTLS_SRC_RECORD_PROTECTION_HPP
#define MTLS_SRC_RECORD_PROTECTION_HPP

// AEAD protection of one direction of records: nonce construction, additional
// data, sequence numbers.

#include "crypto/aead.hpp"
#include "wire/types.hpp"

#include <mtls/error.hpp>

#include <cstdint>

namespace mtls::record {

using crypto::bytes_view;
using crypto::mutable_bytes;
using wire::content_type;

inline constexpr std::size_t header_size = 5;
inline constexpr std::size_t max_plaintext = 1u << 14;
/// RFC 5246 §6.2.3: TLSCiphertext.length may exceed 2^14 by at most 2048.
inline constexpr std::size_t max_ciphertext12 = max_plaintext + 2048;
/// RFC 8446 §5.2: TLSCiphertext.length may exceed 2^14 by at most 256.
inline constexpr std::size_t max_ciphertext13 = max_plaintext + 256;

enum class nonce_scheme : std::uint8_t {
    tls12_explicit, ///< AES-GCM in TLS 1.2: 4-byte salt || 8-byte explicit nonce on the wire (RFC 5288 §3)
    tls12_xor,      ///< ChaCha20-Poly1305 in TLS 1.2: 12-byte IV XOR sequence (RFC 7905 §2)
    tls13,          ///< TLS 1.3: IV XOR sequence, inner content type (RFC 8446 §5.2-5.3)
};

class protection {
public:
    protection(const crypto::provider& p, crypto::aead_alg alg, bytes_view key, bytes_view iv, nonce_scheme scheme);

    /// Bytes between the record header and the plaintext (the explicit nonce).
    std::size_t prefix_size() const noexcept { return scheme_ == nonce_scheme::tls12_explicit ? 8 : 0; }
    /// Bytes the protected record adds after the plaintext.
    std::size_t suffix_size() const noexcept
    {
        return crypto::aead_tag_size + (scheme_ == nonce_scheme::tls13 ? 1 : 0);
    }
    std::size_t max_ciphertext() const noexcept
    {
        return scheme_ == nonce_scheme::tls13 ? max_ciphertext13 : max_ciphertext12;
    }

    /// `record` holds header_size + prefix_size() bytes of room, then `n`
    /// plaintext bytes, then suffix_size() bytes of room. Writes the header,
    /// encrypts in place and returns the record's total length.
    std::size_t seal(content_type type, std::uint16_t version, std::byte* record, std::size_t n);

    /// Decrypts the fragment of `record` (header included) in place. On
    /// success `type` is the real content type and `plaintext` the content.
    error_code open(mutable_bytes record, content_type& type, mutable_bytes& plaintext);

    std::uint64_t sequence() const noexcept { return seq_; }
    bool tls13() const noexcept { return scheme_ == nonce_scheme::tls13; }

private:
    void nonce_for(std::uint64_t seq, std::byte* out) const noexcept;

    crypto::aead aead_;
    crypto::secret iv_;
    nonce_scheme scheme_;
    std::uint64_t seq_ = 0;
};

} // namespace mtls::record

#endif
