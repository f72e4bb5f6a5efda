#ifndef MTLS_SRC_CRYPTO_AEAD_SPEED_HPP
#define MTLS_SRC_CRYPTO_AEAD_SPEED_HPP

// How much CPU per byte each record AEAD costs this provider, as a rank, for
// the `fastest` cipher preference (mtls::cipher_preference::fastest).
//
// A fixed table rather than a timing taken at start-up: every server of a
// fleet then picks the same suite for the same hello (TLS 1.2 sessions resume
// only with their suite, TLS 1.3 PSKs only with their suite's hash), tests and
// interop runs are reproducible, and a busy machine cannot flip the choice.
//
// mbedTLS 2.28, bench/aead_bench.cpp, 16 KiB records, x86-64 with AES-NI and
// CLMUL in use (README, "Cipher suites"): ChaCha20-Poly1305 is the cheapest,
// then AES-128-GCM, then AES-256-GCM. Without AES-NI, and on every other CPU
// (mbedTLS 2.28 has no other AES or GHASH acceleration), GCM only gets slower,
// so the order holds wherever mtls runs.

#include "aead.hpp"

namespace mtls::crypto {

/// Lower is cheaper per byte.
constexpr int aead_cost_rank(aead_alg a) noexcept
{
    switch (a) {
    case aead_alg::chacha20_poly1305: return 0;
    case aead_alg::aes_128_gcm: return 1;
    case aead_alg::aes_256_gcm: return 2;
    }
    return 3;
}

} // namespace mtls::crypto

#endif
