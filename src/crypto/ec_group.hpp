#ifndef MTLS_SRC_CRYPTO_EC_GROUP_HPP
#define MTLS_SRC_CRYPTO_EC_GROUP_HPP

// Elliptic-curve groups whose base-point table is built once, then only read.
// Only src/crypto includes it.
//
// mbedTLS caches the comb table of a group's base point G in grp->T the first
// time it multiplies G, and rebuilds it for every fresh group (about half the
// cost of an ECDSA signature). ecp_mul_comb writes the group only while T is
// still empty; once warm() has filled it, every multiplication on the group
// (by G or any other point) only reads it, so one warm group can serve
// concurrent threads without a lock.

#include "secret.hpp"

#include <mbedtls/ecp.h>

namespace mtls::crypto::detail {

/// Builds the base-point table of `grp` now, on this thread, before the
/// group is shared. Montgomery curves (X25519) have none: a no-op.
void warm(mbedtls_ecp_group& grp);

/// The process-wide warm group for `id` (secp256r1, secp384r1, curve25519),
/// loaded on first use; nullptr for a curve mtls does not use. mbedTLS takes
/// groups by non-const pointer; a warm group is only read, see above.
mbedtls_ecp_group* shared_group(mbedtls_ecp_group_id id);

/// Checks a DER ECDSA-Sig-Value (RFC 8422 §5.4) of the digest `hash` under
/// the public point `q` of curve `id`, on the shared warm group. As strict as
/// mbedtls_ecdsa_read_signature: nothing may follow the SEQUENCE or its two
/// INTEGERs.
bool ecdsa_verify_der(mbedtls_ecp_group_id id, const mbedtls_ecp_point& q, bytes_view hash, bytes_view signature);

} // namespace mtls::crypto::detail

#endif
