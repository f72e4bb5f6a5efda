#ifndef MTLS_SRC_CRYPTO_VOCABULARY_HPP
#define MTLS_SRC_CRYPTO_VOCABULARY_HPP

// One constant table per protocol vocabulary of <mtls/types.hpp>: what mtls
// implements, how it is spelled, and what each value means to the crypto.
// Names (to_string), parsing (from_string), the context's defaults and the
// handshake's suite properties all derive from these rows; the row order is
// the default preference order. src/types.cpp checks at compile time that
// each table has exactly one row per enumerator.

#include <mtls/types.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

namespace mtls::crypto {

enum class aead_alg : std::uint8_t { aes_128_gcm, aes_256_gcm, chacha20_poly1305 };

enum class hash_alg : std::uint8_t { sha256, sha384, sha512 };

enum class key_type : std::uint8_t { unsupported, ec_p256, ec_p384, rsa };

/// TLS 1.2 suites fix the authentication algorithm; TLS 1.3 ones do not.
enum class suite_auth : std::uint8_t { any, ecdsa, rsa };

enum class signature_kind : std::uint8_t { ecdsa, rsa_pkcs1, rsa_pss };

struct version_row {
    tls_version id;
    std::string_view name;
};

struct suite_row {
    cipher_suite id;
    std::string_view name; // IANA
    tls_version version;
    aead_alg aead;
    hash_alg hash;
    suite_auth auth;
};

struct group_row {
    named_group id;
    std::string_view name;
    /// Bytes of a field element: the X25519 key and shared secret size, the
    /// coordinate size of the NIST curves.
    std::size_t field_size;
    /// Bytes of the public key as TLS carries it: X25519 raw, NIST curves as
    /// an uncompressed point (RFC 8446 §4.2.8.2).
    std::size_t public_key_size;
};

struct scheme_row {
    signature_scheme id;
    std::string_view name; // RFC 8446 §4.2.3
    signature_kind kind;
    hash_alg hash;
    /// The key that makes these signatures; for ECDSA in TLS 1.3 the curve
    /// is part of the scheme.
    key_type key;
};

inline constexpr std::array<version_row, 2> versions{{
    {tls_version::tls12, "TLSv1.2"},
    {tls_version::tls13, "TLSv1.3"},
}};

inline constexpr std::array<suite_row, 9> suites{{
    // TLS 1.3 (RFC 8446 §B.4)
    {cipher_suite::tls_aes_128_gcm_sha256, "TLS_AES_128_GCM_SHA256", tls_version::tls13, aead_alg::aes_128_gcm,
     hash_alg::sha256, suite_auth::any},
    {cipher_suite::tls_aes_256_gcm_sha384, "TLS_AES_256_GCM_SHA384", tls_version::tls13, aead_alg::aes_256_gcm,
     hash_alg::sha384, suite_auth::any},
    {cipher_suite::tls_chacha20_poly1305_sha256, "TLS_CHACHA20_POLY1305_SHA256", tls_version::tls13,
     aead_alg::chacha20_poly1305, hash_alg::sha256, suite_auth::any},
    // TLS 1.2 ECDHE + AEAD only (RFC 5289, RFC 7905)
    {cipher_suite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
     tls_version::tls12, aead_alg::aes_128_gcm, hash_alg::sha256, suite_auth::ecdsa},
    {cipher_suite::tls_ecdhe_rsa_with_aes_128_gcm_sha256, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", tls_version::tls12,
     aead_alg::aes_128_gcm, hash_alg::sha256, suite_auth::rsa},
    {cipher_suite::tls_ecdhe_ecdsa_with_aes_256_gcm_sha384, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
     tls_version::tls12, aead_alg::aes_256_gcm, hash_alg::sha384, suite_auth::ecdsa},
    {cipher_suite::tls_ecdhe_rsa_with_aes_256_gcm_sha384, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", tls_version::tls12,
     aead_alg::aes_256_gcm, hash_alg::sha384, suite_auth::rsa},
    {cipher_suite::tls_ecdhe_ecdsa_with_chacha20_poly1305_sha256, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
     tls_version::tls12, aead_alg::chacha20_poly1305, hash_alg::sha256, suite_auth::ecdsa},
    {cipher_suite::tls_ecdhe_rsa_with_chacha20_poly1305_sha256, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
     tls_version::tls12, aead_alg::chacha20_poly1305, hash_alg::sha256, suite_auth::rsa},
}};

inline constexpr std::array<group_row, 3> groups{{
    {named_group::x25519, "x25519", 32, 32},
    {named_group::secp256r1, "secp256r1", 32, 1 + 2 * 32},
    {named_group::secp384r1, "secp384r1", 48, 1 + 2 * 48},
}};

inline constexpr std::array<scheme_row, 8> schemes{{
    {signature_scheme::ecdsa_secp256r1_sha256, "ecdsa_secp256r1_sha256", signature_kind::ecdsa, hash_alg::sha256,
     key_type::ec_p256},
    {signature_scheme::ecdsa_secp384r1_sha384, "ecdsa_secp384r1_sha384", signature_kind::ecdsa, hash_alg::sha384,
     key_type::ec_p384},
    {signature_scheme::rsa_pss_rsae_sha256, "rsa_pss_rsae_sha256", signature_kind::rsa_pss, hash_alg::sha256,
     key_type::rsa},
    {signature_scheme::rsa_pss_rsae_sha384, "rsa_pss_rsae_sha384", signature_kind::rsa_pss, hash_alg::sha384,
     key_type::rsa},
    {signature_scheme::rsa_pss_rsae_sha512, "rsa_pss_rsae_sha512", signature_kind::rsa_pss, hash_alg::sha512,
     key_type::rsa},
    {signature_scheme::rsa_pkcs1_sha256, "rsa_pkcs1_sha256", signature_kind::rsa_pkcs1, hash_alg::sha256,
     key_type::rsa},
    {signature_scheme::rsa_pkcs1_sha384, "rsa_pkcs1_sha384", signature_kind::rsa_pkcs1, hash_alg::sha384,
     key_type::rsa},
    {signature_scheme::rsa_pkcs1_sha512, "rsa_pkcs1_sha512", signature_kind::rsa_pkcs1, hash_alg::sha512,
     key_type::rsa},
}};

/// The row of `table` whose id is `key`, or whose name is `key` when it is
/// text; nullptr for values and names mtls does not implement.
template <class Row, std::size_t N, class Key>
constexpr const Row* find_row(const std::array<Row, N>& table, const Key& key) noexcept
{
    for (const Row& r : table) {
        if constexpr (std::is_convertible_v<const Key&, std::string_view>) {
            if (r.name == std::string_view(key))
                return &r;
        } else if (r.id == key) {
            return &r;
        }
    }
    return nullptr;
}

} // namespace mtls::crypto

#endif
