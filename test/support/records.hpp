#ifndef MTLS_TEST_SUPPORT_RECORDS_HPP
#define MTLS_TEST_SUPPORT_RECORDS_HPP

// Records as the engine-to-engine tests see them in transit, and the flights
// the pump hands to a tamper hook.

#include "support/bytes.hpp"
#include "support/messages.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <utility>
#include <vector>

namespace mtls::test {

struct record {
    std::uint8_t type = 0;
    std::uint16_t version = 0x0303;
    bytes body;
    /// Sent after this direction's ChangeCipherSpec: the body is ciphertext.
    bool encrypted = false;

    bytes serialize() const { return make_record(type, body, version); }
};

inline bytes serialize(const std::vector<record>& records)
{
    bytes out;
    for (const auto& r : records) {
        auto s = r.serialize();
        out.insert(out.end(), s.begin(), s.end());
    }
    return out;
}

/// Splits the whole records off the front of `buf`; a partial one stays.
inline std::vector<record> split_records(bytes& buf)
{
    std::vector<record> out;
    std::size_t off = 0;
    while (buf.size() - off >= record_header_size) {
        std::size_t len = get16(buf, off + 3);
        if (buf.size() - off < record_header_size + len)
            break;
        record r;
        r.type = std::to_integer<std::uint8_t>(buf[off]);
        r.version = static_cast<std::uint16_t>(get16(buf, off + 1));
        r.body.assign(buf.begin() + static_cast<std::ptrdiff_t>(off + record_header_size),
                      buf.begin() + static_cast<std::ptrdiff_t>(off + record_header_size + len));
        out.push_back(std::move(r));
        off += record_header_size + len;
    }
    buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(off));
    return out;
}

/// Handshake messages (header included) in one plaintext handshake record.
/// The engines never split a small message across records, so a message
/// that runs past the record's end is returned as is (truncated).
inline std::vector<bytes> messages_of(const record& r)
{
    std::vector<bytes> out;
    std::size_t off = 0;
    while (off < r.body.size()) {
        std::size_t len = r.body.size() - off >= handshake_header_size ? get24(r.body, off + 1) : 0;
        std::size_t end = std::min(r.body.size(), off + handshake_header_size + len);
        out.emplace_back(r.body.begin() + static_cast<std::ptrdiff_t>(off),
                         r.body.begin() + static_cast<std::ptrdiff_t>(end));
        off = end;
    }
    return out;
}

inline void set_messages(record& r, const std::vector<bytes>& messages)
{
    r.body.clear();
    for (const auto& m : messages)
        r.body.insert(r.body.end(), m.begin(), m.end());
}

enum class direction { to_server, to_client };

inline std::ostream& operator<<(std::ostream& os, direction d)
{
    return os << (d == direction::to_server ? "client->server" : "server->client");
}

/// Everything one engine had queued when the pump collected its output.
struct flight {
    direction dir{};
    /// 0 for the first flight in this direction.
    std::size_t index = 0;
    std::vector<record> records;

    /// Applies `fn` to the message lists of the plaintext handshake records
    /// until it returns true; records left empty are removed.
    bool edit_messages(const std::function<bool(std::vector<bytes>&)>& fn)
    {
        for (auto it = records.begin(); it != records.end(); ++it) {
            if (it->type != content::handshake || it->encrypted)
                continue;
            auto ms = messages_of(*it);
            if (fn(ms)) {
                set_messages(*it, ms);
                if (it->body.empty())
                    records.erase(it);
                return true;
            }
        }
        return false;
    }

    /// Calls `fn` on the first plaintext handshake message of `type`.
    bool edit(std::uint8_t type, const std::function<void(bytes&)>& fn)
    {
        return edit_messages([&](std::vector<bytes>& ms) {
            for (auto& m : ms)
                if (message_type(m) == type) {
                    fn(m);
                    return true;
                }
            return false;
        });
    }

    bool has(std::uint8_t type) { return edit(type, [](bytes&) {}); }

    std::optional<bytes> find(std::uint8_t type)
    {
        std::optional<bytes> out;
        edit(type, [&](bytes& m) { out = m; });
        return out;
    }

    bool drop(std::uint8_t type)
    {
        return edit_messages([&](std::vector<bytes>& ms) {
            auto it = std::find_if(ms.begin(), ms.end(), [&](const bytes& m) { return message_type(m) == type; });
            if (it == ms.end())
                return false;
            ms.erase(it);
            return true;
        });
    }

    /// Inserts `message` right after the first message of type `after`.
    bool insert_after(std::uint8_t after, bytes message)
    {
        return edit_messages([&](std::vector<bytes>& ms) {
            auto it = std::find_if(ms.begin(), ms.end(), [&](const bytes& m) { return message_type(m) == after; });
            if (it == ms.end())
                return false;
            ms.insert(it + 1, std::move(message));
            return true;
        });
    }

    /// Index of the first record of `type` (and encryption state), if any.
    std::optional<std::size_t> find_record(std::uint8_t type, bool encrypted) const
    {
        for (std::size_t i = 0; i < records.size(); ++i)
            if (records[i].type == type && records[i].encrypted == encrypted)
                return i;
        return std::nullopt;
    }
};

} // namespace mtls::test

#endif
