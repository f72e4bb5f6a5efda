#ifndef MTLS_SRC_CRYPTO_RANDOM_HPP
#define MTLS_SRC_CRYPTO_RANDOM_HPP

// The process-wide CSPRNG: CTR_DRBG seeded from the OS entropy source.

#include "secret.hpp"

namespace mtls::crypto {

/// Fills `out` with random bytes. Safe to call from any thread.
void random_bytes(mutable_bytes out);

} // namespace mtls::crypto

#endif
