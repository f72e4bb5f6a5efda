// Certificate and CRL signatures inside mbedTLS's chain verification, checked
// by another provider. Path validation stays mbedTLS's X.509 code for every
// provider; only the arithmetic of its mbedtls_pk_verify calls moves.
//
// A certificate's key is re-typed: its mbedtls_pk_context gets an
// mbedtls_pk_info_t that is mbedTLS's own for the key type except for
// verify_func, and a context that starts with a copy of the mbedTLS key. So
// everything else mbedTLS reads of the key is unchanged: mbedtls_pk_get_type,
// can_do (an id-ecPublicKey key checks ECDSA signatures), get_bitlen and
// mbedtls_pk_ec()->grp.id for the profile, and mbedtls_pk_rsa() for RSA-PSS
// certificate signatures, which mbedTLS checks with
// mbedtls_rsa_rsassa_pss_verify_ext directly.

#include "pki_internal.hpp"

#include <mbedtls/ecp.h>
#include <mbedtls/pk_internal.h>
#include <mbedtls/rsa.h>

#include <optional>
#include <type_traits>

namespace mtls::crypto {
namespace detail {
namespace {

// The mbedTLS key that a key of type T (RSA or ECKEY) holds.
template <mbedtls_pk_type_t T>
using key_of = std::conditional_t<T == MBEDTLS_PK_RSA, mbedtls_rsa_context, mbedtls_ecp_keypair>;

// The re-typed key's context. `key` comes first: mbedTLS casts the context
// to the key type.
template <class Key>
struct provider_ctx {
    Key key;
    // The provider's copy of the key; null when the provider cannot use it.
    const public_key_impl* verifier;
};

std::optional<hash_alg> hash_of(mbedtls_md_type_t md) noexcept
{
    switch (md) {
    case MBEDTLS_MD_SHA256: return hash_alg::sha256;
    case MBEDTLS_MD_SHA384: return hash_alg::sha384;
    case MBEDTLS_MD_SHA512: return hash_alg::sha512;
    default: return std::nullopt;
    }
}

template <mbedtls_pk_type_t T>
int provider_verify(void* ctx, mbedtls_md_type_t md, const unsigned char* hash, std::size_t hash_len,
                    const unsigned char* sig, std::size_t sig_len)
{
    constexpr bool rsa = T == MBEDTLS_PK_RSA;
    const auto& c = *static_cast<provider_ctx<key_of<T>>*>(ctx);
    const std::optional<hash_alg> h = hash_of(md);
    // Keys and hashes the provider boundary does not name (P-521 and other
    // curves, SHA-1, SHA-224): mbedTLS's own check, so that both providers
    // accept and refuse the same certificates.
    if (c.verifier == nullptr || !h)
        return mbedtls_pk_info_from_type(T)->verify_func(ctx, md, hash, hash_len, sig, sig_len);
    ++provider_signature_check_count;
    bool ok = false;
    try {
        ok = c.verifier->verify_digest(rsa ? signature_kind::rsa_pkcs1 : signature_kind::ecdsa, *h,
                                       {reinterpret_cast<const std::byte*>(hash), hash_len},
                                       {reinterpret_cast<const std::byte*>(sig), sig_len});
    } catch (...) {
        // Exceptions must not cross mbedTLS's C frames: a failed check.
    }
    if (ok)
        return 0;
    return rsa ? MBEDTLS_ERR_RSA_VERIFY_FAILED : MBEDTLS_ERR_ECP_VERIFY_FAILED;
}

template <mbedtls_pk_type_t T>
void provider_free(void* ctx)
{
    auto* c = static_cast<provider_ctx<key_of<T>>*>(ctx);
    if constexpr (T == MBEDTLS_PK_RSA)
        mbedtls_rsa_free(&c->key);
    else
        mbedtls_ecp_keypair_free(&c->key);
    delete c->verifier;
    delete c;
}

// mtls makes these contexts itself (retype below); mbedtls_pk_setup with
// this info gets an allocation failure.
void* no_alloc()
{
    return nullptr;
}

template <mbedtls_pk_type_t T>
const mbedtls_pk_info_t* retyped_info()
{
    static_assert(std::is_standard_layout_v<provider_ctx<key_of<T>>>, "the context must start with the key");
    static const mbedtls_pk_info_t info = [] {
        mbedtls_pk_info_t i = *mbedtls_pk_info_from_type(T);
        i.verify_func = provider_verify<T>;
        i.sign_func = nullptr; // certificates hold public keys
#if defined(MBEDTLS_ECDSA_C) && defined(MBEDTLS_ECP_RESTARTABLE)
        i.verify_rs_func = nullptr;
        i.sign_rs_func = nullptr;
        i.rs_alloc_func = nullptr;
        i.rs_free_func = nullptr;
#endif
        i.ctx_alloc_func = no_alloc;
        i.ctx_free_func = provider_free<T>;
        return i;
    }();
    return &info;
}

template <mbedtls_pk_type_t T>
void retype(const provider& p, mbedtls_x509_crt& crt)
{
    using key = key_of<T>;
    std::unique_ptr<public_key_impl> verifier = p.load_public_key(view(crt.pk_raw));
    auto* c = new provider_ctx<key>{};
    int rc = 0;
    if constexpr (T == MBEDTLS_PK_RSA) {
        mbedtls_rsa_init(&c->key, MBEDTLS_RSA_PKCS_V15, 0);
        rc = mbedtls_rsa_copy(&c->key, mbedtls_pk_rsa(crt.pk));
    } else {
        mbedtls_ecp_keypair_init(&c->key);
        const mbedtls_ecp_keypair* from = mbedtls_pk_ec(crt.pk);
        rc = mbedtls_ecp_group_copy(&c->key.grp, &from->grp);
        if (rc == 0)
            rc = mbedtls_ecp_copy(&c->key.Q, &from->Q);
    }
    c->verifier = verifier.release();
    if (rc != 0) {
        provider_free<T>(c);
        check(rc);
    }
    mbedtls_pk_free(&crt.pk);
    crt.pk.pk_info = retyped_info<T>();
    crt.pk.pk_ctx = c;
}

} // namespace

void use_provider_keys(const provider& p, mbedtls_x509_crt& chain)
{
    for (mbedtls_x509_crt* c = &chain; c != nullptr && c->version != 0; c = c->next) {
        switch (mbedtls_pk_get_type(&c->pk)) {
        case MBEDTLS_PK_RSA: retype<MBEDTLS_PK_RSA>(p, *c); break;
        case MBEDTLS_PK_ECKEY: retype<MBEDTLS_PK_ECKEY>(p, *c); break;
        // An id-ecDH key checks no signature (its can_do refuses ECDSA), and
        // mbedTLS's X.509 parser makes no other key.
        default: break;
        }
    }
}

} // namespace detail

std::uint64_t provider_signature_checks() noexcept
{
    return detail::provider_signature_check_count;
}

} // namespace mtls::crypto
