#include "key_share.hpp"

#include "ec_group.hpp"
#include "mbedtls_rng.hpp"
#include "vocabulary.hpp"

#include <mbedtls/ecdh.h>
#include <mbedtls/ecp.h>

#include <algorithm>
#include <array>
#include <stdexcept>

namespace mtls::crypto {
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

// The group's row; key shares exist only for groups group_id() knows.
const group_row& row_of(named_group g)
{
    if (const group_row* r = find_row(groups, g))
        return *r;
    throw std::invalid_argument("key_share: unsupported group");
}

std::size_t coordinate_size(named_group g)
{
    return row_of(g).field_size;
}

std::size_t public_key_size(named_group g)
{
    return row_of(g).public_key_size;
}

} // namespace

bool is_supported(named_group g) noexcept
{
    return find_row(groups, g) != nullptr;
}

struct key_share::state {
    // Private scalar d and public point Q; the group is the shared warm one,
    // kp.grp is left empty except by from_private.
    mbedtls_ecp_keypair kp;

    state() noexcept { mbedtls_ecp_keypair_init(&kp); }
    state(const state&) = delete;
    state& operator=(const state&) = delete;
    ~state() { mbedtls_ecp_keypair_free(&kp); }   // wipes d
};

key_share::key_share(named_group g, std::unique_ptr<state> st) : group_(g), st_(std::move(st))
{
    public_.resize(public_key_size(g));
    std::size_t written = 0;
    detail::check(mbedtls_ecp_point_write_binary(
        &warm_group(g), &st_->kp.Q, MBEDTLS_ECP_PF_UNCOMPRESSED, &written,
        reinterpret_cast<unsigned char*>(public_.data()), public_.size()));
    if (written != public_.size())
        throw std::logic_error("key_share: unexpected public key size");
}

key_share key_share::generate(named_group g)
{
    auto st = std::make_unique<state>();
    detail::check(mbedtls_ecp_gen_keypair(&warm_group(g), &st->kp.d, &st->kp.Q, detail::rng_callback, nullptr));
    return key_share(g, std::move(st));
}

key_share key_share::from_private(named_group g, bytes_view private_key)
{
    auto st = std::make_unique<state>();
    // mbedtls_ecp_read_key reads X25519 scalars little-endian and clamps them
    // (RFC 7748 §5); NIST scalars are big-endian and range-checked.
    detail::check(mbedtls_ecp_read_key(group_id(g), &st->kp,
                                       reinterpret_cast<const unsigned char*>(private_key.data()),
                                       private_key.size()));
    mbedtls_ecp_group& grp = warm_group(g);
    detail::check(mbedtls_ecp_mul(&grp, &st->kp.Q, &st->kp.d, &grp.G, detail::rng_callback, nullptr));
    return key_share(g, std::move(st));
}

key_share::key_share(key_share&&) noexcept = default;
key_share& key_share::operator=(key_share&&) noexcept = default;
key_share::~key_share() = default;

error_code key_share::agree(bytes_view peer_public, secret& shared) const
{
    const std::size_t csize = coordinate_size(group_);
    // RFC 8446 §4.2.8.2, RFC 8422 §5.4.1: only the uncompressed form (0x04)
    // of the exact length; this also rules out the 1-byte point at infinity.
    if (peer_public.size() != public_key_size(group_))
        return error::invalid_key_share;
    if (group_ != named_group::x25519 && peer_public[0] != std::byte{0x04})
        return error::invalid_key_share;

    mbedtls_ecp_group& grp = warm_group(group_);
    mbedtls_ecp_point q;
    mbedtls_mpi z;
    mbedtls_ecp_point_init(&q);
    mbedtls_mpi_init(&z);

    error_code ec;
    std::array<unsigned char, 48> out{};
    int rc = mbedtls_ecp_point_read_binary(&grp, &q, reinterpret_cast<const unsigned char*>(peer_public.data()),
                                           peer_public.size());
    // RFC 8422 §5.11: the point must be on the curve and not at infinity.
    // For X25519 mbedTLS also rejects the known low-order points here.
    if (rc == 0)
        rc = mbedtls_ecp_check_pubkey(&grp, &q);
    if (rc != 0) {
        ec = error::invalid_key_share;
    } else if (mbedtls_ecdh_compute_shared(&grp, &z, &q, &st_->kp.d, detail::rng_callback,
                                           nullptr) != 0) {
        ec = error::invalid_key_share;
    } else {
        // X25519 output is little-endian (RFC 7748 §5); the NIST shared secret
        // is X, big-endian, left-padded to the field size (RFC 8446 §7.4.2).
        rc = group_ == named_group::x25519 ? mbedtls_mpi_write_binary_le(&z, out.data(), csize)
                                           : mbedtls_mpi_write_binary(&z, out.data(), csize);
        if (rc != 0) {
            ec = error::crypto_failure;
        } else if (std::all_of(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(csize),
                               [](unsigned char c) { return c == 0; })) {
            // RFC 7748 §6.1, RFC 8446 §7.4.2: an all-zero X25519 result
            // means a low-order peer point.
            ec = error::invalid_key_share;
        } else {
            shared.assign(bytes_view(reinterpret_cast<const std::byte*>(out.data()), csize));
        }
    }
    secure_zero(out.data(), out.size());
    mbedtls_mpi_free(&z);
    mbedtls_ecp_point_free(&q);
    return ec;
}

} // namespace mtls::crypto
