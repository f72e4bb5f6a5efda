#ifndef MTLS_TEST_SUPPORT_HEX_HPP
#define MTLS_TEST_SUPPORT_HEX_HPP

// Byte-vector helpers shared by the unit tests: hex and text literals, and
// concatenation.

#include <algorithm>
#include <cstddef>
#include <initializer_list>
#include <iterator>
#include <span>
#include <string>
#include <string_view>
#include <vector>

using byte_vec = std::vector<std::byte>;

/// Bytes from hex digits; spaces are ignored.
inline byte_vec hex(std::string_view h)
{
    byte_vec out;
    auto nibble = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
    std::string digits;
    std::copy_if(h.begin(), h.end(), std::back_inserter(digits), [](char c) { return c != ' '; });
    for (std::size_t i = 0; i + 1 < digits.size(); i += 2)
        out.push_back(static_cast<std::byte>(nibble(digits[i]) << 4 | nibble(digits[i + 1])));
    return out;
}

/// The bytes of `s`'s characters.
inline byte_vec text(std::string_view s)
{
    byte_vec out(s.size());
    std::transform(s.begin(), s.end(), out.begin(), [](char c) { return static_cast<std::byte>(c); });
    return out;
}

inline byte_vec cat(std::initializer_list<byte_vec> parts)
{
    byte_vec out;
    for (const auto& p : parts)
        out.insert(out.end(), p.begin(), p.end());
    return out;
}

inline byte_vec to_vec(std::span<const std::byte> b)
{
    return {b.begin(), b.end()};
}

#endif
