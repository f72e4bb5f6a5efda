#ifndef MTLS_SRC_CRYPTO_MBEDTLS_PK_OPS_HPP
#define MTLS_SRC_CRYPTO_MBEDTLS_PK_OPS_HPP

// Signature arithmetic on an mbedTLS key, shared by the mbedTLS provider's
// keys and by certificate.cpp, which checks on the key mbedTLS's X.509
// parser already holds instead of parsing it again.

#include "../secret.hpp"
#include "../vocabulary.hpp"

#include <mbedtls/pk.h>

#include <mutex>
#include <vector>

namespace mtls::crypto::mbedtls {

/// The signature of `digest` (of hash `h`) in TLS's encoding; empty on
/// failure. RSA operations take `rsa_mutex`: they write to the key's context.
std::vector<std::byte> sign_digest(mbedtls_pk_context& pk, std::mutex& rsa_mutex, signature_kind kind, hash_alg h,
                                   bytes_view digest);

/// Checks `signature` of `digest`. RSA-PSS: MGF1 with `h`, salt length =
/// digest length (RFC 8446 §4.2.3). ECDSA: on the shared warm group, as
/// strict as mbedtls_ecdsa_read_signature.
bool verify_digest(mbedtls_pk_context& pk, std::mutex& rsa_mutex, signature_kind kind, hash_alg h, bytes_view digest,
                   bytes_view signature);

/// The process-wide mbedTLS provider (mbedtls/provider.cpp).
const provider& mbedtls_provider_instance() noexcept;

} // namespace mtls::crypto::mbedtls

#endif
