#ifndef MTLS_TEST_SUPPORT_MESSAGES_HPP
#define MTLS_TEST_SUPPORT_MESSAGES_HPP

// Raw records and handshake messages for tests that build or edit them: the
// wire values (from src/wire), builders, and hello editing.

#include "support/bytes.hpp"

#include "wire/messages.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <type_traits>

namespace mtls::test {

/// The numeric value of a src/wire enumerator, for building raw bytes.
template <class Enum>
constexpr auto wire_value(Enum e) noexcept
{
    return static_cast<std::underlying_type_t<Enum>>(e);
}

// Short names for the src/wire values the tests put on the wire and compare.
namespace content {
using wire::content_type;
inline constexpr std::uint8_t change_cipher_spec = wire_value(content_type::change_cipher_spec);
inline constexpr std::uint8_t alert = wire_value(content_type::alert);
inline constexpr std::uint8_t handshake = wire_value(content_type::handshake);
inline constexpr std::uint8_t application_data = wire_value(content_type::application_data);
} // namespace content

namespace msg {
using wire::handshake_type;
inline constexpr std::uint8_t hello_request = wire_value(handshake_type::hello_request);
inline constexpr std::uint8_t client_hello = wire_value(handshake_type::client_hello);
inline constexpr std::uint8_t server_hello = wire_value(handshake_type::server_hello);
inline constexpr std::uint8_t new_session_ticket = wire_value(handshake_type::new_session_ticket);
inline constexpr std::uint8_t encrypted_extensions = wire_value(handshake_type::encrypted_extensions);
inline constexpr std::uint8_t certificate = wire_value(handshake_type::certificate);
inline constexpr std::uint8_t server_key_exchange = wire_value(handshake_type::server_key_exchange);
inline constexpr std::uint8_t certificate_request = wire_value(handshake_type::certificate_request);
inline constexpr std::uint8_t server_hello_done = wire_value(handshake_type::server_hello_done);
inline constexpr std::uint8_t certificate_verify = wire_value(handshake_type::certificate_verify);
inline constexpr std::uint8_t client_key_exchange = wire_value(handshake_type::client_key_exchange);
inline constexpr std::uint8_t finished = wire_value(handshake_type::finished);
inline constexpr std::uint8_t key_update = wire_value(handshake_type::key_update);
} // namespace msg

namespace ext {
using wire::extension_type;
inline constexpr std::uint16_t server_name = wire_value(extension_type::server_name);
inline constexpr std::uint16_t supported_groups = wire_value(extension_type::supported_groups);
inline constexpr std::uint16_t signature_algorithms = wire_value(extension_type::signature_algorithms);
inline constexpr std::uint16_t extended_master_secret = wire_value(extension_type::extended_master_secret);
inline constexpr std::uint16_t early_data = wire_value(extension_type::early_data);
inline constexpr std::uint16_t supported_versions = wire_value(extension_type::supported_versions);
inline constexpr std::uint16_t cookie = wire_value(extension_type::cookie);
inline constexpr std::uint16_t key_share = wire_value(extension_type::key_share);
inline constexpr std::uint16_t renegotiation_info = wire_value(extension_type::renegotiation_info);
} // namespace ext

using wire::handshake_header_size;
// Record sizes. src/record/protection.hpp has them too, but its namespace
// mtls::record would make `record` ambiguous in the tests that use both
// mtls and mtls::test (test::record, support/records.hpp).
inline constexpr std::size_t record_header_size = 5;                // RFC 5246 §6.2.1
inline constexpr std::size_t max_plaintext = 1u << 14;              // RFC 5246 §6.2.1
inline constexpr std::size_t max_ciphertext = max_plaintext + 2048; // RFC 5246 §6.2.3

/// A record: header (type, version, 16-bit length) and `body`.
inline bytes make_record(std::uint8_t type, std::span<const std::byte> body, std::uint16_t version = 0x0303)
{
    bytes r;
    put8(r, type);
    put16(r, version);
    put16(r, body.size());
    r.insert(r.end(), body.begin(), body.end());
    return r;
}

/// A handshake message: type, 24-bit length, `body`.
inline bytes make_handshake(std::uint8_t type, std::span<const std::byte> body)
{
    bytes m;
    put8(m, type);
    put24(m, body.size());
    m.insert(m.end(), body.begin(), body.end());
    return m;
}

/// A KeyUpdate (RFC 8446 §4.6.3) whose request_update is `request`, valid or not.
inline bytes key_update_message(int request)
{
    bytes body;
    put8(body, static_cast<std::size_t>(request));
    return make_handshake(msg::key_update, body);
}

/// Recomputes the 24-bit length of a handshake message after its body changed.
inline void fix_handshake_length(bytes& message) { set24(message, 1, message.size() - handshake_header_size); }

inline std::uint8_t message_type(const bytes& m) { return std::to_integer<std::uint8_t>(m.at(0)); }

/// Offsets inside a ClientHello or ServerHello message (header included).
struct hello_layout {
    std::size_t session_id = 0;   // its length byte
    std::size_t suites = 0;       // ClientHello: 2-byte list length; ServerHello: the suite
    std::size_t compression = 0;  // ClientHello: 1-byte list length; ServerHello: the method
    std::size_t extensions = 0;   // 2-byte block length; == size when absent
};

inline hello_layout layout_of(const bytes& m)
{
    hello_layout l;
    l.session_id = handshake_header_size + 2 + 32;
    l.suites = l.session_id + 1 + std::to_integer<std::size_t>(m.at(l.session_id));
    if (message_type(m) == msg::client_hello) {
        l.compression = l.suites + 2 + get16(m, l.suites);
        l.extensions = l.compression + 1 + std::to_integer<std::size_t>(m.at(l.compression));
    } else {
        l.compression = l.suites + 2;
        l.extensions = l.compression + 1;
    }
    return l;
}

/// Finds extension `type` in a hello: offset of its 4-byte header.
inline std::optional<std::size_t> find_extension(const bytes& hello, std::uint16_t type)
{
    auto l = layout_of(hello);
    if (l.extensions + 2 > hello.size())
        return std::nullopt;
    std::size_t off = l.extensions + 2;
    std::size_t end = off + get16(hello, l.extensions);
    while (off + 4 <= end) {
        if (get16(hello, off) == type)
            return off;
        off += 4 + get16(hello, off + 2);
    }
    return std::nullopt;
}

/// Removes extension `type` from a hello, fixing the block and message lengths.
inline bool remove_extension(bytes& hello, std::uint16_t type)
{
    auto at = find_extension(hello, type);
    if (!at)
        return false;
    auto l = layout_of(hello);
    std::size_t len = 4 + get16(hello, *at + 2);
    hello.erase(hello.begin() + static_cast<std::ptrdiff_t>(*at),
                hello.begin() + static_cast<std::ptrdiff_t>(*at + len));
    set16(hello, l.extensions, get16(hello, l.extensions) - len);
    fix_handshake_length(hello);
    return true;
}

/// The data of extension `type` in a hello, if present.
inline std::optional<bytes> extension_data(const bytes& hello, std::uint16_t type)
{
    auto at = find_extension(hello, type);
    if (!at)
        return std::nullopt;
    auto begin = hello.begin() + static_cast<std::ptrdiff_t>(*at + 4);
    return bytes(begin, begin + static_cast<std::ptrdiff_t>(get16(hello, *at + 2)));
}

/// Replaces the data of extension `type` in a hello, fixing all lengths.
inline bool replace_extension(bytes& hello, std::uint16_t type, const bytes& data)
{
    auto at = find_extension(hello, type);
    if (!at)
        return false;
    auto l = layout_of(hello);
    std::size_t old_len = get16(hello, *at + 2);
    auto begin = hello.begin() + static_cast<std::ptrdiff_t>(*at + 4);
    hello.erase(begin, begin + static_cast<std::ptrdiff_t>(old_len));
    hello.insert(hello.begin() + static_cast<std::ptrdiff_t>(*at + 4), data.begin(), data.end());
    set16(hello, *at + 2, data.size());
    set16(hello, l.extensions, get16(hello, l.extensions) - old_len + data.size());
    fix_handshake_length(hello);
    return true;
}

/// ServerHello.random of a HelloRetryRequest (RFC 8446 §4.1.3).
inline bytes hello_retry_random()
{
    return bytes(wire::hello_retry_request_random.begin(), wire::hello_retry_request_random.end());
}

/// The 32-byte random of a ClientHello or ServerHello message (header included).
inline bytes hello_random(const bytes& hello)
{
    return bytes(hello.begin() + handshake_header_size + 2, hello.begin() + handshake_header_size + 2 + 32);
}

/// The legacy_session_id (ClientHello) or legacy_session_id_echo (ServerHello).
inline bytes hello_session_id(const bytes& hello)
{
    auto l = layout_of(hello);
    auto begin = hello.begin() + static_cast<std::ptrdiff_t>(l.session_id + 1);
    return bytes(begin, begin + std::to_integer<std::ptrdiff_t>(hello.at(l.session_id)));
}

} // namespace mtls::test

#endif
