#ifndef MTLS_SRC_CRYPTO_AEAD_SPEED_HPP
#define MTLS_SRC_CRYPTO_AEAD_SPEED_HPP

// How much CPU per byte each record AEAD costs a crypto provider, as a rank,
// for the `fastest` cipher preference (mtls::cipher_preference::fastest).
//
// A fixed table rather than a timing taken at start-up: every server of a
// fleet then picks the same suite for the same hello (TLS 1.2 sessions resume
// only with their suite, TLS 1.3 PSKs only with their suite's hash), tests and
// interop runs are reproducible, and a busy machine cannot flip the choice.
//
// Measured by bench/aead_bench.cpp, 16 KiB records, x86-64 with AES-NI and
// CLMUL (README, "Cipher suites"):
// - mbedTLS 2.28: ChaCha20-Poly1305 is the cheapest, then AES-128-GCM, then
//   AES-256-GCM. Without AES-NI, and on every other CPU (mbedTLS 2.28 has no
//   other AES or GHASH acceleration), GCM only gets slower, so the order
//   holds wherever mtls runs.
// - OpenSSL 3: AES-128-GCM is the cheapest, then AES-256-GCM, then
//   ChaCha20-Poly1305 (its stitched AES-NI/PCLMUL GCM beats its ChaCha20).
//   That holds on CPUs with AES instructions, which every x86-64 and ARMv8
//   server of the last decade has.

#include "aead.hpp"
#include "provider.hpp"

namespace mtls::crypto {

/// Lower is cheaper per byte with provider `p`.
constexpr int aead_cost_rank(crypto_provider p, aead_alg a) noexcept
{
    const bool chacha_first = p == crypto_provider::mbedtls;
    switch (a) {
    case aead_alg::chacha20_poly1305: return chacha_first ? 0 : 3;
    case aead_alg::aes_128_gcm: return 1;
    case aead_alg::aes_256_gcm: return 2;
    }
    return 4;
}

} // namespace mtls::crypto

#endif
