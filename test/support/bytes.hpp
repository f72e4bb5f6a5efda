#ifndef MTLS_TEST_SUPPORT_BYTES_HPP
#define MTLS_TEST_SUPPORT_BYTES_HPP

// Big-endian integers in byte vectors, and recognisable application data.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mtls::test {

using bytes = std::vector<std::byte>;

inline void put8(bytes& b, std::size_t v) { b.push_back(std::byte(static_cast<std::uint8_t>(v))); }
inline void put16(bytes& b, std::size_t v) { put8(b, v >> 8); put8(b, v); }
inline void put24(bytes& b, std::size_t v) { put8(b, v >> 16); put16(b, v); }
inline std::size_t get16(const bytes& b, std::size_t at)
{
    return (std::to_integer<std::size_t>(b.at(at)) << 8) | std::to_integer<std::size_t>(b.at(at + 1));
}
inline std::size_t get24(const bytes& b, std::size_t at)
{
    return (std::to_integer<std::size_t>(b.at(at)) << 16) | get16(b, at + 1);
}
inline void set16(bytes& b, std::size_t at, std::size_t v)
{
    b.at(at) = std::byte(static_cast<std::uint8_t>(v >> 8));
    b.at(at + 1) = std::byte(static_cast<std::uint8_t>(v));
}
inline void set24(bytes& b, std::size_t at, std::size_t v)
{
    b.at(at) = std::byte(static_cast<std::uint8_t>(v >> 16));
    set16(b, at + 1, v);
}

/// Bytes with a recognisable pattern, for application data.
inline bytes pattern(std::size_t n, unsigned seed = 1)
{
    bytes b(n);
    std::uint32_t x = seed * 2654435761u + 1;
    for (auto& v : b) {
        x = x * 1664525u + 1013904223u;
        v = std::byte(static_cast<std::uint8_t>(x >> 24));
    }
    return b;
}

} // namespace mtls::test

#endif
