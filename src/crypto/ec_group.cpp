// Warm elliptic-curve groups shared by every thread, and ECDSA verification
// on them.

#include "ec_group.hpp"

#include "mbedtls_rng.hpp"

#include <mbedtls/asn1.h>
#include <mbedtls/ecdsa.h>

namespace mtls::crypto::detail {
namespace {

// One curve's group, loaded and warmed before any other thread sees it (a
// function-local static below: its initialisation happens-before every use).
class owned_group {
public:
    explicit owned_group(mbedtls_ecp_group_id id)
    {
        mbedtls_ecp_group_init(&grp_);
        try {
            check(mbedtls_ecp_group_load(&grp_, id));
            warm(grp_);
        } catch (...) {
            mbedtls_ecp_group_free(&grp_);
            throw;
        }
    }
    owned_group(const owned_group&) = delete;
    owned_group& operator=(const owned_group&) = delete;
    ~owned_group() { mbedtls_ecp_group_free(&grp_); }

    mbedtls_ecp_group* get() noexcept { return &grp_; }

private:
    mbedtls_ecp_group grp_;
};

} // namespace

void warm(mbedtls_ecp_group& grp)
{
    if (mbedtls_ecp_get_type(&grp) != MBEDTLS_ECP_TYPE_SHORT_WEIERSTRASS)
        return;
    // 1·G: the multiplication by G computes the table and leaves it in grp->T.
    mbedtls_mpi one;
    mbedtls_ecp_point r;
    mbedtls_mpi_init(&one);
    mbedtls_ecp_point_init(&r);
    int rc = mbedtls_mpi_lset(&one, 1);
    if (rc == 0)
        rc = mbedtls_ecp_mul(&grp, &r, &one, &grp.G, rng_callback, nullptr);
    mbedtls_ecp_point_free(&r);
    mbedtls_mpi_free(&one);
    check(rc);
}

mbedtls_ecp_group* shared_group(mbedtls_ecp_group_id id)
{
    switch (id) {
    case MBEDTLS_ECP_DP_SECP256R1: {
        static owned_group g(id);
        return g.get();
    }
    case MBEDTLS_ECP_DP_SECP384R1: {
        static owned_group g(id);
        return g.get();
    }
    case MBEDTLS_ECP_DP_CURVE25519: {
        static owned_group g(id);
        return g.get();
    }
    default: return nullptr;
    }
}

bool ecdsa_verify_der(mbedtls_ecp_group_id id, const mbedtls_ecp_point& q, bytes_view hash, bytes_view signature)
{
    mbedtls_ecp_group* grp = shared_group(id);
    if (grp == nullptr || signature.empty())
        return false;
    // mbedTLS's ASN.1 readers take a non-const cursor but only read through it.
    auto* p = const_cast<unsigned char*>(u8(signature));
    const unsigned char* const end = p + signature.size();
    std::size_t len = 0;
    mbedtls_mpi r;
    mbedtls_mpi s;
    mbedtls_mpi_init(&r);
    mbedtls_mpi_init(&s);
    // RFC 8422 §5.4: ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER },
    // filling the signature exactly.
    const bool ok = mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) == 0 &&
                    len == static_cast<std::size_t>(end - p) && mbedtls_asn1_get_mpi(&p, end, &r) == 0 &&
                    mbedtls_asn1_get_mpi(&p, end, &s) == 0 && p == end &&
                    mbedtls_ecdsa_verify(grp, u8(hash), hash.size(), &q, &r, &s) == 0;
    mbedtls_mpi_free(&s);
    mbedtls_mpi_free(&r);
    return ok;
}

} // namespace mtls::crypto::detail
