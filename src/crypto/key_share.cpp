#include "key_share.hpp"

#include "vocabulary.hpp"

#include <algorithm>
#include <stdexcept>

namespace mtls::crypto {
namespace {

// The group's row; key shares exist only for groups mtls implements.
const group_row& row_of(named_group g)
{
    if (const group_row* r = find_row(groups, g))
        return *r;
    throw std::invalid_argument("key_share: unsupported group");
}

} // namespace

bool is_supported(named_group g) noexcept
{
    return find_row(groups, g) != nullptr;
}

key_share::key_share(const provider& p, named_group g, bytes_view private_key) : group_(g)
{
    public_.resize(row_of(g).public_key_size);
    st_ = p.make_key_share(g, private_key, public_);
}

key_share key_share::generate(const provider& p, named_group g)
{
    return key_share(p, g, {});
}

key_share key_share::from_private(const provider& p, named_group g, bytes_view private_key)
{
    if (private_key.empty())
        throw std::invalid_argument("key_share: empty private key");
    return key_share(p, g, private_key);
}

key_share::key_share(key_share&&) noexcept = default;
key_share& key_share::operator=(key_share&&) noexcept = default;
key_share::~key_share() = default;

error_code key_share::agree(bytes_view peer_public, secret& shared) const
{
    // RFC 8446 §4.2.8.2, RFC 8422 §5.4.1: only the uncompressed form (0x04)
    // of the exact length; this also rules out the 1-byte point at infinity.
    // The provider checks that the point is on the curve (RFC 8422 §5.11).
    if (peer_public.size() != row_of(group_).public_key_size)
        return error::invalid_key_share;
    if (group_ != named_group::x25519 && peer_public[0] != std::byte{0x04})
        return error::invalid_key_share;
    if (!st_->agree(peer_public, shared))
        return error::invalid_key_share;
    const bytes_view z = shared.view();
    // RFC 7748 §6.1, RFC 8446 §7.4.2: an all-zero X25519 result means a
    // low-order peer point.
    if (z.size() != row_of(group_).field_size
        || std::all_of(z.begin(), z.end(), [](std::byte b) { return b == std::byte{0}; })) {
        shared.clear();
        return error::invalid_key_share;
    }
    return {};
}

} // namespace mtls::crypto
