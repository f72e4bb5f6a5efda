#ifndef MTLS_TEST_SUPPORT_RECORD_SUITES_HPP
#define MTLS_TEST_SUPPORT_RECORD_SUITES_HPP

// What the src/record tests share: the AEAD and nonce schemes TLS uses, keys
// for them, and sealing or opening a whole record. Include after
// <boost/test/unit_test.hpp>.

#include "support/hex.hpp"

#include "crypto/aead.hpp"
#include "record/protection.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace mtls::test::record_suites {

using namespace ::mtls::record;
using crypto::aead_alg;

/// n bytes of a pattern that does not repeat every 256 bytes.
inline byte_vec pattern(std::size_t n, std::uint8_t seed = 0)
{
    byte_vec out(n);
    for (std::size_t i = 0; i < n; ++i)
        out[i] = static_cast<std::byte>((i * 7 + i / 251 + seed) & 0xff);
    return out;
}

inline byte_vec be16(std::size_t v)
{
    return {std::byte(static_cast<std::uint8_t>(v >> 8)), std::byte(static_cast<std::uint8_t>(v))};
}

inline byte_vec be64(std::uint64_t v)
{
    byte_vec out(8);
    for (int i = 7; i >= 0; --i, v >>= 8)
        out[static_cast<std::size_t>(i)] = std::byte(static_cast<std::uint8_t>(v));
    return out;
}

// The AEAD and nonce schemes TLS uses (RFC 5288, RFC 7905, RFC 8446 §5.3).
struct suite {
    aead_alg alg;
    nonce_scheme scheme;
    const char* name;
};
inline const suite suites[] = {
    {aead_alg::aes_128_gcm, nonce_scheme::tls12_explicit, "TLS 1.2 AES-128-GCM"},
    {aead_alg::aes_256_gcm, nonce_scheme::tls12_explicit, "TLS 1.2 AES-256-GCM"},
    {aead_alg::chacha20_poly1305, nonce_scheme::tls12_xor, "TLS 1.2 ChaCha20-Poly1305"},
    {aead_alg::aes_128_gcm, nonce_scheme::tls13, "TLS 1.3 AES-128-GCM"},
    {aead_alg::aes_256_gcm, nonce_scheme::tls13, "TLS 1.3 AES-256-GCM"},
    {aead_alg::chacha20_poly1305, nonce_scheme::tls13, "TLS 1.3 ChaCha20-Poly1305"},
};

// Expected wire overhead, spelled out rather than taken from protection.
inline std::size_t explicit_nonce_size(nonce_scheme s)
{
    return s == nonce_scheme::tls12_explicit ? 8 : 0;
}
inline std::size_t trailer_size(nonce_scheme s)
{
    return 16 + (s == nonce_scheme::tls13 ? 1 : 0);
}

inline byte_vec key_for(aead_alg a, std::uint8_t seed)
{
    return pattern(crypto::aead_key_size(a), seed);
}
// RFC 5288 §3: a 4-byte salt; RFC 7905 §2 and RFC 8446 §5.3: a 12-byte IV.
inline byte_vec iv_for(nonce_scheme s, std::uint8_t seed)
{
    return pattern(s == nonce_scheme::tls12_explicit ? 4 : 12, static_cast<std::uint8_t>(seed + 0x55));
}

inline protection make_protection(const suite& s, std::uint8_t seed = 1)
{
    return protection(mtls::crypto::mbedtls_provider(), s.alg, key_for(s.alg, seed), iv_for(s.scheme, seed), s.scheme);
}

/// A whole record sealed by `p` around `plaintext`.
inline byte_vec seal_record(protection& p, content_type type, bytes_view plaintext, std::uint16_t version = 0x0303)
{
    byte_vec rec(header_size + p.prefix_size() + plaintext.size() + p.suffix_size());
    std::copy(plaintext.begin(), plaintext.end(), rec.begin() + static_cast<std::ptrdiff_t>(header_size + p.prefix_size()));
    const auto n = p.seal(type, version, rec.data(), plaintext.size());
    BOOST_TEST_REQUIRE(n == rec.size());
    return rec;
}

struct opened {
    error_code ec;
    content_type type{};
    byte_vec plaintext;
};

inline opened open_record(protection& p, byte_vec rec)
{
    opened out;
    mutable_bytes plaintext;
    out.ec = p.open(rec, out.type, plaintext);
    if (!out.ec)
        out.plaintext = to_vec(plaintext);
    return out;
}

inline std::uint16_t get16(const byte_vec& v, std::size_t at)
{
    return static_cast<std::uint16_t>(std::to_integer<unsigned>(v[at]) << 8 | std::to_integer<unsigned>(v[at + 1]));
}

} // namespace mtls::test::record_suites

#endif
