#ifndef MTLS_SRC_HANDSHAKE_SUITES_HPP
#define MTLS_SRC_HANDSHAKE_SUITES_HPP

// What each implemented cipher suite means.

#include "crypto/aead.hpp"
#include "crypto/hash.hpp"
#include "crypto/pki.hpp"

#include <mtls/types.hpp>

namespace mtls::handshake {

/// TLS 1.2 suites fix the authentication algorithm; TLS 1.3 ones do not.
enum class suite_auth : std::uint8_t { any, ecdsa, rsa };

struct suite_info {
    cipher_suite id;
    tls_version version;
    crypto::aead_alg aead;
    crypto::hash_alg hash;
    suite_auth auth;
};

/// nullptr for suites mtls does not implement.
const suite_info* find_suite(std::uint16_t id) noexcept;

/// The certificate key can authenticate a TLS 1.2 suite.
bool key_fits_suite(crypto::key_type key, const suite_info& s) noexcept;

} // namespace mtls::handshake

#endif
