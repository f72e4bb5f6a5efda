#include <mtls/types.hpp>

namespace mtls {

std::string_view to_string(tls_version v) noexcept
{
    switch (v) {
    case tls_version::tls12: return "TLSv1.2";
    case tls_version::tls13: return "TLSv1.3";
    }
    return "unknown";
}

std::string_view to_string(cipher_suite s) noexcept
{
    switch (s) {
    case cipher_suite::tls_aes_128_gcm_sha256: return "TLS_AES_128_GCM_SHA256";
    case cipher_suite::tls_aes_256_gcm_sha384: return "TLS_AES_256_GCM_SHA384";
    case cipher_suite::tls_chacha20_poly1305_sha256: return "TLS_CHACHA20_POLY1305_SHA256";
    case cipher_suite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256: return "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256";
    case cipher_suite::tls_ecdhe_ecdsa_with_aes_256_gcm_sha384: return "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384";
    case cipher_suite::tls_ecdhe_rsa_with_aes_128_gcm_sha256: return "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256";
    case cipher_suite::tls_ecdhe_rsa_with_aes_256_gcm_sha384: return "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384";
    case cipher_suite::tls_ecdhe_rsa_with_chacha20_poly1305_sha256: return "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256";
    case cipher_suite::tls_ecdhe_ecdsa_with_chacha20_poly1305_sha256: return "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256";
    }
    return "unknown";
}

std::string_view to_string(named_group g) noexcept
{
    switch (g) {
    case named_group::secp256r1: return "secp256r1";
    case named_group::secp384r1: return "secp384r1";
    case named_group::x25519: return "x25519";
    }
    return "unknown";
}

std::string_view to_string(signature_scheme s) noexcept
{
    switch (s) {
    case signature_scheme::rsa_pkcs1_sha256: return "rsa_pkcs1_sha256";
    case signature_scheme::rsa_pkcs1_sha384: return "rsa_pkcs1_sha384";
    case signature_scheme::rsa_pkcs1_sha512: return "rsa_pkcs1_sha512";
    case signature_scheme::ecdsa_secp256r1_sha256: return "ecdsa_secp256r1_sha256";
    case signature_scheme::ecdsa_secp384r1_sha384: return "ecdsa_secp384r1_sha384";
    case signature_scheme::rsa_pss_rsae_sha256: return "rsa_pss_rsae_sha256";
    case signature_scheme::rsa_pss_rsae_sha384: return "rsa_pss_rsae_sha384";
    case signature_scheme::rsa_pss_rsae_sha512: return "rsa_pss_rsae_sha512";
    }
    return "unknown";
}

} // namespace mtls
