#include "handshake/suites.hpp"

#include <array>

namespace mtls::handshake {
namespace {

using crypto::aead_alg;
using crypto::hash_alg;

constexpr std::array<suite_info, 9> suites{{
    {cipher_suite::tls_aes_128_gcm_sha256, tls_version::tls13, aead_alg::aes_128_gcm, hash_alg::sha256, suite_auth::any},
    {cipher_suite::tls_aes_256_gcm_sha384, tls_version::tls13, aead_alg::aes_256_gcm, hash_alg::sha384, suite_auth::any},
    {cipher_suite::tls_chacha20_poly1305_sha256, tls_version::tls13, aead_alg::chacha20_poly1305, hash_alg::sha256, suite_auth::any},
    {cipher_suite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256, tls_version::tls12, aead_alg::aes_128_gcm, hash_alg::sha256, suite_auth::ecdsa},
    {cipher_suite::tls_ecdhe_ecdsa_with_aes_256_gcm_sha384, tls_version::tls12, aead_alg::aes_256_gcm, hash_alg::sha384, suite_auth::ecdsa},
    {cipher_suite::tls_ecdhe_ecdsa_with_chacha20_poly1305_sha256, tls_version::tls12, aead_alg::chacha20_poly1305, hash_alg::sha256, suite_auth::ecdsa},
    {cipher_suite::tls_ecdhe_rsa_with_aes_128_gcm_sha256, tls_version::tls12, aead_alg::aes_128_gcm, hash_alg::sha256, suite_auth::rsa},
    {cipher_suite::tls_ecdhe_rsa_with_aes_256_gcm_sha384, tls_version::tls12, aead_alg::aes_256_gcm, hash_alg::sha384, suite_auth::rsa},
    {cipher_suite::tls_ecdhe_rsa_with_chacha20_poly1305_sha256, tls_version::tls12, aead_alg::chacha20_poly1305, hash_alg::sha256, suite_auth::rsa},
}};

} // namespace

const suite_info* find_suite(std::uint16_t id) noexcept
{
    for (const auto& s : suites)
        if (static_cast<std::uint16_t>(s.id) == id)
            return &s;
    return nullptr;
}

bool key_fits_suite(crypto::key_type key, const suite_info& s) noexcept
{
    switch (s.auth) {
    case suite_auth::any:
        return key != crypto::key_type::unsupported;
    case suite_auth::ecdsa:
        return key == crypto::key_type::ec_p256 || key == crypto::key_type::ec_p384;
    case suite_auth::rsa:
        return key == crypto::key_type::rsa;
    }
    return false;
}

} // namespace mtls::handshake
