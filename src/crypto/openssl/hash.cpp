#include "fetched.hpp"

#include "../hash.hpp"

#include <stdexcept>

namespace mtls::crypto::openssl {
namespace {

// EVP_DigestUpdate and EVP_MAC_update read nothing for an empty span, but
// an empty key must still be a non-null pointer for HMAC's init.
const unsigned char empty_input = 0;

const unsigned char* u8_or_empty(bytes_view b) noexcept
{
    return b.empty() ? &empty_input : u8(b);
}

class evp_hash final : public hash_impl {
public:
    explicit evp_hash(const EVP_MD* md) : ctx_(checked(EVP_MD_CTX_new()))
    {
        check(EVP_DigestInit_ex2(ctx_.get(), md, nullptr));
    }

    // A clone is a new context with a copy of the running state.
    evp_hash(const evp_hash& o) : ctx_(checked(EVP_MD_CTX_new()))
    {
        check(EVP_MD_CTX_copy_ex(ctx_.get(), o.ctx_.get()));
    }
    evp_hash& operator=(const evp_hash&) = delete;

    std::unique_ptr<hash_impl> clone() const override { return std::make_unique<evp_hash>(*this); }

    void update(bytes_view data) override
    {
        check(EVP_DigestUpdate(ctx_.get(), u8_or_empty(data), data.size()));
    }

    void snapshot(mutable_bytes out) const override
    {
        // EVP_DigestFinal_ex writes the whole digest whatever `out` says.
        if (out.size() < static_cast<std::size_t>(EVP_MD_CTX_get_size(ctx_.get())))
            throw std::length_error("digest buffer too small");
        // Finish a copy, so the running state goes on.
        const md_ctx_ptr copy(checked(EVP_MD_CTX_new()));
        check(EVP_MD_CTX_copy_ex(copy.get(), ctx_.get()));
        check(EVP_DigestFinal_ex(copy.get(), u8(out), nullptr));
    }

private:
    md_ctx_ptr ctx_;
};

} // namespace

std::unique_ptr<hash_impl> openssl_provider::make_hash(hash_alg a) const
{
    const EVP_MD* md = fetched_->md(a);
    if (md == nullptr)
        throw std::invalid_argument("hash: algorithm not offered by OpenSSL");
    return std::make_unique<evp_hash>(md);
}

void openssl_provider::hmac(hash_alg a, bytes_view key, bytes_view data1, bytes_view data2, mutable_bytes out) const
{
    const EVP_MAC_CTX* prepared = fetched_->hmac_with(a);
    if (prepared == nullptr)
        throw std::invalid_argument("hmac: algorithm not offered by OpenSSL");
    if (out.size() < digest_size(a))
        throw std::length_error("digest buffer too small");
    // EVP_MAC_CTX_free wipes the key and its pads.
    const mac_ctx_ptr ctx(checked(EVP_MAC_CTX_dup(prepared)));
    check(EVP_MAC_init(ctx.get(), u8_or_empty(key), key.size(), nullptr));
    // Two updates: HMAC(key, data1 || data2) without joining the inputs.
    check(EVP_MAC_update(ctx.get(), u8_or_empty(data1), data1.size()));
    check(EVP_MAC_update(ctx.get(), u8_or_empty(data2), data2.size()));
    std::size_t written = 0;
    check(EVP_MAC_final(ctx.get(), u8(out), &written, out.size()));
}

} // namespace mtls::crypto::openssl
