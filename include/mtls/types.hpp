#ifndef MTLS_TYPES_HPP
#define MTLS_TYPES_HPP

/// @file
/// Protocol vocabulary shared by the public API: versions, cipher suites,
/// groups, signature schemes, the handshake role. Wire values are the IANA
/// code points, so a value read off the network that mtls does not know is
/// still representable and simply never matches.

#include <mtls/detail/config.hpp>

#include <cstdint>
#include <string_view>

namespace mtls {

/// Which end of the handshake a stream or engine plays.
enum class role { client, server };

/// Protocol versions mtls speaks (legacy_version / supported_versions values).
enum class tls_version : std::uint16_t {
    tls12 = 0x0303, ///< TLS 1.2, RFC 5246
    tls13 = 0x0304, ///< TLS 1.3, RFC 8446
};

/// Cipher suites mtls implements: AEAD only, ECDHE only in TLS 1.2.
enum class cipher_suite : std::uint16_t {
    // TLS 1.3 (RFC 8446 §B.4)
    tls_aes_128_gcm_sha256 = 0x1301,
    tls_aes_256_gcm_sha384 = 0x1302,
    tls_chacha20_poly1305_sha256 = 0x1303,
    // TLS 1.2 ECDHE + AEAD only (RFC 5289, RFC 7905)
    tls_ecdhe_ecdsa_with_aes_128_gcm_sha256 = 0xC02B,
    tls_ecdhe_ecdsa_with_aes_256_gcm_sha384 = 0xC02C,
    tls_ecdhe_rsa_with_aes_128_gcm_sha256 = 0xC02F,
    tls_ecdhe_rsa_with_aes_256_gcm_sha384 = 0xC030,
    tls_ecdhe_rsa_with_chacha20_poly1305_sha256 = 0xCCA8,
    tls_ecdhe_ecdsa_with_chacha20_poly1305_sha256 = 0xCCA9,
};

/// Key exchange groups (RFC 8446 §4.2.7, RFC 8422 §5.1.1).
enum class named_group : std::uint16_t {
    secp256r1 = 0x0017,
    secp384r1 = 0x0018,
    x25519 = 0x001D,
};

/// Signature schemes for CertificateVerify and ServerKeyExchange (RFC 8446 §4.2.3).
enum class signature_scheme : std::uint16_t {
    rsa_pkcs1_sha256 = 0x0401,
    rsa_pkcs1_sha384 = 0x0501,
    rsa_pkcs1_sha512 = 0x0601,
    ecdsa_secp256r1_sha256 = 0x0403,
    ecdsa_secp384r1_sha384 = 0x0503,
    rsa_pss_rsae_sha256 = 0x0804,
    rsa_pss_rsae_sha384 = 0x0805,
    rsa_pss_rsae_sha512 = 0x0806,
};

/// The library that does a context's cryptography (AEAD, hashes, key
/// exchange, signatures, randomness). mtls's own code (record layer,
/// handshake, key schedule, X.509 path validation policy) is the same over
/// either, so both behave alike on the wire and in verification.
enum class crypto_provider : std::uint8_t {
    mbedtls, ///< mbedTLS 2.28: the default, in every build
    openssl, ///< OpenSSL 3's libcrypto (never libssl), when the build found it
};

/// Whether this build has provider `p`.
MTLS_API bool available(crypto_provider p) noexcept;

/// "mbedtls", "openssl".
MTLS_API std::string_view to_string(crypto_provider p) noexcept;

/// "TLSv1.2", "TLSv1.3"; "unknown" otherwise.
MTLS_API std::string_view to_string(tls_version v) noexcept;
/// The IANA name, e.g. "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256".
MTLS_API std::string_view to_string(cipher_suite s) noexcept;
/// "x25519", "secp256r1", "secp384r1".
MTLS_API std::string_view to_string(named_group g) noexcept;
/// The RFC 8446 name, e.g. "ecdsa_secp256r1_sha256".
MTLS_API std::string_view to_string(signature_scheme s) noexcept;

/// The value that `to_string` spells `name` (exactly, case included); false,
/// with `out` untouched, for names of values mtls does not implement.
///@{
MTLS_API bool from_string(std::string_view name, tls_version& out) noexcept;
MTLS_API bool from_string(std::string_view name, cipher_suite& out) noexcept;
MTLS_API bool from_string(std::string_view name, named_group& out) noexcept;
MTLS_API bool from_string(std::string_view name, signature_scheme& out) noexcept;
MTLS_API bool from_string(std::string_view name, crypto_provider& out) noexcept;
///@}

} // namespace mtls

#endif
