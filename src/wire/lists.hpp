#ifndef MTLS_SRC_WIRE_LISTS_HPP
#define MTLS_SRC_WIRE_LISTS_HPP

// Vectors the messages and the extensions share: lists of 16-bit values and
// of DistinguishedNames, read and written. Internal to src/wire.

#include "wire/codec.hpp"

#include <mtls/error.hpp>

#include <span>
#include <vector>

namespace mtls::wire {

/// What a parser reports once it has read everything it wanted from `r`.
inline error_code parse_error(const reader& r)
{
    if (!r.ok())
        return error::decode_error;
    if (!r.empty())
        return error::trailing_data;
    return {};
}

/// Extension types met so far in one extensions block, for the rule that
/// none appears twice (RFC 8446 §4.2, RFC 5246 §7.4.1.4), in time linear in
/// the number of extensions: one bit per possible type, 8 KiB, kept off the
/// stack, which may be a coroutine's.
class extension_types_seen {
public:
    /// False when `type` was met before in this block.
    bool first(std::uint16_t type)
    {
        if (seen_[type])
            return false;
        seen_[type] = true;
        return true;
    }

private:
    std::vector<bool> seen_ = std::vector<bool>(0x10000);
};

/// A list of 16-bit values with a 2-byte length prefix; even and non-empty.
template <class T>
bool read_u16_list(reader& r, std::vector<T>& out)
{
    auto body = r.vec16();
    if (body.empty() || body.size() % 2 != 0) {
        r.fail();
        return false;
    }
    reader items(body);
    out.clear();
    out.reserve(body.size() / 2);
    while (!items.empty())
        out.push_back(static_cast<T>(items.u16()));
    return true;
}

template <class T>
void write_u16_list(writer& w, std::span<const T> list)
{
    w.prefixed(2, [&] {
        for (auto v : list)
            w.u16(static_cast<std::uint16_t>(v));
    });
}

/// DistinguishedName list<..2^16-1>, each name<1..2^16-1> (RFC 5246 §7.4.4,
/// RFC 8446 §4.2.4).
inline void write_dn_list(writer& w, std::span<const bytes_view> names)
{
    w.prefixed(2, [&] {
        for (auto dn : names)
            w.vec16(dn);
    });
}

} // namespace mtls::wire

#endif
