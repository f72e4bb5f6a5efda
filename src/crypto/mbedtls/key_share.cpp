#include "mbedtls_provider.hpp"

#include "../ec_group.hpp"
#include "../mbedtls_rng.hpp"

#include <mbedtls/ecdh.h>
#include <mbedtls/ecp.h>

#include <array>
#include <stdexcept>

namespace mtls::crypto::mbedtls {
namespace {

mbedtls_ecp_group_id group_id(named_group g)
{
    switch (g) {
    case named_group::x25519: return MBEDTLS_ECP_DP_CURVE25519;
    case named_group::secp256r1: return MBEDTLS_ECP_DP_SECP256R1;
    case named_group::secp384r1: return MBEDTLS_ECP_DP_SECP384R1;
    }
    throw std::invalid_argument("key_share: unsupported group");
}

// The shared warm group of `g` (ec_group.hpp): loaded and its base-point
// table built once per process, not once per key share.
mbedtls_ecp_group& warm_group(named_group g)
{
    mbedtls_ecp_group* grp = detail::shared_group(group_id(g));
    if (grp == nullptr)
        throw std::invalid_argument("key_share: unsupported group");
    return *grp;
}

class ecdh_share final : public key_share_impl {
public:
    explicit ecdh_share(named_group g) noexcept : group_(g) { mbedtls_ecp_keypair_init(&kp_); }
    ecdh_share(const ecdh_share&) = delete;
    ecdh_share& operator=(const ecdh_share&) = delete;
    ~ecdh_share() override { mbedtls_ecp_keypair_free(&kp_); } // wipes d

    void generate() { detail::check(mbedtls_ecp_gen_keypair(&warm_group(group_), &kp_.d, &kp_.Q, detail::rng_callback, nullptr)); }

    void load(bytes_view private_key)
    {
        // mbedtls_ecp_read_key reads X25519 scalars little-endian and clamps
        // them (RFC 7748 §5); NIST scalars are big-endian and range-checked.
        detail::check(mbedtls_ecp_read_key(group_id(group_), &kp_, detail::u8(private_key), private_key.size()));
        mbedtls_ecp_group& grp = warm_group(group_);
        detail::check(mbedtls_ecp_mul(&grp, &kp_.Q, &kp_.d, &grp.G, detail::rng_callback, nullptr));
    }

    void write_public(std::vector<std::byte>& out) const
    {
        const mbedtls_ecp_group& grp = warm_group(group_);
        out.resize(group_ == named_group::x25519 ? 32 : 1 + 2 * mbedtls_mpi_size(&grp.P));
        std::size_t written = 0;
        detail::check(mbedtls_ecp_point_write_binary(&warm_group(group_), &kp_.Q, MBEDTLS_ECP_PF_UNCOMPRESSED,
                                                     &written, detail::u8(mutable_bytes(out)), out.size()));
        if (written != out.size())
            throw std::logic_error("key_share: unexpected public key size");
    }

    bool agree(bytes_view peer_public, secret& shared) const override;

private:
    named_group group_;
    // Private scalar d and public point Q; the group is the shared warm one,
    // kp_.grp is left empty except by load().
    mbedtls_ecp_keypair kp_;
};

bool ecdh_share::agree(bytes_view peer_public, secret& shared) const
{
    mbedtls_ecp_group& grp = warm_group(group_);
    const std::size_t csize = grp.id == MBEDTLS_ECP_DP_CURVE25519 ? 32 : mbedtls_mpi_size(&grp.P);
    mbedtls_ecp_point q;
    mbedtls_mpi z;
    mbedtls_ecp_point_init(&q);
    mbedtls_mpi_init(&z);
    int rc = mbedtls_ecp_point_read_binary(&grp, &q, detail::u8(peer_public), peer_public.size());
    // RFC 8422 §5.11: the point must be on the curve and not at infinity.
    // For X25519 mbedTLS also rejects the known low-order points here.
    if (rc == 0)
        rc = mbedtls_ecp_check_pubkey(&grp, &q);
    if (rc == 0)
        rc = mbedtls_ecdh_compute_shared(&grp, &z, &q, &kp_.d, detail::rng_callback, nullptr);
    // X25519 output is little-endian (RFC 7748 §5); the NIST shared secret
    // is X, big-endian, left-padded to the field size (RFC 8446 §7.4.2).
    if (rc == 0) {
        const mutable_bytes out = shared.resize(csize);
        rc = group_ == named_group::x25519 ? mbedtls_mpi_write_binary_le(&z, detail::u8(out), csize)
                                           : mbedtls_mpi_write_binary(&z, detail::u8(out), csize);
    }
    mbedtls_mpi_free(&z);
    mbedtls_ecp_point_free(&q);
    if (rc != 0)
        shared.clear();
    return rc == 0;
}

} // namespace

std::unique_ptr<key_share_impl> mbedtls_provider::make_key_share(named_group g, bytes_view private_key,
                                                                 std::vector<std::byte>& public_key) const
{
    auto share = std::make_unique<ecdh_share>(g);
    if (private_key.empty())
        share->generate();
    else
        share->load(private_key);
    share->write_public(public_key);
    return share;
}

} // namespace mtls::crypto::mbedtls
