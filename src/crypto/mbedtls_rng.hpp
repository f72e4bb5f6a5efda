#ifndef MTLS_SRC_CRYPTO_MBEDTLS_RNG_HPP
#define MTLS_SRC_CRYPTO_MBEDTLS_RNG_HPP

// Glue shared by the mbedTLS-backed .cpp files of src/crypto. Includes no
// mbedTLS header so that it may be included anywhere in src/crypto.

#include "secret.hpp"

#include <cstddef>

namespace mtls::crypto::detail {

/// mbedTLS `f_rng` callback drawing from the process-wide CSPRNG; `p_rng` is
/// ignored (pass nullptr). Returns 0, or an mbedTLS error if the DRBG fails.
int rng_callback(void* p_rng, unsigned char* out, std::size_t len);

/// Throws boost::system::system_error(error::crypto_failure) when `rc` is an
/// mbedTLS failure. For calls that fail only on allocation failure or on
/// arguments mtls itself controls, so a failure is not a peer's doing.
void check(int rc);

/// Byte spans as the unsigned char pointers mbedTLS takes.
inline const unsigned char* u8(bytes_view b) noexcept
{
    return reinterpret_cast<const unsigned char*>(b.data());
}

inline unsigned char* u8(mutable_bytes b) noexcept
{
    return reinterpret_cast<unsigned char*>(b.data());
}

} // namespace mtls::crypto::detail

#endif
