#include "fetched.hpp"

#include "../aead.hpp"

#include <openssl/core_names.h>

#include <algorithm>
#include <climits>
#include <stdexcept>

namespace mtls::crypto::openssl {
namespace {

// One EVP_CIPHER_CTX per key, keyed once. A record then only sets the IV
// (which restarts GCM's or Poly1305's state without touching the key),
// feeds the AAD and the data, and finishes: no allocation and no fetch per
// record. Passing a null cipher and key to EVP_CipherInit_ex2 is what keeps
// the context's key and its provider-side state.
class evp_aead final : public aead_impl {
public:
    evp_aead(const EVP_CIPHER* cipher, bytes_view key) : ctx_(checked(EVP_CIPHER_CTX_new()))
    {
        if (key.size() != static_cast<std::size_t>(EVP_CIPHER_get_key_length(cipher)))
            throw std::invalid_argument("aead: wrong key size");
        check(EVP_CipherInit_ex2(ctx_.get(), cipher, u8(key), nullptr, 1, nullptr));
    }

    // EVP_CIPHER_CTX_free wipes the key schedule (the GCM and ChaCha20-Poly1305
    // contexts are freed with OPENSSL_clear_free).
    ~evp_aead() override = default;

    void seal(bytes_view nonce, bytes_view aad, mutable_bytes data, mutable_bytes tag) override
    {
        check(EVP_CipherInit_ex2(ctx_.get(), nullptr, nullptr, u8(nonce), 1, nullptr));
        check(feed(nullptr, aad));
        check(feed(u8(data), data));
        check(finish());
        OSSL_PARAM params[] = {
            OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, u8(tag), tag.size()),
            OSSL_PARAM_construct_end(),
        };
        check(EVP_CIPHER_CTX_get_params(ctx_.get(), params));
    }

    bool open(bytes_view nonce, bytes_view aad, mutable_bytes data, bytes_view tag) override
    {
        // The provider copies the expected tag; it never writes through it.
        OSSL_PARAM params[] = {
            OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG,
                                              const_cast<unsigned char*>(u8(tag)), tag.size()),
            OSSL_PARAM_construct_end(),
        };
        // Any failure is an authentication failure to the record layer.
        return EVP_CipherInit_ex2(ctx_.get(), nullptr, nullptr, u8(nonce), 0, nullptr) == 1 &&
               EVP_CIPHER_CTX_set_params(ctx_.get(), params) == 1 && feed(nullptr, aad) == 1 &&
               feed(u8(data), data) == 1 && finish() == 1;
    }

private:
    // EVP_CipherUpdate in place (`out` is `in` or, for AAD, null), in
    // pieces that fit its int length; 1 on success.
    int feed(unsigned char* out, bytes_view in)
    {
        const unsigned char* p = u8(in);
        for (std::size_t left = in.size(); left != 0;) {
            const int n = static_cast<int>(std::min<std::size_t>(left, INT_MAX / 2));
            int written = 0;
            if (EVP_CipherUpdate(ctx_.get(), out, &written, p, n) != 1)
                return 0;
            p += n;
            if (out != nullptr)
                out += n;
            left -= static_cast<std::size_t>(n);
        }
        return 1;
    }

    // An AEAD's final step writes no data (the block size is 1), only
    // computes or checks the tag; `out` is there for the signature's sake.
    int finish()
    {
        unsigned char out[1];
        int written = 0;
        return EVP_CipherFinal_ex(ctx_.get(), out, &written);
    }

    cipher_ctx_ptr ctx_;
};

} // namespace

std::unique_ptr<aead_impl> openssl_provider::make_aead(aead_alg a, bytes_view key) const
{
    const EVP_CIPHER* cipher = fetched_->cipher(a);
    if (cipher == nullptr)
        throw std::invalid_argument("aead: algorithm not offered by OpenSSL");
    return std::make_unique<evp_aead>(cipher, key);
}

} // namespace mtls::crypto::openssl
