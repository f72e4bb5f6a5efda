#include "fetched.hpp"

#include "../vocabulary.hpp"

#include <mtls/error.hpp>

#include <openssl/core_names.h>
#include <openssl/rand.h>

#include <boost/system/system_error.hpp>

#include <algorithm>
#include <climits>

namespace mtls::crypto::openssl {
namespace {

// The default library context and properties: whatever the process's
// OpenSSL configuration selects (the default provider, or FIPS).
bool has_key_management(const char* name) noexcept
{
    EVP_KEYMGMT* k = EVP_KEYMGMT_fetch(nullptr, name, nullptr);
    EVP_KEYMGMT_free(k);
    return k != nullptr;
}

// An HMAC context with `md` set and no key yet; null when either is missing.
EVP_MAC_CTX* hmac_context(EVP_MAC* hmac, const EVP_MD* md) noexcept
{
    if (hmac == nullptr || md == nullptr)
        return nullptr;
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(hmac);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(EVP_MD_get0_name(md)), 0),
        OSSL_PARAM_construct_end(),
    };
    if (ctx != nullptr && EVP_MAC_CTX_set_params(ctx, params) != 1) {
        EVP_MAC_CTX_free(ctx);
        return nullptr;
    }
    return ctx;
}

} // namespace

openssl_provider::fetched::fetched()
    : aes_128_gcm(EVP_CIPHER_fetch(nullptr, "AES-128-GCM", nullptr)),
      aes_256_gcm(EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr)),
      chacha20_poly1305(EVP_CIPHER_fetch(nullptr, "ChaCha20-Poly1305", nullptr)),
      sha256(EVP_MD_fetch(nullptr, "SHA2-256", nullptr)),
      sha384(EVP_MD_fetch(nullptr, "SHA2-384", nullptr)),
      sha512(EVP_MD_fetch(nullptr, "SHA2-512", nullptr)),
      hmac(EVP_MAC_fetch(nullptr, "HMAC", nullptr)),
      x25519_keys(has_key_management("X25519")),
      ec_keys(has_key_management("EC")),
      rsa_keys(has_key_management("RSA"))
{
    hmac_sha256 = hmac_context(hmac, sha256);
    hmac_sha384 = hmac_context(hmac, sha384);
    hmac_sha512 = hmac_context(hmac, sha512);
}

openssl_provider::fetched::~fetched()
{
    EVP_CIPHER_free(aes_128_gcm);
    EVP_CIPHER_free(aes_256_gcm);
    EVP_CIPHER_free(chacha20_poly1305);
    EVP_MD_free(sha256);
    EVP_MD_free(sha384);
    EVP_MD_free(sha512);
    EVP_MAC_CTX_free(hmac_sha256);
    EVP_MAC_CTX_free(hmac_sha384);
    EVP_MAC_CTX_free(hmac_sha512);
    EVP_MAC_free(hmac);
}

const EVP_CIPHER* openssl_provider::fetched::cipher(aead_alg a) const noexcept
{
    switch (a) {
    case aead_alg::aes_128_gcm: return aes_128_gcm;
    case aead_alg::aes_256_gcm: return aes_256_gcm;
    case aead_alg::chacha20_poly1305: return chacha20_poly1305;
    }
    return nullptr;
}

const EVP_MD* openssl_provider::fetched::md(hash_alg a) const noexcept
{
    switch (a) {
    case hash_alg::sha256: return sha256;
    case hash_alg::sha384: return sha384;
    case hash_alg::sha512: return sha512;
    }
    return nullptr;
}

const EVP_MAC_CTX* openssl_provider::fetched::hmac_with(hash_alg a) const noexcept
{
    switch (a) {
    case hash_alg::sha256: return hmac_sha256;
    case hash_alg::sha384: return hmac_sha384;
    case hash_alg::sha512: return hmac_sha512;
    }
    return nullptr;
}

void check(int ok)
{
    if (ok != 1)
        throw boost::system::system_error(make_error_code(error::crypto_failure));
}

openssl_provider::openssl_provider() : fetched_(std::make_unique<fetched>()) {}

openssl_provider::~openssl_provider() = default;

bool openssl_provider::supports(aead_alg a) const noexcept
{
    return fetched_->cipher(a) != nullptr;
}

bool openssl_provider::supports(named_group g) const noexcept
{
    if (find_row(groups, g) == nullptr)
        return false;
    return g == named_group::x25519 ? fetched_->x25519_keys : fetched_->ec_keys;
}

bool openssl_provider::supports(signature_scheme s) const noexcept
{
    const scheme_row* r = find_row(schemes, s);
    if (r == nullptr || fetched_->md(r->hash) == nullptr)
        return false;
    return r->kind == signature_kind::ecdsa ? fetched_->ec_keys : fetched_->rsa_keys;
}

void openssl_provider::random(mutable_bytes out) const
{
    // RAND_bytes takes an int length.
    while (!out.empty()) {
        const std::size_t n = std::min<std::size_t>(out.size(), INT_MAX);
        if (RAND_bytes(u8(out), static_cast<int>(n)) != 1)
            throw boost::system::system_error(make_error_code(error::crypto_failure), "drawing from the CSPRNG");
        out = out.subspan(n);
    }
}

const provider& openssl_instance()
{
    static const openssl_provider instance;
    return instance;
}

} // namespace mtls::crypto::openssl
