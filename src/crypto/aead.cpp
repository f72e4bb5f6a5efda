#include "aead.hpp"

#include <stdexcept>

namespace mtls::crypto {
namespace {

void require_sizes(bytes_view nonce, std::size_t tag_size)
{
    if (nonce.size() != aead_nonce_size || tag_size != aead_tag_size)
        throw std::invalid_argument("aead: nonce must be 12 bytes and tag 16 bytes");
}

std::unique_ptr<aead_impl> make_impl(const provider& p, aead_alg a, bytes_view key)
{
    if (key.size() != aead_key_size(a))
        throw std::invalid_argument("aead: wrong key size");
    return p.make_aead(a, key);
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

aead::aead(const provider& p, aead_alg a, bytes_view key) : alg_(a), st_(make_impl(p, a, key)) {}

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
