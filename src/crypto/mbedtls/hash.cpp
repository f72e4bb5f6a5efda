#include "mbedtls_provider.hpp"

#include "../hash.hpp"
#include "../mbedtls_rng.hpp"

#include <mbedtls/md.h>
#include <mbedtls/sha256.h>
#include <mbedtls/sha512.h>

#include <algorithm>
#include <array>
#include <stdexcept>

namespace mtls::crypto::mbedtls {
namespace {

using detail::u8;

const mbedtls_md_info_t* md_info(hash_alg a)
{
    switch (a) {
    case hash_alg::sha256: return mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    case hash_alg::sha384: return mbedtls_md_info_from_type(MBEDTLS_MD_SHA384);
    case hash_alg::sha512: return mbedtls_md_info_from_type(MBEDTLS_MD_SHA512);
    }
    throw std::invalid_argument("unknown hash_alg");
}

// The SHA-2 contexts are used directly (not through mbedtls_md) so that a
// snapshot is a plain clone on the stack, without allocation.
class sha256_state final : public hash_impl {
public:
    sha256_state() noexcept { mbedtls_sha256_init(&ctx_); }
    sha256_state(const sha256_state&) = delete;
    sha256_state& operator=(const sha256_state&) = delete;
    ~sha256_state() override { mbedtls_sha256_free(&ctx_); }

    void start() { detail::check(mbedtls_sha256_starts_ret(&ctx_, 0)); }
    std::unique_ptr<hash_impl> clone() const override
    {
        auto c = std::make_unique<sha256_state>();
        mbedtls_sha256_clone(&c->ctx_, &ctx_);
        return c;
    }
    void update(bytes_view data) override { detail::check(mbedtls_sha256_update_ret(&ctx_, u8(data), data.size())); }
    void snapshot(mutable_bytes out) const override
    {
        // Finish a clone, so the running state is untouched.
        mbedtls_sha256_context c;
        mbedtls_sha256_init(&c);
        mbedtls_sha256_clone(&c, &ctx_);
        const int rc = mbedtls_sha256_finish_ret(&c, u8(out));
        mbedtls_sha256_free(&c);
        detail::check(rc);
    }

private:
    mbedtls_sha256_context ctx_;
};

// SHA-384 and SHA-512 share mbedTLS's context.
class sha512_state final : public hash_impl {
public:
    explicit sha512_state(hash_alg a) noexcept : alg_(a) { mbedtls_sha512_init(&ctx_); }
    sha512_state(const sha512_state&) = delete;
    sha512_state& operator=(const sha512_state&) = delete;
    ~sha512_state() override { mbedtls_sha512_free(&ctx_); }

    void start() { detail::check(mbedtls_sha512_starts_ret(&ctx_, alg_ == hash_alg::sha384 ? 1 : 0)); }
    std::unique_ptr<hash_impl> clone() const override
    {
        auto c = std::make_unique<sha512_state>(alg_);
        mbedtls_sha512_clone(&c->ctx_, &ctx_);
        return c;
    }
    void update(bytes_view data) override { detail::check(mbedtls_sha512_update_ret(&ctx_, u8(data), data.size())); }
    void snapshot(mutable_bytes out) const override
    {
        mbedtls_sha512_context c;
        mbedtls_sha512_init(&c);
        mbedtls_sha512_clone(&c, &ctx_);
        std::array<unsigned char, 64> full;
        const int rc = mbedtls_sha512_finish_ret(&c, full.data());
        mbedtls_sha512_free(&c);
        detail::check(rc);
        // SHA-384 finishes into 64 bytes of which the first 48 are the digest.
        std::copy_n(full.begin(), digest_size(alg_), u8(out));
    }

private:
    hash_alg alg_;
    mbedtls_sha512_context ctx_;
};

} // namespace

std::unique_ptr<hash_impl> mbedtls_provider::make_hash(hash_alg a) const
{
    if (a == hash_alg::sha256) {
        auto h = std::make_unique<sha256_state>();
        h->start();
        return h;
    }
    auto h = std::make_unique<sha512_state>(a);
    h->start();
    return h;
}

void mbedtls_provider::hmac(hash_alg a, bytes_view key, bytes_view data1, bytes_view data2, mutable_bytes out) const
{
    mbedtls_md_context_t ctx;
    mbedtls_md_init(&ctx);
    int rc = mbedtls_md_setup(&ctx, md_info(a), 1);
    if (rc == 0)
        rc = mbedtls_md_hmac_starts(&ctx, u8(key), key.size());
    if (rc == 0)
        rc = mbedtls_md_hmac_update(&ctx, u8(data1), data1.size());
    if (rc == 0)
        rc = mbedtls_md_hmac_update(&ctx, u8(data2), data2.size());
    if (rc == 0)
        rc = mbedtls_md_hmac_finish(&ctx, u8(out));
    mbedtls_md_free(&ctx); // wipes the key pads
    detail::check(rc);
}

} // namespace mtls::crypto::mbedtls
