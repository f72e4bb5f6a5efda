#include "mbedtls_provider.hpp"

#include "../mbedtls_rng.hpp"

#include <mbedtls/chachapoly.h>
#include <mbedtls/gcm.h>

namespace mtls::crypto::mbedtls {

using detail::u8;

namespace {

// One state per algorithm, so that a key carries only the context it uses.
// The free functions wipe the expanded keys.

struct gcm_state final : aead_impl {
    mbedtls_gcm_context ctx;

    explicit gcm_state(bytes_view key)
    {
        mbedtls_gcm_init(&ctx);
        // The destructor does not run when the constructor throws.
        if (int rc = mbedtls_gcm_setkey(&ctx, MBEDTLS_CIPHER_ID_AES, u8(key), static_cast<unsigned>(key.size() * 8))) {
            mbedtls_gcm_free(&ctx);
            detail::check(rc);
        }
    }
    gcm_state(const gcm_state&) = delete;
    gcm_state& operator=(const gcm_state&) = delete;
    ~gcm_state() override { mbedtls_gcm_free(&ctx); }

    void seal(bytes_view nonce, bytes_view aad, mutable_bytes data, mutable_bytes tag) override
    {
        detail::check(mbedtls_gcm_crypt_and_tag(&ctx, MBEDTLS_GCM_ENCRYPT, data.size(), u8(nonce), nonce.size(),
                                                u8(aad), aad.size(), u8(data), u8(data), tag.size(), u8(tag)));
    }
    bool open(bytes_view nonce, bytes_view aad, mutable_bytes data, bytes_view tag) override
    {
        return mbedtls_gcm_auth_decrypt(&ctx, data.size(), u8(nonce), nonce.size(), u8(aad), aad.size(), u8(tag),
                                        tag.size(), u8(data), u8(data)) == 0;
    }
};

struct chachapoly_state final : aead_impl {
    mbedtls_chachapoly_context ctx;

    explicit chachapoly_state(bytes_view key)
    {
        mbedtls_chachapoly_init(&ctx);
        if (int rc = mbedtls_chachapoly_setkey(&ctx, u8(key))) {
            mbedtls_chachapoly_free(&ctx);
            detail::check(rc);
        }
    }
    chachapoly_state(const chachapoly_state&) = delete;
    chachapoly_state& operator=(const chachapoly_state&) = delete;
    ~chachapoly_state() override { mbedtls_chachapoly_free(&ctx); }

    void seal(bytes_view nonce, bytes_view aad, mutable_bytes data, mutable_bytes tag) override
    {
        detail::check(mbedtls_chachapoly_encrypt_and_tag(&ctx, data.size(), u8(nonce), u8(aad), aad.size(),
                                                         u8(data), u8(data), u8(tag)));
    }
    bool open(bytes_view nonce, bytes_view aad, mutable_bytes data, bytes_view tag) override
    {
        return mbedtls_chachapoly_auth_decrypt(&ctx, data.size(), u8(nonce), u8(aad), aad.size(), u8(tag), u8(data),
                                               u8(data)) == 0;
    }
};

} // namespace

std::unique_ptr<aead_impl> mbedtls_provider::make_aead(aead_alg a, bytes_view key) const
{
    if (a == aead_alg::chacha20_poly1305)
        return std::make_unique<chachapoly_state>(key);
    return std::make_unique<gcm_state>(key);
}


} // namespace mtls::crypto::mbedtls
