#include "hash.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <vector>

namespace mtls::crypto {
namespace {

void require_room(mutable_bytes out, hash_alg a)
{
    if (out.size() < digest_size(a))
        throw std::length_error("digest buffer too small");
}

bytes_view as_bytes(std::string_view s) noexcept
{
    return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

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

hash::hash(const provider& p, hash_alg a) : alg_(a), st_(p.make_hash(a)) {}

hash::hash(const hash& o) : alg_(o.alg_), st_(o.st_->clone()) {}

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
    st_->update(data);
}

mutable_bytes hash::snapshot(mutable_bytes out) const
{
    require_room(out, alg_);
    st_->snapshot(out.first(digest_size(alg_)));
    return out.first(digest_size(alg_));
}

mutable_bytes digest(const provider& p, hash_alg a, bytes_view data, mutable_bytes out)
{
    hash h(p, a);
    h.update(data);
    return h.snapshot(out);
}

mutable_bytes hmac(const provider& p, hash_alg a, bytes_view key, bytes_view data1, bytes_view data2,
                   mutable_bytes out)
{
    require_room(out, a);
    p.hmac(a, key, data1, data2, out.first(digest_size(a)));
    return out.first(digest_size(a));
}

// RFC 5246 §5: P_hash(secret, seed) = HMAC(secret, A(1) + seed) + HMAC(secret, A(2) + seed) + ...
// with A(0) = seed, A(i) = HMAC(secret, A(i-1)), and seed = label + seed1 + seed2.
void prf12(const provider& p, hash_alg a, bytes_view secret_bytes, std::string_view label, bytes_view seed1,
           bytes_view seed2, mutable_bytes out)
{
    const std::size_t n = digest_size(a);
    // Public values (label, randoms, hashes, an exporter's context): one copy.
    std::vector<std::byte> seed;
    seed.reserve(label.size() + seed1.size() + seed2.size());
    const bytes_view label_bytes = as_bytes(label);
    seed.insert(seed.end(), label_bytes.begin(), label_bytes.end());
    seed.insert(seed.end(), seed1.begin(), seed1.end());
    seed.insert(seed.end(), seed2.begin(), seed2.end());

    std::array<std::byte, max_digest_size> a_i;
    std::array<std::byte, max_digest_size> block;
    const mutable_bytes a_out = mutable_bytes(a_i).first(n);
    const mutable_bytes block_out = mutable_bytes(block).first(n);
    p.hmac(a, secret_bytes, seed, {}, a_out); // A(1)

    std::size_t done = 0;
    while (done < out.size()) {
        p.hmac(a, secret_bytes, a_out, seed, block_out);
        const std::size_t take = std::min(n, out.size() - done);
        std::copy_n(block.begin(), take, out.begin() + static_cast<std::ptrdiff_t>(done));
        done += take;
        if (done < out.size()) {
            p.hmac(a, secret_bytes, a_out, {}, block_out); // A(i+1)
            std::copy_n(block.begin(), n, a_i.begin());
        }
    }
    secure_zero(a_i.data(), a_i.size());
    secure_zero(block.data(), block.size());
}

mutable_bytes hkdf_extract(const provider& p, hash_alg a, bytes_view salt, bytes_view ikm, mutable_bytes out)
{
    // RFC 5869 §2.2: PRK = HMAC-Hash(salt, IKM); an absent salt is HashLen
    // zeros, which HMAC's zero padding of an empty key equals.
    return hmac(p, a, salt, ikm, {}, out);
}

// RFC 5869 §2.3: T(i) = HMAC-Hash(PRK, T(i-1) | info | i), for i = 1..N.
void hkdf_expand(const provider& p, hash_alg a, bytes_view prk, bytes_view info, mutable_bytes out)
{
    const std::size_t n = digest_size(a);
    if (out.size() > 255 * n)
        throw std::length_error("hkdf_expand: output longer than 255 hash lengths");
    std::vector<std::byte> info_i(info.begin(), info.end());
    info_i.push_back(std::byte{0});
    std::array<std::byte, max_digest_size> t;
    std::size_t t_size = 0;
    for (std::size_t done = 0, i = 1; done < out.size(); ++i) {
        info_i.back() = static_cast<std::byte>(i);
        p.hmac(a, prk, bytes_view(t).first(t_size), info_i, mutable_bytes(t).first(n));
        t_size = n;
        const std::size_t take = std::min(n, out.size() - done);
        std::copy_n(t.begin(), take, out.begin() + static_cast<std::ptrdiff_t>(done));
        done += take;
    }
    secure_zero(t.data(), t.size());
}

} // namespace mtls::crypto
