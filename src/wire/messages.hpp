#ifndef MTLS_SRC_WIRE_MESSAGES_HPP
#define MTLS_SRC_WIRE_MESSAGES_HPP

// Handshake messages: one parse/encode pair per message, over one structure,
// so that what a parser produces encodes back to the same body. Parsed
// structures hold views into the message buffer they were parsed from; an
// encoder writes a message body, which the caller wraps with
// encode_handshake. This is the header users include (it brings the
// extensions and the protocol numbers along).

#include "wire/codec.hpp"
#include "wire/extensions.hpp"
#include "wire/types.hpp"

#include <mtls/error.hpp>
#include <mtls/types.hpp>

#include <optional>
#include <span>
#include <vector>

namespace mtls::wire {

/// Writes a handshake header (type, 24-bit length) around what `body(w)` writes:
/// one of the `encode_*` message bodies below.
template <class Body>
void encode_handshake(std::vector<std::byte>& out, handshake_type t, Body&& body)
{
    writer w(out);
    w.u8(static_cast<std::uint8_t>(t));
    w.prefixed(3, [&] { body(w); });
}

/// ClientHello (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2).
struct client_hello {
    std::uint16_t legacy_version = 0;
    random_bytes random{};
    bytes_view session_id;
    std::vector<std::uint16_t> cipher_suites;
    bytes_view compression_methods;
    hello_extensions ext;
};
error_code parse_client_hello(bytes_view body, client_hello& out);
/// The extensions block is always written, empty or not.
error_code encode_client_hello(writer& w, const client_hello& in);

/// ServerHello (RFC 8446 §4.1.3, RFC 5246 §7.4.1.3) or HelloRetryRequest.
struct server_hello {
    std::uint16_t legacy_version = 0;
    random_bytes random{};
    bytes_view session_id;
    std::uint16_t cipher_suite = 0;
    std::uint8_t compression_method = 0;
    /// The random is hello_retry_request_random: extensions parsed as HRR ones.
    /// The encoder writes that random, whatever `random` holds.
    bool hello_retry = false;
    hello_extensions ext;
};
error_code parse_server_hello(bytes_view body, server_hello& out);
/// The extensions block is always written, empty or not.
error_code encode_server_hello(writer& w, const server_hello& in);

/// EncryptedExtensions (RFC 8446 §4.3.1).
error_code parse_encrypted_extensions(bytes_view body, hello_extensions& out);
error_code encode_encrypted_extensions(writer& w, const hello_extensions& in);

/// Certificate in TLS 1.3 (RFC 8446 §4.4.2): the request context and the
/// certificates' DER (per-entry extensions are checked for form only).
struct certificate13 {
    bytes_view request_context;
    std::vector<bytes_view> chain;
    /// Some entry carried extensions.
    bool entry_extensions = false;
};
error_code parse_certificate13(bytes_view body, certificate13& out);
/// Every entry goes out with empty extensions; `entry_extensions` is ignored.
void encode_certificate13(writer& w, const certificate13& in);

/// The longest prefix of `names` whose DistinguishedName list body (2 + size
/// per name) fits `budget` bytes: what a CertificateRequest may advertise of
/// the trust anchors (RFC 5246 §7.4.4, RFC 8446 §4.2.4).
std::span<const bytes_view> names_within(std::span<const bytes_view> names, std::size_t budget) noexcept;

/// CertificateRequest in TLS 1.3 (RFC 8446 §4.3.2).
struct certificate_request13 {
    bytes_view request_context;
    hello_extensions ext;
};
error_code parse_certificate_request13(bytes_view body, certificate_request13& out);
error_code encode_certificate_request13(writer& w, const certificate_request13& in);

/// NewSessionTicket in TLS 1.3 (RFC 8446 §4.6.1).
struct new_session_ticket13 {
    std::uint32_t lifetime = 0; // seconds
    std::uint32_t age_add = 0;
    bytes_view nonce;  // <0..255>
    bytes_view ticket; // <1..2^16-1>
    /// early_data's max_early_data_size, when the extension is present. mtls
    /// never sends early data; it is parsed so the message is checked whole.
    std::optional<std::uint32_t> max_early_data;
};
/// Unknown extensions are skipped (§4.6.1: ignored); a duplicate is refused.
error_code parse_new_session_ticket13(bytes_view body, new_session_ticket13& out);
/// Writes `max_early_data` as an early_data extension when set.
void encode_new_session_ticket13(writer& w, const new_session_ticket13& in);

/// NewSessionTicket in TLS 1.2 (RFC 5077 §3.3).
struct new_session_ticket12 {
    std::uint32_t lifetime_hint = 0; // seconds; 0: unspecified
    bytes_view ticket;               // <0..2^16-1>
};
error_code parse_new_session_ticket12(bytes_view body, new_session_ticket12& out);
void encode_new_session_ticket12(writer& w, const new_session_ticket12& in);

/// KeyUpdate (RFC 8446 §4.6.3).
error_code parse_key_update(bytes_view body, key_update_request& out);
void encode_key_update(writer& w, key_update_request request);

/// Certificate (RFC 5246 §7.4.2): DER certificates, the sender's first.
error_code parse_certificate12(bytes_view body, std::vector<bytes_view>& chain);
void encode_certificate12(writer& w, std::span<const bytes_view> chain);

/// ServerKeyExchange for ECDHE (RFC 8422 §5.4).
struct server_key_exchange {
    named_group group{};
    bytes_view public_key;
    bytes_view params; // curve_type..public key: what the signature covers
    signature_scheme scheme{};
    bytes_view signature;
};
error_code parse_server_key_exchange(bytes_view body, server_key_exchange& out);
/// ServerECDHParams alone (curve_type, group, public key): what the server
/// signs, after both randoms, before the message exists (RFC 8422 §5.4).
void encode_ecdhe_params(writer& w, named_group group, bytes_view public_key);
/// The params from `group` and `public_key` (`params` is ignored), then the signature.
void encode_server_key_exchange(writer& w, const server_key_exchange& in);

/// CertificateRequest (RFC 5246 §7.4.4).
struct certificate_request12 {
    bytes_view certificate_types;
    std::vector<signature_scheme> schemes;
    std::vector<bytes_view> authorities;
};
error_code parse_certificate_request12(bytes_view body, certificate_request12& out);
void encode_certificate_request12(writer& w, const certificate_request12& in);

/// ServerHelloDone (RFC 5246 §7.4.5): an empty body, so nothing to write.
inline void encode_server_hello_done(writer&) noexcept
{}

/// ClientKeyExchange for ECDHE (RFC 8422 §5.7): the client's public key.
error_code parse_client_key_exchange(bytes_view body, bytes_view& public_key);
void encode_client_key_exchange(writer& w, bytes_view public_key);

/// A digitally-signed struct: CertificateVerify (RFC 5246 §7.4.8, RFC 8446 §4.4.3).
struct signed_data {
    signature_scheme scheme{};
    bytes_view signature;
};
error_code parse_certificate_verify(bytes_view body, signed_data& out);
void encode_certificate_verify(writer& w, const signed_data& in);

/// Finished (RFC 5246 §7.4.9, RFC 8446 §4.4.4): verify_data, unframed. The
/// receiver compares the body whole against what it computed.
void encode_finished(writer& w, bytes_view verify_data);

} // namespace mtls::wire

#endif
