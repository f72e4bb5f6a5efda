#include "hash.hpp"

#include "mbedtls_rng.hpp"

#include <mbedtls/hkdf.h>
#include <mbedtls/md.h>
#include <mbedtls/sha256.h>
#include <mbedtls/sha512.h>

#include <algorithm>
#include <array>
#include <stdexcept>

namespace mtls::crypto {
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

void require_room(mutable_bytes out, hash_alg a)
{
    if (out.size() < digest_size(a))
        throw std::length_error("digest buffer too small");
}

// An HMAC context keyed once; reset() restarts it for a new message with the
// same key (the PRF computes many HMACs under one secret).
class hmac_ctx {
public:
    hmac_ctx(hash_alg a, bytes_view key)
    {
        mbedtls_md_init(&ctx_);
        try {
            detail::check(mbedtls_md_setup(&ctx_, md_info(a), 1));
            detail::check(mbedtls_md_hmac_starts(&ctx_, u8(key), key.size()));
        } catch (...) {
            mbedtls_md_free(&ctx_);
            throw;
        }
    }
    hmac_ctx(const hmac_ctx&) = delete;
    hmac_ctx& operator=(const hmac_ctx&) = delete;
    ~hmac_ctx() { mbedtls_md_free(&ctx_); }   // mbedtls_md_free wipes the key pads

    void reset() { detail::check(mbedtls_md_hmac_reset(&ctx_)); }
    void update(bytes_view b) { detail::check(mbedtls_md_hmac_update(&ctx_, u8(b), b.size())); }
    void finish(unsigned char* out) { detail::check(mbedtls_md_hmac_finish(&ctx_, out)); }

private:
    mbedtls_md_context_t ctx_;
};

} // namespace

std::size_t digest_size(hash_alg a) noexcept
{
    switch (a) {
    case hash_alg::sha256: return 32;
    case hash_alg::sha384: return 48;
    case hash_alg::sha512: return 64;
    }
    return 0;
}

// The SHA-2 contexts are used directly (not through mbedtls_md) so that a
// snapshot is a plain clone on the stack, without allocation.
struct hash::state {
    mbedtls_sha256_context sha256;
    mbedtls_sha512_context sha512;

    state() noexcept
    {
        mbedtls_sha256_init(&sha256);
        mbedtls_sha512_init(&sha512);
    }
    state(const state&) = delete;
    state& operator=(const state&) = delete;
    ~state()
    {
        mbedtls_sha256_free(&sha256);
        mbedtls_sha512_free(&sha512);
    }
};

hash::hash(hash_alg a) : alg_(a), st_(std::make_unique<state>())
{
    if (alg_ == hash_alg::sha256)
        detail::check(mbedtls_sha256_starts_ret(&st_->sha256, 0));
    else
        detail::check(mbedtls_sha512_starts_ret(&st_->sha512, alg_ == hash_alg::sha384 ? 1 : 0));
}

hash::hash(const hash& o) : alg_(o.alg_), st_(std::make_unique<state>())
{
    mbedtls_sha256_clone(&st_->sha256, &o.st_->sha256);
    mbedtls_sha512_clone(&st_->sha512, &o.st_->sha512);
}

hash& hash::operator=(const hash& o)
{
    if (this != &o) {
        hash copy(o);
        *this = std::move(copy);
    }
    return *this;
}

hash::hash(hash&&) noexcept = default;
hash& hash::operator=(hash&&) noexcept = default;
hash::~hash() = default;

void hash::update(bytes_view data)
{
    if (alg_ == hash_alg::sha256)
        detail::check(mbedtls_sha256_update_ret(&st_->sha256, u8(data), data.size()));
    else
        detail::check(mbedtls_sha512_update_ret(&st_->sha512, u8(data), data.size()));
}

mutable_bytes hash::snapshot(mutable_bytes out) const
{
    require_room(out, alg_);
    // Finish a clone, so the running state is untouched.
    if (alg_ == hash_alg::sha256) {
        mbedtls_sha256_context c;
        mbedtls_sha256_init(&c);
        mbedtls_sha256_clone(&c, &st_->sha256);
        const int rc = mbedtls_sha256_finish_ret(&c, u8(out));
        mbedtls_sha256_free(&c);
        detail::check(rc);
    } else {
        mbedtls_sha512_context c;
        mbedtls_sha512_init(&c);
        mbedtls_sha512_clone(&c, &st_->sha512);
        std::array<unsigned char, 64> full;
        const int rc = mbedtls_sha512_finish_ret(&c, full.data());
        mbedtls_sha512_free(&c);
        detail::check(rc);
        // SHA-384 finishes into 64 bytes of which the first 48 are the digest.
        std::copy_n(full.begin(), digest_size(alg_), u8(out));
    }
    return out.first(digest_size(alg_));
}

mutable_bytes digest(hash_alg a, bytes_view data, mutable_bytes out)
{
    require_room(out, a);
    detail::check(mbedtls_md(md_info(a), u8(data), data.size(), u8(out)));
    return out.first(digest_size(a));
}

mutable_bytes hmac(hash_alg a, bytes_view key, bytes_view data1, bytes_view data2,
                   mutable_bytes out)
{
    require_room(out, a);
    hmac_ctx h(a, key);
    h.update(data1);
    h.update(data2);
    h.finish(u8(out));
    return out.first(digest_size(a));
}

// RFC 5246 §5: P_hash(secret, seed) = HMAC(secret, A(1) + seed) + HMAC(secret, A(2) + seed) + ...
// with A(0) = seed, A(i) = HMAC(secret, A(i-1)), and seed = label + seed1 + seed2.
void prf12(hash_alg a, bytes_view secret_bytes, std::string_view label, bytes_view seed1,
           bytes_view seed2, mutable_bytes out)
{
    const std::size_t n = digest_size(a);
    const bytes_view label_bytes{reinterpret_cast<const std::byte*>(label.data()), label.size()};
    hmac_ctx h(a, secret_bytes);
    std::array<std::byte, max_digest_size> a_i;
    std::array<std::byte, max_digest_size> block;

    h.update(label_bytes);
    h.update(seed1);
    h.update(seed2);
    h.finish(u8(mutable_bytes(a_i)));   // A(1)

    std::size_t done = 0;
    while (done < out.size()) {
        h.reset();
        h.update(bytes_view(a_i).first(n));
        h.update(label_bytes);
        h.update(seed1);
        h.update(seed2);
        h.finish(u8(mutable_bytes(block)));
        const std::size_t take = std::min(n, out.size() - done);
        std::copy_n(block.begin(), take, out.begin() + static_cast<std::ptrdiff_t>(done));
        done += take;
        if (done < out.size()) {
            h.reset();
            h.update(bytes_view(a_i).first(n));
            h.finish(u8(mutable_bytes(a_i)));   // A(i+1)
        }
    }
    secure_zero(a_i.data(), a_i.size());
    secure_zero(block.data(), block.size());
}

mutable_bytes hkdf_extract(hash_alg a, bytes_view salt, bytes_view ikm, mutable_bytes out)
{
    require_room(out, a);
    // RFC 5869 §2.2: an absent salt is HashLen zeros; HMAC pads an empty key
    // with zeros, so an empty salt gives the same result.
    static constexpr unsigned char empty = 0;
    detail::check(mbedtls_hkdf_extract(md_info(a), salt.empty() ? &empty : u8(salt), salt.size(),
                                       ikm.empty() ? &empty : u8(ikm), ikm.size(), u8(out)));
    return out.first(digest_size(a));
}

void hkdf_expand(hash_alg a, bytes_view prk, bytes_view info, mutable_bytes out)
{
    static constexpr unsigned char empty = 0;
    detail::check(mbedtls_hkdf_expand(md_info(a), u8(prk), prk.size(),
                                      info.empty() ? &empty : u8(info), info.size(), u8(out),
                                      out.size()));
}

} // namespace mtls::crypto
