#include "fetched.hpp"

#include "../vocabulary.hpp"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include <array>
#include <stdexcept>

namespace mtls::crypto::openssl {
namespace {

// The largest public key (P-384 uncompressed) and shared secret.
constexpr std::size_t max_public_size = 1 + 2 * 48;
constexpr std::size_t max_secret_size = 48;

const group_row& row_of(named_group g)
{
    if (const group_row* r = find_row(groups, g))
        return *r;
    throw std::invalid_argument("key_share: unsupported group");
}

// OpenSSL's name of a NIST curve and its NID.
const char* curve_name(named_group g) noexcept
{
    return g == named_group::secp256r1 ? "P-256" : "P-384";
}

int curve_nid(named_group g) noexcept
{
    return g == named_group::secp256r1 ? NID_X9_62_prime256v1 : NID_secp384r1;
}

// Errors libcrypto queues while it refuses a peer's key stay out of the
// thread's error queue, which the application may use for its own calls.
class error_mark {
public:
    error_mark() noexcept { ERR_set_mark(); }
    error_mark(const error_mark&) = delete;
    error_mark& operator=(const error_mark&) = delete;
    ~error_mark() { ERR_pop_to_mark(); }
};

// The peer's public key as an EVP_PKEY of `g`; null when it is not a valid
// key: X25519 needs exactly 32 bytes, a NIST curve an uncompressed point on
// the curve.
pkey_ptr peer_key(named_group g, bytes_view peer)
{
    const group_row& row = row_of(g);
    if (peer.size() != row.public_key_size)
        return nullptr;
    if (g == named_group::x25519)
        return pkey_ptr(EVP_PKEY_new_raw_public_key_ex(nullptr, "X25519", nullptr, u8(peer), peer.size()));
    // RFC 8446 §4.2.8.2: only the uncompressed form.
    if (peer[0] != std::byte{0x04})
        return nullptr;
    const pkey_ctx_ptr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
    if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1)
        return nullptr;
    // Decoding the point (EC_POINT_oct2point) refuses one not on the curve.
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>(curve_name(g)), 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, const_cast<unsigned char*>(u8(peer)),
                                          peer.size()),
        OSSL_PARAM_construct_end(),
    };
    EVP_PKEY* raw = nullptr;
    if (EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params) != 1)
        return nullptr;
    pkey_ptr key(raw);
    // RFC 8422 §5.11: on the curve, not at infinity, coordinates in range;
    // the curves have cofactor 1, so the quick check is the full one.
    const pkey_ctx_ptr check_ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
    if (!check_ctx || EVP_PKEY_public_check_quick(check_ctx.get()) != 1)
        return nullptr;
    return key;
}

class evp_key_share final : public key_share_impl {
public:
    evp_key_share(named_group g, pkey_ptr key) : group_(g), key_(std::move(key)) {}

    // EVP_PKEY_free wipes the private key.
    ~evp_key_share() override = default;

    bool agree(bytes_view peer_public, secret& shared) const override
    {
        const error_mark mark;
        const pkey_ptr peer = peer_key(group_, peer_public);
        if (!peer)
            return false;
        const pkey_ctx_ptr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key_.get(), nullptr));
        std::array<unsigned char, max_secret_size> out;
        std::size_t n = out.size();
        const std::size_t field_size = row_of(group_).field_size;
        // The peer was checked above; EVP_PKEY_derive_set_peer_ex's own
        // validation would repeat it with a costlier full check.
        bool ok = ctx && EVP_PKEY_derive_init(ctx.get()) == 1 &&
                  EVP_PKEY_derive_set_peer_ex(ctx.get(), peer.get(), 0) == 1 &&
                  EVP_PKEY_derive(ctx.get(), out.data(), &n) == 1 && n == field_size;
        if (ok && group_ == named_group::x25519) {
            // RFC 7748 §6.1, RFC 8446 §7.4.2: an all-zero X25519 result
            // means a low-order peer point. OR-ing every byte takes the
            // same time whatever the secret.
            unsigned char any = 0;
            for (std::size_t i = 0; i < n; ++i)
                any |= out[i];
            ok = any != 0;
        }
        // ECDH's result is X, big-endian, left-padded to the field size
        // (RFC 8446 §7.4.2), as EVP_PKEY_derive writes it.
        if (ok)
            shared.assign(bytes_view(reinterpret_cast<const std::byte*>(out.data()), n));
        OPENSSL_cleanse(out.data(), out.size());
        return ok;
    }

private:
    named_group group_;
    pkey_ptr key_;
};

// The public key of `key` in TLS encoding.
std::vector<std::byte> public_of(named_group g, const EVP_PKEY* key)
{
    std::vector<std::byte> out(row_of(g).public_key_size);
    std::size_t n = out.size();
    if (g == named_group::x25519)
        check(EVP_PKEY_get_raw_public_key(key, u8(mutable_bytes(out)), &n));
    else
        // Uncompressed, the EC key's default point format.
        check(EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, u8(mutable_bytes(out)),
                                              out.size(), &n));
    check(n == out.size() ? 1 : 0);
    return out;
}

// A NIST curve key pair from a big-endian private scalar d, 0 < d < n; the
// public point d·G is computed here, since EVP_PKEY_fromdata does not.
pkey_ptr nist_from_private(named_group g, bytes_view private_key)
{
    using group_ptr = std::unique_ptr<EC_GROUP, freer<EC_GROUP_free>>;
    using point_ptr = std::unique_ptr<EC_POINT, freer<EC_POINT_free>>;
    using bn_ptr = std::unique_ptr<BIGNUM, freer<BN_clear_free>>;
    using bld_ptr = std::unique_ptr<OSSL_PARAM_BLD, freer<OSSL_PARAM_BLD_free>>;
    using params_ptr = std::unique_ptr<OSSL_PARAM, freer<OSSL_PARAM_free>>;

    const group_ptr group(checked(EC_GROUP_new_by_curve_name(curve_nid(g))));
    const bn_ptr d(checked(BN_secure_new()));
    if (private_key.empty() || private_key.size() > row_of(g).field_size)
        throw std::invalid_argument("key_share: wrong private key size");
    check(BN_bin2bn(u8(private_key), static_cast<int>(private_key.size()), d.get()) != nullptr ? 1 : 0);
    if (BN_is_zero(d.get()) || BN_cmp(d.get(), EC_GROUP_get0_order(group.get())) >= 0)
        throw std::invalid_argument("key_share: private key out of range");
    const point_ptr q(checked(EC_POINT_new(group.get())));
    check(EC_POINT_mul(group.get(), q.get(), d.get(), nullptr, nullptr, nullptr));
    std::array<unsigned char, max_public_size> pub;
    const std::size_t pub_size =
        EC_POINT_point2oct(group.get(), q.get(), POINT_CONVERSION_UNCOMPRESSED, pub.data(), pub.size(), nullptr);
    check(pub_size == row_of(g).public_key_size ? 1 : 0);

    const bld_ptr bld(checked(OSSL_PARAM_BLD_new()));
    check(OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, curve_name(g), 0));
    check(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, d.get()));
    check(OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, pub.data(), pub_size));
    // A secure BIGNUM lands in the params' secure part, which OSSL_PARAM_free wipes.
    const params_ptr params(checked(OSSL_PARAM_BLD_to_param(bld.get())));
    const pkey_ctx_ptr ctx(checked(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr)));
    check(EVP_PKEY_fromdata_init(ctx.get()));
    EVP_PKEY* raw = nullptr;
    check(EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_KEYPAIR, params.get()));
    return pkey_ptr(raw);
}

pkey_ptr key_from_private(named_group g, bytes_view private_key)
{
    if (g != named_group::x25519)
        return nist_from_private(g, private_key);
    // RFC 7748 §5: the 32 bytes as given; X25519 clamps them itself.
    if (private_key.size() != row_of(g).field_size)
        throw std::invalid_argument("key_share: wrong private key size");
    return pkey_ptr(checked(EVP_PKEY_new_raw_private_key_ex(nullptr, "X25519", nullptr, u8(private_key),
                                                            private_key.size())));
}

} // namespace

std::unique_ptr<key_share_impl> openssl_provider::make_key_share(named_group g, bytes_view private_key,
                                                                 std::vector<std::byte>& public_key) const
{
    if (!supports(g))
        throw std::invalid_argument("key_share: group not offered by OpenSSL");
    pkey_ptr key = private_key.empty()
                       ? pkey_ptr(g == named_group::x25519 ? EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519")
                                                           : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve_name(g)))
                       : key_from_private(g, private_key);
    check(key != nullptr ? 1 : 0);
    public_key = public_of(g, key.get());
    return std::make_unique<evp_key_share>(g, std::move(key));
}

} // namespace mtls::crypto::openssl
