#ifndef MTLS_SRC_WIRE_MESSAGES_HPP
#define MTLS_SRC_WIRE_MESSAGES_HPP

// Handshake messages and extensions: one parse/encode pair per message.
// Parsed structures hold views into the message buffer they were parsed from.

#include "wire/codec.hpp"

#include <mtls/error.hpp>
#include <mtls/types.hpp>

#include <array>
#include <optional>
#include <string_view>
#include <vector>

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

const char* to_string(handshake_type t) noexcept;

enum class extension_type : std::uint16_t {
    server_name = 0,
    supported_groups = 10,
    ec_point_formats = 11,
    signature_algorithms = 13,
    extended_master_secret = 23,
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

inline constexpr std::size_t handshake_header_size = 4;
inline constexpr std::size_t random_size = 32;
using random_bytes = std::array<std::byte, random_size>;

/// RFC 5746 §3.3: the SCSV a client may send instead of the extension.
inline constexpr std::uint16_t empty_renegotiation_info_scsv = 0x00FF;

/// Writes a handshake header (type, 24-bit length) around what `body` writes.
template <class Body>
void encode_handshake(std::vector<std::byte>& out, handshake_type t, Body&& body)
{
    writer w(out);
    w.u8(static_cast<std::uint8_t>(t));
    auto len = w.open(3);
    body(w);
    w.close(len);
}

/// ServerHello.random of a HelloRetryRequest: SHA-256("HelloRetryRequest") (RFC 8446 §4.1.3).
extern const random_bytes hello_retry_request_random;
/// Last 8 bytes of ServerHello.random from a TLS 1.3-capable server that
/// negotiated TLS 1.2 / TLS 1.1 or below (RFC 8446 §4.1.3).
extern const std::array<std::byte, 8> downgrade_tls12;
extern const std::array<std::byte, 8> downgrade_tls11;

/// One KeyShareEntry (RFC 8446 §4.2.8).
struct key_share_entry {
    named_group group{};
    bytes_view key_exchange;
};

/// Where an extensions block sits; it decides how some extensions are encoded.
enum class extensions_in : std::uint8_t {
    client_hello,
    server_hello,
    hello_retry_request,
    encrypted_extensions,
    certificate_request,
};

/// Extensions mtls understands, as parsed from a hello, EncryptedExtensions or
/// CertificateRequest.
struct hello_extensions {
    std::optional<std::string_view> server_name;      // host_name entry
    std::optional<std::vector<named_group>> groups;   // raw values kept, unknown never match
    std::optional<bytes_view> ec_point_formats;
    std::optional<std::vector<signature_scheme>> signature_schemes;
    bool extended_master_secret = false;
    std::optional<bytes_view> renegotiation_info;     // the renegotiated_connection field
    std::optional<std::vector<std::uint16_t>> supported_versions;
    std::optional<std::vector<key_share_entry>> key_shares; // ClientHello
    std::optional<key_share_entry> key_share;               // ServerHello
    std::optional<named_group> selected_group;              // HelloRetryRequest
    std::optional<bytes_view> cookie;
    std::optional<std::vector<bytes_view>> authorities;     // certificate_authorities
    std::optional<std::vector<signature_scheme>> signature_schemes_cert;
    /// Types of every extension present, in order (known or not).
    std::vector<std::uint16_t> present;

    bool has(extension_type t) const noexcept;
};

/// Parses an extensions block body (without its 2-byte length) into a fresh
/// `out`. Rejects duplicates (RFC 8446 §4.2, RFC 5246 §7.4.1.4), in time
/// linear in the number of extensions, and malformed known ones.
error_code parse_extensions(bytes_view block, extensions_in in, hello_extensions& out);

struct client_hello {
    std::uint16_t legacy_version = 0;
    random_bytes random{};
    bytes_view session_id;
    std::vector<std::uint16_t> cipher_suites;
    bytes_view compression_methods;
    hello_extensions ext;
};
error_code parse_client_hello(bytes_view body, client_hello& out);

struct server_hello {
    std::uint16_t legacy_version = 0;
    random_bytes random{};
    bytes_view session_id;
    std::uint16_t cipher_suite = 0;
    std::uint8_t compression_method = 0;
    /// The random is hello_retry_request_random: extensions parsed as HRR ones.
    bool hello_retry = false;
    hello_extensions ext;
};
error_code parse_server_hello(bytes_view body, server_hello& out);

/// EncryptedExtensions (RFC 8446 §4.3.1).
error_code parse_encrypted_extensions(bytes_view body, hello_extensions& out);

/// Certificates one Certificate message may carry, whatever the verify mode:
/// the deepest chain mtls verifies (leaf, max_verify_depth intermediates,
/// anchor) with room for extra certificates some servers send. More fails
/// with error::certificate_list_too_long before any is parsed.
inline constexpr std::size_t max_certificate_entries = 16;

/// Certificate in TLS 1.3 (RFC 8446 §4.4.2): the request context and the
/// certificates' DER (per-entry extensions are checked for form only).
struct certificate13 {
    bytes_view request_context;
    std::vector<bytes_view> chain;
    /// Some entry carried extensions.
    bool entry_extensions = false;
};
error_code parse_certificate13(bytes_view body, certificate13& out);

/// CertificateRequest in TLS 1.3 (RFC 8446 §4.3.2).
struct certificate_request13 {
    bytes_view request_context;
    hello_extensions ext;
};
error_code parse_certificate_request13(bytes_view body, certificate_request13& out);

/// NewSessionTicket (RFC 8446 §4.6.1), checked for form only until resumption lands.
error_code parse_new_session_ticket(bytes_view body);

/// KeyUpdate (RFC 8446 §4.6.3).
enum class key_update_request : std::uint8_t { update_not_requested = 0, update_requested = 1 };
error_code parse_key_update(bytes_view body, key_update_request& out);

/// Certificate (RFC 5246 §7.4.2): DER certificates, the sender's first.
error_code parse_certificate12(bytes_view body, std::vector<bytes_view>& chain);

/// ServerKeyExchange for ECDHE (RFC 8422 §5.4).
struct server_key_exchange {
    named_group group{};
    bytes_view public_key;
    bytes_view params;   // curve_type..public key: what the signature covers
    signature_scheme scheme{};
    bytes_view signature;
};
error_code parse_server_key_exchange(bytes_view body, server_key_exchange& out);

/// CertificateRequest (RFC 5246 §7.4.4).
struct certificate_request12 {
    bytes_view certificate_types;
    std::vector<signature_scheme> schemes;
    std::vector<bytes_view> authorities;
};
error_code parse_certificate_request12(bytes_view body, certificate_request12& out);

/// ClientKeyExchange for ECDHE (RFC 8422 §5.7): the client's public key.
error_code parse_client_key_exchange(bytes_view body, bytes_view& public_key);

/// A digitally-signed struct: CertificateVerify (RFC 5246 §7.4.8, RFC 8446 §4.4.3).
struct signed_data {
    signature_scheme scheme{};
    bytes_view signature;
};
error_code parse_certificate_verify(bytes_view body, signed_data& out);

/// Certificate type codes for CertificateRequest (RFC 5246 §7.4.4, RFC 8422 §5.5).
inline constexpr std::uint8_t cert_type_rsa_sign = 1;
inline constexpr std::uint8_t cert_type_ecdsa_sign = 64;

/// ECCurveType named_curve (RFC 8422 §5.4).
inline constexpr std::uint8_t curve_type_named = 3;

} // namespace mtls::wire

#endif
