#ifndef MTLS_SRC_CRYPTO_PBES2_HPP
#define MTLS_SRC_CRYPTO_PBES2_HPP

// PKCS#8 EncryptedPrivateKeyInfo (RFC 5958 §3) and its PBES2 decryption
// (RFC 8018 §6.2), which mbedTLS 2.28 does only with DES and HMAC-SHA1 while
// OpenSSL 3 writes AES-256-CBC with HMAC-SHA256 by default. Only src/crypto
// includes this.

#include "secret.hpp"

#include <mtls/error.hpp>

#include <mbedtls/asn1.h>

#include <cstddef>
#include <string_view>
#include <vector>

namespace mtls::crypto::detail {

/// Bounds on what an encrypted key may ask of the loader. The count is some
/// seconds of HMAC-SHA256 here; OpenSSL writes 2048, OWASP advises 600 000.
inline constexpr unsigned max_pbkdf2_iterations = 10'000'000;
inline constexpr std::size_t max_pbkdf2_salt = 1024;
/// An RSA-8192 PrivateKeyInfo is under 5 KiB.
inline constexpr std::size_t max_encrypted_key = 64 * 1024;

/// The parts of an EncryptedPrivateKeyInfo; they point into the parsed input.
struct encrypted_key_info {
    mbedtls_asn1_buf algorithm{};  // encryptionAlgorithm's OID
    mbedtls_asn1_buf parameters{}; // its parameters (tag 0 when absent)
    mbedtls_asn1_buf data{};       // encryptedData's contents
};

/// Whether `der` is exactly one EncryptedPrivateKeyInfo; fills `out` if so.
bool parse_encrypted_key_info(bytes_view der, encrypted_key_info& out) noexcept;

/// Whether the info names PBES2 (RFC 8018 §A.4).
bool is_pbes2(const encrypted_key_info& info) noexcept;

/// Bytes that wipe themselves. Sized by allocate, never grown, so no copy
/// of a secret is left behind in freed memory.
class wiped_bytes {
public:
    wiped_bytes() = default;
    wiped_bytes(const wiped_bytes&) = delete;
    wiped_bytes& operator=(const wiped_bytes&) = delete;
    ~wiped_bytes() { secure_zero(buf_.data(), buf_.size()); }

    /// Wipes what was held, then holds `n` zero bytes.
    void allocate(std::size_t n);
    unsigned char* data() noexcept { return buf_.data(); }
    const unsigned char* data() const noexcept { return buf_.data(); }
    std::size_t size() const noexcept { return size_; }
    /// Shortens the visible length; the rest is still wiped at the end.
    void shrink(std::size_t n) noexcept { size_ = n < size_ ? n : size_; }

private:
    std::vector<unsigned char> buf_;
    std::size_t size_ = 0;
};

/// RFC 8018 §6.2.2: the plaintext (a PrivateKeyInfo) of a PBES2 `info`.
/// Errors: bad_private_key (malformed parameters), unsupported_key_encryption
/// (a function, cipher or bound mtls does not take), key_password_wrong
/// (the padding does not check out).
error_code pbes2_decrypt(const encrypted_key_info& info, std::string_view password, unsigned max_iterations,
                         wiped_bytes& plaintext);

/// RFC 7292 Appendix C: the pkcs-12PbeParams of a PKCS#12 PBE `info`, which
/// mbedTLS decrypts without bounding them. Errors: bad_private_key,
/// unsupported_key_encryption (salt or iteration count above the bounds).
error_code check_pkcs12_params(const encrypted_key_info& info, unsigned max_iterations);

} // namespace mtls::crypto::detail

#endif
