// Signatures with mbedTLS: the provider's keys, and the arithmetic that
// certificate.cpp reuses on a certificate's own parsed key.

#include "mbedtls_provider.hpp"
#include "pk_ops.hpp"

#include "../ec_group.hpp"
#include "../hash.hpp"
#include "../pki_internal.hpp"

#include <mbedtls/ecdsa.h>
#include <mbedtls/rsa.h>

#include <array>
#include <mutex>

namespace mtls::crypto::mbedtls {

using detail::u8;

std::vector<std::byte> sign_digest(mbedtls_pk_context& pk, std::mutex& rsa_mutex, signature_kind kind, hash_alg h,
                                   bytes_view hv)
{
    const auto hlen = static_cast<unsigned>(hv.size());
    const mbedtls_md_type_t md = detail::md_type(h);
    std::vector<std::byte> sig(MBEDTLS_PK_SIGNATURE_MAX_SIZE);
    auto* out = u8(mutable_bytes(sig));
    std::size_t len = 0;
    int rc = 0;
    if (kind == signature_kind::ecdsa) {
        // DER-encoded ECDSA-Sig-Value, as TLS carries it (RFC 8422 §5.4), on
        // the key's own warm context: what mbedtls_pk_sign does after copying
        // the key (deterministic nonce, RNG-blinded).
        rc = mbedtls_ecdsa_write_signature(mbedtls_pk_ec(pk), md, u8(hv), hv.size(), out, &len, detail::rng_callback,
                                           nullptr);
    } else {
        std::lock_guard lock(rsa_mutex);
        mbedtls_rsa_context* rsa = mbedtls_pk_rsa(pk);
        len = mbedtls_rsa_get_len(rsa);
        if (kind == signature_kind::rsa_pkcs1) {
            rc = mbedtls_rsa_rsassa_pkcs1_v15_sign(rsa, detail::rng_callback, nullptr, MBEDTLS_RSA_PRIVATE, md, hlen,
                                                   u8(hv), out);
        } else {
            // RFC 8446 §4.2.3: MGF1 with the signature's hash, salt as long
            // as the digest. mbedTLS takes the MGF1 hash from the context.
            mbedtls_rsa_set_padding(rsa, MBEDTLS_RSA_PKCS_V21, md);
            rc = mbedtls_rsa_rsassa_pss_sign_ext(rsa, detail::rng_callback, nullptr, md, hlen, u8(hv),
                                                 static_cast<int>(hlen), out);
            mbedtls_rsa_set_padding(rsa, MBEDTLS_RSA_PKCS_V15, MBEDTLS_MD_NONE);
        }
    }
    if (rc != 0)
        return {};
    sig.resize(len);
    return sig;
}

bool verify_digest(mbedtls_pk_context& pk, std::mutex& rsa_mutex, signature_kind kind, hash_alg h, bytes_view hv,
                   bytes_view signature)
{
    if (signature.empty())
        return false;
    const mbedtls_md_type_t md = detail::md_type(h);
    switch (kind) {
    case signature_kind::ecdsa: {
        const mbedtls_ecp_keypair* kp = mbedtls_pk_ec(pk);
        return detail::ecdsa_verify_der(kp->grp.id, kp->Q, hv, signature);
    }
    case signature_kind::rsa_pkcs1: {
        std::lock_guard lock(rsa_mutex);
        mbedtls_rsa_context* rsa = mbedtls_pk_rsa(pk);
        // mbedTLS reads exactly modulus-length bytes from the signature.
        if (signature.size() != mbedtls_rsa_get_len(rsa))
            return false;
        return mbedtls_rsa_rsassa_pkcs1_v15_verify(rsa, nullptr, nullptr, MBEDTLS_RSA_PUBLIC, md,
                                                   static_cast<unsigned>(hv.size()), u8(hv), u8(signature)) == 0;
    }
    case signature_kind::rsa_pss: {
        // RFC 8446 §4.2.3: MGF1 with the same hash, salt length = digest length.
        mbedtls_pk_rsassa_pss_options opts{md, static_cast<int>(hv.size())};
        std::lock_guard lock(rsa_mutex);
        return mbedtls_pk_verify_ext(MBEDTLS_PK_RSASSA_PSS, &opts, &pk, md, u8(hv), hv.size(), u8(signature),
                                     signature.size()) == 0;
    }
    }
    return false;
}

namespace {

// An mbedTLS key, for the key's signatures or its public half's checks.
struct pk_holder {
    mbedtls_pk_context pk;
    // RSA operations write to the key's context (padding mode, blinding).
    mutable std::mutex rsa_mutex;

    pk_holder() noexcept { mbedtls_pk_init(&pk); }
    pk_holder(const pk_holder&) = delete;
    pk_holder& operator=(const pk_holder&) = delete;
    ~pk_holder() { mbedtls_pk_free(&pk); } // wipes a private key

    // The digest of `message` under the scheme's hash, when this key makes
    // or checks its signatures.
    const scheme_row* digest_for(signature_scheme s, bytes_view message, std::array<std::byte, max_digest_size>& h,
                                 bytes_view& hv) const
    {
        const scheme_row* si = detail::usable_scheme(s, detail::type_of(pk));
        if (si != nullptr)
            hv = digest(mbedtls_provider_instance(), si->hash, message, h);
        return si;
    }
};

class signing_key final : public signing_key_impl, pk_holder {
public:
    bool load(bytes_view der)
    {
        if (mbedtls_pk_parse_key(&pk, u8(der), der.size(), nullptr, 0) != 0)
            return false;
        // Before any thread signs: the base-point table is built here once,
        // not for every signature as mbedtls_pk_sign's temporary context does.
        if (mbedtls_ecp_keypair* kp = mbedtls_pk_ec(pk))
            detail::warm(kp->grp);
        return detail::type_of(pk) != key_type::unsupported;
    }

    std::vector<std::byte> sign(signature_scheme s, bytes_view message) const override
    {
        std::array<std::byte, max_digest_size> h;
        bytes_view hv;
        const scheme_row* si = digest_for(s, message, h, hv);
        return si ? sign_digest(const_cast<mbedtls_pk_context&>(pk), rsa_mutex, si->kind, si->hash, hv)
                  : std::vector<std::byte>{};
    }
};

class public_key final : public public_key_impl, pk_holder {
public:
    bool load(bytes_view spki)
    {
        return mbedtls_pk_parse_public_key(&pk, u8(spki), spki.size()) == 0
               && detail::type_of(pk) != key_type::unsupported;
    }

    bool verify(signature_scheme s, bytes_view message, bytes_view signature) const override
    {
        std::array<std::byte, max_digest_size> h;
        bytes_view hv;
        const scheme_row* si = digest_for(s, message, h, hv);
        return si && verify_digest(si->kind, si->hash, hv, signature);
    }

    bool verify_digest(signature_kind kind, hash_alg h, bytes_view digest, bytes_view signature) const override
    {
        return mbedtls::verify_digest(const_cast<mbedtls_pk_context&>(pk), rsa_mutex, kind, h, digest, signature);
    }
};

} // namespace

std::unique_ptr<signing_key_impl> mbedtls_provider::load_signing_key(bytes_view der) const
{
    auto k = std::make_unique<signing_key>();
    return k->load(der) ? std::move(k) : nullptr;
}

std::unique_ptr<public_key_impl> mbedtls_provider::load_public_key(bytes_view spki) const
{
    auto k = std::make_unique<public_key>();
    return k->load(spki) ? std::move(k) : nullptr;
}

} // namespace mtls::crypto::mbedtls
