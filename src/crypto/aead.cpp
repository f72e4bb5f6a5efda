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

// Both contexts live here; only the one for alg_ is set up. Their free
// functions wipe the expanded keys.
struct aead::state {
    mbedtls_gcm_context gcm;
    mbedtls_chachapoly_context chachapoly;

    state() noexcept
    {
        mbedtls_gcm_init(&gcm);
        mbedtls_chachapoly_init(&chachapoly);
    }
    state(const state&) = delete;
    state& operator=(const state&) = delete;
    ~state()
    {
        mbedtls_gcm_free(&gcm);
        mbedtls_chachapoly_free(&chachapoly);
    }
};

aead::aead(aead_alg a, bytes_view key) : alg_(a), st_(std::make_unique<state>())
{
    if (key.size() != aead_key_size(a))
        throw std::invalid_argument("aead: wrong key size");
    if (a == aead_alg::chacha20_poly1305)
        detail::check(mbedtls_chachapoly_setkey(&st_->chachapoly, u8(key)));
    else
        detail::check(mbedtls_gcm_setkey(&st_->gcm, MBEDTLS_CIPHER_ID_AES, u8(key),
                                         static_cast<unsigned>(key.size() * 8)));
}

aead::aead(aead&&) noexcept = default;
aead& aead::operator=(aead&&) noexcept = default;
aead::~aead() = default;

void aead::seal(bytes_view nonce, bytes_view aad, mutable_bytes data, mutable_bytes tag)
{
    require_sizes(nonce, tag.size());
    if (alg_ == aead_alg::chacha20_poly1305)
        detail::check(mbedtls_chachapoly_encrypt_and_tag(&st_->chachapoly, data.size(), u8(nonce),
                                                         u8(aad), aad.size(), u8(data), u8(data),
                                                         u8(tag)));
    else
        detail::check(mbedtls_gcm_crypt_and_tag(&st_->gcm, MBEDTLS_GCM_ENCRYPT, data.size(),
                                                u8(nonce), nonce.size(), u8(aad), aad.size(),
                                                u8(data), u8(data), tag.size(), u8(tag)));
}

bool aead::open(bytes_view nonce, bytes_view aad, mutable_bytes data, bytes_view tag)
{
    require_sizes(nonce, tag.size());
    // Any failure here is an authentication failure as far as the record
    // layer is concerned; the sizes mtls controls were checked above.
    if (alg_ == aead_alg::chacha20_poly1305)
        return mbedtls_chachapoly_auth_decrypt(&st_->chachapoly, data.size(), u8(nonce), u8(aad),
                                               aad.size(), u8(tag), u8(data), u8(data)) == 0;
    return mbedtls_gcm_auth_decrypt(&st_->gcm, data.size(), u8(nonce), nonce.size(), u8(aad),
                                    aad.size(), u8(tag), tag.size(), u8(data), u8(data)) == 0;
}

} // namespace mtls::crypto
