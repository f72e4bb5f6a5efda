#include "aead.hpp"

#include "mbedtls_rng.hpp"

#include <mbedtls/chachapoly.h>
#include <mbedtls/gcm.h>

#include <stdexcept>

namespace mtls::crypto {
namespace {

using detail::u8;

void require_sizes(bytes_view nonce, std::size_t tag_size)
{
    if (nonce.size() != aead_nonce_size || tag_size != aead_tag_size)
        throw std::invalid_argument("aead: nonce must be 12 bytes and tag 16 bytes");
}

} // namespace

std::size_t aead_key_size(aead_alg a) noexcept
{
    switch (a) {
    case aead_alg::aes_128_gcm: return 16;
    case aead_alg::aes_256_gcm: return 32;
    case aead_alg::chacha20_poly1305: return 32;
    }
    return 0;
}

// One state per algorithm, so that a key carries only the context it uses.
// The free functions wipe the expanded keys.
struct aead::state {
    virtual ~state() = default;
    virtual void seal(bytes_view nonce, bytes_view aad, mutable_bytes data, mutable_bytes tag) = 0;
    virtual bool open(bytes_view nonce, bytes_view aad, mutable_bytes data, bytes_view tag) = 0;
};

namespace {

struct gcm_state final : aead::state {
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

struct chachapoly_state final : aead::state {
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

std::unique_ptr<aead::state> make_state(aead_alg a, bytes_view key)
{
    if (key.size() != aead_key_size(a))
        throw std::invalid_argument("aead: wrong key size");
    if (a == aead_alg::chacha20_poly1305)
        return std::make_unique<chachapoly_state>(key);
    return std::make_unique<gcm_state>(key);
}

} // namespace

aead::aead(aead_alg a, bytes_view key) : alg_(a), st_(make_state(a, key)) {}

aead::aead(aead&&) noexcept = default;
aead& aead::operator=(aead&&) noexcept = default;
aead::~aead() = default;

void aead::seal(bytes_view nonce, bytes_view aad, mutable_bytes data, mutable_bytes tag)
{
    require_sizes(nonce, tag.size());
    st_->seal(nonce, aad, data, tag);
}

bool aead::open(bytes_view nonce, bytes_view aad, mutable_bytes data, bytes_view tag)
{
    require_sizes(nonce, tag.size());
    // Any failure here is an authentication failure as far as the record
    // layer is concerned; the sizes mtls controls were checked above.
    return st_->open(nonce, aad, data, tag);
}

} // namespace mtls::crypto
