#ifndef MTLS_SRC_WIRE_EXTENSIONS_HPP
#define MTLS_SRC_WIRE_EXTENSIONS_HPP

// Hello, EncryptedExtensions and CertificateRequest extensions: one structure
// that a block parses into and encodes from, in the order of `present`.

#include "wire/codec.hpp"
#include "wire/types.hpp"

#include <mtls/error.hpp>
#include <mtls/types.hpp>

#include <algorithm>
#include <optional>
#include <string_view>
#include <vector>

namespace mtls::wire {

/// One KeyShareEntry (RFC 8446 §4.2.8).
struct key_share_entry {
    named_group group{};
    bytes_view key_exchange;

    bool operator==(const key_share_entry& o) const noexcept
    {
        return group == o.group &&
               std::equal(key_exchange.begin(), key_exchange.end(), o.key_exchange.begin(), o.key_exchange.end());
    }
};

/// One PskIdentity (RFC 8446 §4.2.11).
struct psk_identity {
    bytes_view identity; // <1..2^16-1>
    std::uint32_t obfuscated_ticket_age = 0;
};

/// pre_shared_key in a ClientHello (RFC 8446 §4.2.11): as many binders
/// (<32..255> each) as identities.
struct offered_psks {
    std::vector<psk_identity> identities;
    std::vector<bytes_view> binders;
};

/// Bytes the binders list of `psks` takes at the very end of a ClientHello,
/// its 2-byte length included: what Truncate(ClientHello) leaves out
/// (RFC 8446 §4.2.11.2).
std::size_t binders_size(const offered_psks& psks) noexcept;

/// Overwrites the binders list at the end of an encoded ClientHello `message`
/// (pre_shared_key is its last extension, encoded with binders of these
/// lengths). error::internal_error when the lengths do not match the tail.
error_code write_binders(std::span<std::byte> message, std::span<const bytes_view> binders);

/// psk_key_exchange_modes values (RFC 8446 §4.2.9).
inline constexpr std::uint8_t psk_ke = 0;
inline constexpr std::uint8_t psk_dhe_ke = 1;

/// An extension mtls does not decode, kept as its body.
struct raw_extension {
    std::uint16_t type = 0;
    bytes_view body;
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
/// CertificateRequest. `present` lists every extension in block order; the
/// fields hold their values. The `add_*` calls set a field and append its
/// type, so a sender builds the block it means in the order it means:
///
///     hello_extensions ext;
///     ext.add_key_share({group, public_key}).add_supported_versions({version_tls13});
struct hello_extensions {
    std::optional<std::string_view> server_name;    // host_name entry
    std::optional<std::vector<named_group>> groups; // raw values kept, unknown never match
    std::optional<bytes_view> ec_point_formats;
    std::optional<std::vector<signature_scheme>> signature_schemes;
    bool extended_master_secret = false;
    std::optional<bytes_view> renegotiation_info; // the renegotiated_connection field
    std::optional<std::vector<std::uint16_t>> supported_versions;
    std::optional<std::vector<key_share_entry>> key_shares; // ClientHello
    std::optional<key_share_entry> key_share;               // ServerHello
    std::optional<named_group> selected_group;              // HelloRetryRequest
    std::optional<bytes_view> cookie;
    std::optional<std::vector<bytes_view>> authorities; // certificate_authorities
    std::optional<std::vector<signature_scheme>> signature_schemes_cert;
    /// RFC 5077 §3.2: the ticket in a ClientHello (empty: asks for one);
    /// always empty in a ServerHello.
    std::optional<bytes_view> session_ticket;
    std::optional<std::vector<std::uint8_t>> psk_modes; // psk_key_exchange_modes <1..255>
    /// pre_shared_key: the offer in a ClientHello, where it must come last
    /// (RFC 8446 §4.2.11), and the selected_identity in a ServerHello.
    std::optional<offered_psks> psks;
    std::optional<std::uint16_t> selected_psk;
    /// RFC 7301 §3.1: the protocols a client offers; exactly one, the
    /// selected, in a ServerHello or EncryptedExtensions.
    std::optional<std::vector<std::string_view>> alpn;
    /// Extensions without a field above (unknown ones, early_data, ...), and
    /// session_ticket, psk_key_exchange_modes and pre_shared_key outside the
    /// hellos that define them, in block order, so a parsed block encodes
    /// back to the same bytes.
    std::vector<raw_extension> other;
    /// Types of every extension present, in order (known or not).
    std::vector<std::uint16_t> present;

    bool has(extension_type t) const noexcept;

    /// server_name with one host_name (RFC 6066 §3), for a ClientHello.
    hello_extensions& add_server_name(std::string_view host)
    {
        return set(server_name, host, extension_type::server_name);
    }
    hello_extensions& add_groups(std::vector<named_group> v)
    {
        return set(groups, std::move(v), extension_type::supported_groups);
    }
    hello_extensions& add_ec_point_formats(bytes_view v)
    {
        return set(ec_point_formats, v, extension_type::ec_point_formats);
    }
    hello_extensions& add_signature_schemes(std::vector<signature_scheme> v)
    {
        return set(signature_schemes, std::move(v), extension_type::signature_algorithms);
    }
    hello_extensions& add_renegotiation_info(bytes_view renegotiated_connection)
    {
        return set(renegotiation_info, renegotiated_connection, extension_type::renegotiation_info);
    }
    /// A list in a ClientHello; exactly one version in a ServerHello or HRR.
    hello_extensions& add_supported_versions(std::vector<std::uint16_t> v)
    {
        return set(supported_versions, std::move(v), extension_type::supported_versions);
    }
    hello_extensions& add_key_shares(std::vector<key_share_entry> v)
    {
        return set(key_shares, std::move(v), extension_type::key_share);
    }
    hello_extensions& add_key_share(key_share_entry e) { return set(key_share, e, extension_type::key_share); }
    hello_extensions& add_selected_group(named_group g) { return set(selected_group, g, extension_type::key_share); }
    hello_extensions& add_cookie(bytes_view c) { return set(cookie, c, extension_type::cookie); }
    hello_extensions& add_authorities(std::vector<bytes_view> names)
    {
        return set(authorities, std::move(names), extension_type::certificate_authorities);
    }
    hello_extensions& add_signature_schemes_cert(std::vector<signature_scheme> v)
    {
        return set(signature_schemes_cert, std::move(v), extension_type::signature_algorithms_cert);
    }
    hello_extensions& add_alpn(std::vector<std::string_view> protocols)
    {
        return set(alpn, std::move(protocols), extension_type::application_layer_protocol_negotiation);
    }
    hello_extensions& add_session_ticket(bytes_view ticket)
    {
        return set(session_ticket, ticket, extension_type::session_ticket);
    }
    hello_extensions& add_psk_modes(std::vector<std::uint8_t> modes)
    {
        return set(psk_modes, std::move(modes), extension_type::psk_key_exchange_modes);
    }
    /// Must be the last add_ call for a ClientHello.
    hello_extensions& add_psks(offered_psks p) { return set(psks, std::move(p), extension_type::pre_shared_key); }
    hello_extensions& add_selected_psk(std::uint16_t index)
    {
        return set(selected_psk, index, extension_type::pre_shared_key);
    }
    /// An extension with an empty body where mtls sends it: extended_master_secret
    /// (also sets the flag), early_data, post_handshake_auth, and server_name
    /// as a server's acknowledgement (RFC 6066 §3).
    hello_extensions& add_empty(extension_type t);
    /// Any extension, body given as is (kept as a view: it must outlive the encoding).
    hello_extensions& add_raw(std::uint16_t type, bytes_view body);

private:
    template <class Field, class Value>
    hello_extensions& set(Field& field, Value&& v, extension_type t)
    {
        field = std::forward<Value>(v);
        present.push_back(static_cast<std::uint16_t>(t));
        return *this;
    }
};

/// Parses an extensions block body (without its 2-byte length) into a fresh
/// `out`. Rejects duplicates (RFC 8446 §4.2, RFC 5246 §7.4.1.4), in time
/// linear in the number of extensions, and malformed known ones.
error_code parse_extensions(bytes_view block, extensions_in in, hello_extensions& out);

/// Writes an extensions block with its 2-byte length: every type in
/// `ext.present`, in that order, its body from the matching field (an entry of
/// `ext.other` of that type comes first), in the form `in` calls for.
/// A type with no value to write from, or a block longer than its length
/// prefix, is a bug in the caller, never the peer's doing: it returns
/// error::internal_error, so the handshake fails cleanly rather than send a
/// malformed message (an assertion would vanish in release builds).
error_code encode_extensions(writer& w, const hello_extensions& ext, extensions_in in);

} // namespace mtls::wire

#endif
