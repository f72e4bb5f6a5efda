#ifndef MTLS_SRC_WIRE_TYPES_HPP
#define MTLS_SRC_WIRE_TYPES_HPP

// Protocol numbers on the wire: content and message types, extension types,
// version values and the fixed byte strings the handshake compares against.

#include <array>
#include <cstddef>
#include <cstdint>

namespace mtls::wire {

enum class content_type : std::uint8_t {
    change_cipher_spec = 20,
    alert = 21,
    handshake = 22,
    application_data = 23,
};

enum class handshake_type : std::uint8_t {
    hello_request = 0,
    client_hello = 1,
    server_hello = 2,
    new_session_ticket = 4,
    end_of_early_data = 5,
    encrypted_extensions = 8,
    certificate = 11,
    server_key_exchange = 12,
    certificate_request = 13,
    server_hello_done = 14,
    certificate_verify = 15,
    client_key_exchange = 16,
    finished = 20,
    key_update = 24,
    message_hash = 254,
};

/// The message's name in the RFCs; null for a type no peer may send.
const char* to_string(handshake_type t) noexcept;

/// The largest body a message of type `t` may have, `max_certificate_list`
/// for a Certificate: what a receiver accepts before buffering a message.
std::size_t max_body_size(handshake_type t, std::size_t max_certificate_list) noexcept;

enum class extension_type : std::uint16_t {
    server_name = 0,
    supported_groups = 10,
    ec_point_formats = 11,
    signature_algorithms = 13,
    application_layer_protocol_negotiation = 16,
    extended_master_secret = 23,
    session_ticket = 35,
    pre_shared_key = 41,
    early_data = 42,
    supported_versions = 43,
    cookie = 44,
    psk_key_exchange_modes = 45,
    certificate_authorities = 47,
    post_handshake_auth = 49,
    signature_algorithms_cert = 50,
    key_share = 51,
    renegotiation_info = 0xff01,
};

/// ProtocolVersion values (RFC 5246 §6.2.1, RFC 8446 §4.2.1): 1.2 is also
/// every TLS 1.3 legacy_version and record version.
inline constexpr std::uint16_t version_tls12 = 0x0303;
inline constexpr std::uint16_t version_tls13 = 0x0304;

inline constexpr std::size_t handshake_header_size = 4;
inline constexpr std::size_t random_size = 32;
using random_bytes = std::array<std::byte, random_size>;

/// RFC 5746 §3.3: the SCSV a client may send instead of the extension.
inline constexpr std::uint16_t empty_renegotiation_info_scsv = 0x00FF;

/// ServerHello.random of a HelloRetryRequest: SHA-256("HelloRetryRequest") (RFC 8446 §4.1.3).
extern const random_bytes hello_retry_request_random;
/// Last 8 bytes of ServerHello.random from a TLS 1.3-capable server that
/// negotiated TLS 1.2 / TLS 1.1 or below (RFC 8446 §4.1.3).
extern const std::array<std::byte, 8> downgrade_tls12;
extern const std::array<std::byte, 8> downgrade_tls11;

/// ec_point_formats holding `uncompressed` alone (RFC 8422 §5.1.2), and
/// compression_methods holding `null` alone (RFC 8446 §4.1.2).
inline constexpr std::array<std::byte, 1> point_formats_uncompressed{std::byte{0}};
inline constexpr std::array<std::byte, 1> compression_null{std::byte{0}};

/// Certificates one Certificate message may carry, whatever the verify mode:
/// the deepest chain mtls verifies (leaf, max_verify_depth intermediates,
/// anchor) with room for extra certificates some servers send. More fails
/// with error::certificate_list_too_long before any is parsed.
inline constexpr std::size_t max_certificate_entries = 16;

/// KeyUpdate (RFC 8446 §4.6.3).
enum class key_update_request : std::uint8_t { update_not_requested = 0, update_requested = 1 };

/// Certificate type codes for CertificateRequest (RFC 5246 §7.4.4, RFC 8422 §5.5).
inline constexpr std::uint8_t cert_type_rsa_sign = 1;
inline constexpr std::uint8_t cert_type_ecdsa_sign = 64;

/// ECCurveType named_curve (RFC 8422 §5.4).
inline constexpr std::uint8_t curve_type_named = 3;

} // namespace mtls::wire

#endif
