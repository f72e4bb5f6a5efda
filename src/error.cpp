#include <mtls/error.hpp>

#include "enum_check.hpp"
#include "error_detail.hpp"
#include "wire/types.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <string>

namespace mtls {
namespace {

// One row per mtls::error, in enumerator order: what its message says, the
// alert this end sends when failing with it, and its broad class.
struct error_row {
    error id;
    const char* message;
    alert sent;
    condition kind;
};

constexpr std::array<error_row, 95> errors{{
    {error::stream_truncated, "stream truncated: peer closed the transport without close_notify",
     alert::close_notify, condition::closed},
    {error::not_connected, "operation needs a completed TLS handshake",
     alert::close_notify, condition::closed},
    {error::connection_closed, "the TLS connection is closed",
     alert::close_notify, condition::closed},
    {error::handshake_timeout, "TLS handshake timed out",
     alert::user_canceled, condition::local_error},
    {error::record_overflow, "record_overflow: record exceeds the maximum size",
     alert::record_overflow, condition::protocol_error},
    {error::bad_record_mac, "bad_record_mac: record failed authentication",
     alert::bad_record_mac, condition::protocol_error},
    {error::unknown_content_type, "unexpected_message: record of unknown content type",
     alert::unexpected_message, condition::protocol_error},
    {error::bad_record_version, "protocol_version: record header carries an unexpected version",
     alert::protocol_version, condition::protocol_error},
    {error::empty_record, "unexpected_message: empty record where content is required",
     alert::unexpected_message, condition::protocol_error},
    {error::handshake_message_too_large, "illegal_parameter: handshake message longer than mtls accepts for its type",
     alert::illegal_parameter, condition::protocol_error},
    {error::unexpected_record, "unexpected_message: record of a type not allowed at this point",
     alert::unexpected_message, condition::protocol_error},
    {error::no_inner_content_type, "unexpected_message: protected record holds only padding, no content type",
     alert::unexpected_message, condition::protocol_error},
    {error::unexpected_change_cipher_spec, "unexpected_message: ChangeCipherSpec where none is allowed",
     alert::unexpected_message, condition::protocol_error},
    {error::message_spans_key_change, "unexpected_message: handshake message split across a key change",
     alert::unexpected_message, condition::protocol_error},
    {error::handshake_fragments_interleaved, "unexpected_message: another record arrived between the fragments of a handshake message",
     alert::unexpected_message, condition::protocol_error},
    {error::bad_change_cipher_spec, "unexpected_message: ChangeCipherSpec record is not the single byte 1",
     alert::unexpected_message, condition::protocol_error},
    {error::too_many_records_without_progress, "unexpected_message: too many records in a row that carry no data",
     alert::unexpected_message, condition::protocol_error},
    {error::too_much_early_data, "unexpected_message: peer sent more rejected early data than mtls skips",
     alert::unexpected_message, condition::protocol_error},
    {error::unexpected_message, "unexpected_message: handshake message not allowed in this state",
     alert::unexpected_message, condition::protocol_error},
    {error::decode_error, "decode_error: malformed message",
     alert::decode_error, condition::protocol_error},
    {error::trailing_data, "decode_error: message has trailing bytes",
     alert::decode_error, condition::protocol_error},
    {error::duplicate_extension, "illegal_parameter: an extension appears twice",
     alert::illegal_parameter, condition::protocol_error},
    {error::unsupported_extension, "unsupported_extension: peer sent an extension it may not send",
     alert::unsupported_extension, condition::protocol_error},
    {error::forbidden_extension, "illegal_parameter: an extension not allowed in this message",
     alert::illegal_parameter, condition::protocol_error},
    {error::missing_extension, "missing_extension: a required extension is absent",
     alert::missing_extension, condition::protocol_error},
    {error::renegotiation_info_invalid, "handshake_failure: renegotiation_info is not empty on an initial handshake",
     alert::handshake_failure, condition::protocol_error},
    {error::protocol_version, "protocol_version: no TLS version in common",
     alert::protocol_version, condition::negotiation_error},
    {error::no_shared_cipher, "handshake_failure: no cipher suite in common",
     alert::handshake_failure, condition::negotiation_error},
    {error::no_shared_group, "handshake_failure: no key exchange group in common",
     alert::handshake_failure, condition::negotiation_error},
    {error::no_shared_signature_scheme, "handshake_failure: no signature scheme in common",
     alert::handshake_failure, condition::negotiation_error},
    {error::compression_not_null, "illegal_parameter: compression is not supported",
     alert::illegal_parameter, condition::protocol_error},
    {error::ems_required, "handshake_failure: peer does not support extended master secret (RFC 7627)",
     alert::handshake_failure, condition::negotiation_error},
    {error::illegal_parameter, "illegal_parameter: a field holds a value that is not allowed",
     alert::illegal_parameter, condition::protocol_error},
    {error::downgrade_detected, "illegal_parameter: downgrade to an older TLS version detected",
     alert::illegal_parameter, condition::protocol_error},
    {error::version_not_offered, "illegal_parameter: ServerHello selects a TLS version that was not offered",
     alert::illegal_parameter, condition::protocol_error},
    {error::suite_not_offered, "illegal_parameter: ServerHello selects a cipher suite that was not offered",
     alert::illegal_parameter, condition::protocol_error},
    {error::bad_key_share, "illegal_parameter: key share for a group that was not offered or not asked for",
     alert::illegal_parameter, condition::protocol_error},
    {error::bad_hello_retry, "illegal_parameter: HelloRetryRequest asks for a group not offered or already shared",
     alert::illegal_parameter, condition::protocol_error},
    {error::hello_retry_mismatch, "illegal_parameter: hello contradicts the HelloRetryRequest before it",
     alert::illegal_parameter, condition::protocol_error},
    {error::cookie_mismatch, "illegal_parameter: second ClientHello does not return the HelloRetryRequest's cookie",
     alert::illegal_parameter, condition::protocol_error},
    {error::session_id_not_echoed, "illegal_parameter: ServerHello does not echo the ClientHello's legacy_session_id",
     alert::illegal_parameter, condition::protocol_error},
    {error::bad_key_update, "illegal_parameter: KeyUpdate with an invalid request value",
     alert::illegal_parameter, condition::protocol_error},
    {error::invalid_key_share, "illegal_parameter: invalid ECDHE public key",
     alert::illegal_parameter, condition::protocol_error},
    {error::bad_key_exchange_signature, "decrypt_error: ServerKeyExchange signature does not verify",
     alert::decrypt_error, condition::protocol_error},
    {error::bad_certificate_verify, "decrypt_error: CertificateVerify signature does not verify",
     alert::decrypt_error, condition::protocol_error},
    {error::bad_finished, "decrypt_error: Finished verify_data does not match",
     alert::decrypt_error, condition::protocol_error},
    {error::peer_certificate_required, "peer sent no certificate but one is required",
     alert::handshake_failure, condition::certificate_error},
    {error::bad_certificate, "bad_certificate: peer certificate cannot be parsed",
     alert::bad_certificate, condition::certificate_error},
    {error::unsupported_certificate, "unsupported_certificate: peer certificate key type not supported",
     alert::unsupported_certificate, condition::certificate_error},
    {error::certificate_untrusted, "peer certificate not trusted: unknown CA",
     alert::unknown_ca, condition::certificate_error},
    {error::certificate_expired, "peer certificate expired",
     alert::certificate_expired, condition::certificate_error},
    {error::certificate_not_yet_valid, "peer certificate not yet valid",
     alert::certificate_expired, condition::certificate_error},
    {error::certificate_bad_purpose, "peer certificate not valid for this purpose (key usage or extended key usage)",
     alert::unsupported_certificate, condition::certificate_error},
    {error::certificate_host_mismatch, "peer certificate does not match the host name",
     alert::bad_certificate, condition::certificate_error},
    {error::certificate_rejected, "peer certificate rejected by the verify callback",
     alert::certificate_unknown, condition::certificate_error},
    {error::no_certificate_for_peer, "no local certificate acceptable to the peer",
     alert::handshake_failure, condition::certificate_error},
    {error::certificate_chain_too_long, "bad_certificate: peer certificate chain is longer than the verify depth",
     alert::bad_certificate, condition::certificate_error},
    {error::certificate_list_too_long, "bad_certificate: Certificate message holds more certificates than mtls accepts",
     alert::bad_certificate, condition::certificate_error},
    {error::no_application_protocol, "no_application_protocol: no application protocol (ALPN) in common",
     alert::no_application_protocol, condition::negotiation_error},
    {error::alpn_not_offered, "illegal_parameter: server selects an application protocol (ALPN) that was not offered",
     alert::illegal_parameter, condition::protocol_error},
    {error::bad_psk_binder, "decrypt_error: PSK binder does not verify",
     alert::decrypt_error, condition::protocol_error},
    {error::psk_not_offered, "illegal_parameter: ServerHello selects a PSK identity that was not offered",
     alert::illegal_parameter, condition::protocol_error},
    {error::resumption_mismatch, "illegal_parameter: server resumed the session with another version or cipher suite",
     alert::illegal_parameter, condition::protocol_error},
    {error::ems_resumption_without_ems,
     "handshake_failure: ClientHello resumes an extended master secret session without the extension (RFC 7627)",
     alert::handshake_failure, condition::protocol_error},
    {error::bad_session, "session bytes are malformed or were not written by this version of mtls",
     alert::internal_error, condition::local_error},
    {error::bad_ticket_keys, "ticket keys must be 1 to 8 records of 48 bytes (16-byte name, 32-byte key) with distinct names",
     alert::internal_error, condition::local_error},
    {error::invalid_configuration, "invalid TLS configuration",
     alert::internal_error, condition::local_error},
    {error::crypto_failure, "internal_error: the crypto provider failed",
     alert::internal_error, condition::local_error},
    {error::internal_error, "internal_error: unexpected state in mtls",
     alert::internal_error, condition::local_error},
    {error::unrecognized_server_name, "unrecognized_name: no certificate for the requested server name (SNI)",
     alert::unrecognized_name, condition::negotiation_error},
    {error::exporter_without_ems,
     "keying material exporter refused: TLS 1.2 connection without extended master secret (RFC 7627 §5.4)",
     alert::internal_error, condition::local_error},
    {error::exporter_label_reserved,
     "keying material exporter refused: the label is one the TLS 1.2 PRF uses itself (RFC 5705 §4)",
     alert::internal_error, condition::local_error},
    {error::exporter_input_too_long,
     "keying material exporter: label longer than 249 bytes, or TLS 1.2 context longer than 65535 bytes",
     alert::internal_error, condition::local_error},
    {error::exporter_output_too_long,
     "keying material exporter: output longer than 255 hash lengths (TLS 1.3) or 16384 bytes (TLS 1.2)",
     alert::internal_error, condition::local_error},
    {error::certificate_revoked, "peer certificate revoked",
     alert::certificate_revoked, condition::certificate_error},
    // A CRL this end cannot rely on is no fault of the peer's certificate:
    // certificate_unknown, "some other issue" (RFC 8446 §6.2).
    {error::crl_expired, "certificate revocation list expired",
     alert::certificate_unknown, condition::certificate_error},
    {error::crl_not_yet_valid, "certificate revocation list not yet valid",
     alert::certificate_unknown, condition::certificate_error},
    {error::crl_untrusted, "certificate revocation list signature does not verify under its issuer's key",
     alert::certificate_unknown, condition::certificate_error},
    {error::bad_crl, "certificate revocation list cannot be parsed",
     alert::internal_error, condition::local_error},
    // RFC 8446 §6.2, RFC 5246 §7.2.2: access_denied, "a valid certificate
    // was received, but when access control was applied, the sender decided
    // not to proceed".
    {error::peer_identity_mismatch, "access_denied: peer certificate does not carry the required identity (DNS name or URI)",
     alert::access_denied, condition::certificate_error},
    {error::key_mismatch, "key values mismatch: the private key does not match the certificate",
     alert::internal_error, condition::local_error},
    {error::key_password_wrong, "bad decrypt: wrong password for the encrypted private key",
     alert::internal_error, condition::local_error},
    {error::key_password_missing, "private key is encrypted and no password callback is set",
     alert::internal_error, condition::local_error},
    {error::key_is_certificate, "expected a private key but the input is a certificate",
     alert::internal_error, condition::local_error},
    {error::pem_loaded_as_der, "input is PEM but was loaded as DER (pass mtls::context::pem)",
     alert::internal_error, condition::local_error},
    {error::not_pem, "input is not PEM: no -----BEGIN line (pass mtls::context::asn1 for DER)",
     alert::internal_error, condition::local_error},
    {error::bad_private_key, "private key cannot be parsed",
     alert::internal_error, condition::local_error},
    {error::unsupported_key_encryption, "private key is encrypted with a scheme mtls cannot decrypt (it decrypts PBES2 with AES-CBC or DES and "
     "PKCS#12 PBE with 3DES, at most 10000000 PBKDF2 iterations)",
     alert::internal_error, condition::local_error},
    {error::bad_local_certificate, "certificate given to the context cannot be parsed",
     alert::internal_error, condition::local_error},
    {error::certificate_without_key, "a certificate is configured without its private key",
     alert::internal_error, condition::local_error},
    {error::key_without_certificate, "a private key is configured without its certificate",
     alert::internal_error, condition::local_error},
    // RFC 8446 §4.4.2.2: a server that cannot present a certificate its
    // client accepts aborts with handshake_failure.
    {error::no_certificate, "no certificate and private key configured for this end",
     alert::handshake_failure, condition::local_error},
    // Such a peer cannot read an alert; mtls sends none (see engine).
    {error::peer_not_tls, "peer is not speaking TLS",
     alert::close_notify, condition::protocol_error},
    {error::peer_speaks_http, "peer is not speaking TLS: it sent plain HTTP",
     alert::close_notify, condition::protocol_error},
    {error::crypto_provider_unavailable,
     "crypto provider not available: not compiled into this build (see MTLS_WITH_OPENSSL), or an unknown name",
     alert::internal_error, condition::local_error},
}};

// Row i holds error i + 1, and there are as many rows as enumerators (all of
// which must fit the low byte, see cause_mask): so each enumerator has
// exactly one row, in order.
constexpr bool errors_in_order() noexcept
{
    for (std::size_t i = 0; i < errors.size(); ++i)
        if (static_cast<std::size_t>(errors[i].id) != i + 1)
            return false;
    return true;
}
static_assert(errors_in_order());
static_assert(detail::count_byte_enumerators<error>() == errors.size());

const error_row* row_of(error e) noexcept
{
    const auto i = static_cast<std::size_t>(e) - 1;
    return i < errors.size() ? &errors[i] : nullptr;
}

const char* describe(error e) noexcept
{
    const error_row* r = row_of(e);
    return r ? r->message : "unknown mtls error";
}

constexpr const char* aborted = "peer aborted the connection";

// One row per mtls::alert: its RFC name, and what receiving it tells.
struct alert_row {
    alert id;
    const char* name;
    const char* meaning;
};

constexpr std::array<alert_row, 28> alerts{{
    {alert::close_notify, "close_notify", "peer closed the connection"},
    {alert::unexpected_message, "unexpected_message", aborted},
    {alert::bad_record_mac, "bad_record_mac", "peer could not authenticate a record"},
    {alert::record_overflow, "record_overflow", aborted},
    {alert::handshake_failure, "handshake_failure", "peer could not agree on security parameters (or requires a certificate)"},
    {alert::bad_certificate, "bad_certificate", "peer rejected our certificate"},
    {alert::unsupported_certificate, "unsupported_certificate", "peer cannot use our certificate"},
    {alert::certificate_revoked, "certificate_revoked", "peer says our certificate was revoked"},
    {alert::certificate_expired, "certificate_expired", "peer says our certificate expired"},
    {alert::certificate_unknown, "certificate_unknown", "peer rejected our certificate"},
    {alert::illegal_parameter, "illegal_parameter", aborted},
    {alert::unknown_ca, "unknown_ca", "peer does not trust our certificate's CA"},
    {alert::access_denied, "access_denied", aborted},
    {alert::decode_error, "decode_error", aborted},
    {alert::decrypt_error, "decrypt_error", "peer could not verify a signature or Finished"},
    {alert::protocol_version, "protocol_version", "peer supports no TLS version in common"},
    {alert::insufficient_security, "insufficient_security", aborted},
    {alert::internal_error, "internal_error", aborted},
    {alert::inappropriate_fallback, "inappropriate_fallback", aborted},
    {alert::user_canceled, "user_canceled", aborted},
    {alert::no_renegotiation, "no_renegotiation", aborted},
    {alert::missing_extension, "missing_extension", aborted},
    {alert::unsupported_extension, "unsupported_extension", aborted},
    {alert::unrecognized_name, "unrecognized_name", aborted},
    {alert::bad_certificate_status_response, "bad_certificate_status_response", aborted},
    {alert::unknown_psk_identity, "unknown_psk_identity", aborted},
    {alert::certificate_required, "certificate_required", "peer requires a certificate and we sent none"},
    {alert::no_application_protocol, "no_application_protocol", aborted},
}};

static_assert(detail::rows_are_distinct_enumerators<alerts>());
static_assert(detail::count_byte_enumerators<alert>() == alerts.size());

const alert_row* row_of(alert a) noexcept
{
    for (const alert_row& r : alerts)
        if (r.id == a)
            return &r;
    return nullptr;
}

// An error value is the cause in its low byte; an unexpected_message may
// carry detail above it (see error_detail.hpp): the message received in
// bits 8-16 and the set of messages expected in bits 17-30.
constexpr int cause_mask = 0xFF;
constexpr int got_shift = 8;
constexpr int expected_shift = 17;

error cause_of(int ev) noexcept { return static_cast<error>(ev & cause_mask); }

/// The messages a handshake state may expect, in the order of the bits that
/// name them in an error value.
constexpr std::array<std::uint16_t, 14> expectable{
    1, 2, 4, 5, 8, 11, 12, 13, 14, 15, 16, 20, 24, detail::change_cipher_spec_message};

const char* message_name(std::uint16_t m) noexcept
{
    if (m == detail::change_cipher_spec_message)
        return "ChangeCipherSpec";
    return m <= 0xFF ? wire::to_string(static_cast<wire::handshake_type>(m)) : nullptr;
}

std::string detailed_message(int ev)
{
    const unsigned v = static_cast<unsigned>(ev);
    const unsigned expected = v >> expected_shift;
    const auto got = static_cast<std::uint16_t>((v >> got_shift) & 0x1FF);
    std::string out = "unexpected_message: expected ";
    bool first = true;
    for (std::size_t i = 0; i < expectable.size(); ++i) {
        if (!(expected & (1u << i)))
            continue;
        if (!first)
            out += " or ";
        out += message_name(expectable[i]);
        first = false;
    }
    if (first)
        out = "unexpected_message: no handshake message allowed here";
    out += ", got ";
    if (const char* name = message_name(got))
        out += name;
    else
        out += "handshake message of unknown type " + std::to_string(got);
    return out;
}

class error_category_impl final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "mtls"; }
    std::string message(int ev) const override
    {
        if (ev & ~cause_mask)
            return detailed_message(ev);
        return describe(static_cast<error>(ev));
    }
    char const* message(int ev, char* buffer, std::size_t len) const noexcept override
    {
        if (!(ev & ~cause_mask) || len == 0)
            return describe(cause_of(ev));
        try {
            const auto text = detailed_message(ev);
            const auto n = std::min(text.size(), len - 1);
            std::memcpy(buffer, text.data(), n);
            buffer[n] = '\0';
            return buffer;
        } catch (...) {
            return describe(cause_of(ev));
        }
    }
    boost::system::error_condition default_error_condition(int ev) const noexcept override;
};

const char* alert_meaning(alert a) noexcept
{
    const alert_row* r = row_of(a);
    return r ? r->meaning : aborted;
}

class alert_category_impl final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "mtls.alert"; }
    std::string message(int ev) const override
    {
        const auto a = static_cast<alert>(ev);
        return std::string("received alert ") + alert_name(a) + ": " + alert_meaning(a);
    }
    boost::system::error_condition default_error_condition(int ev) const noexcept override
    {
        if (ev == static_cast<int>(alert::close_notify))
            return condition::closed;
        return condition::peer_alert;
    }
};

class condition_category_impl final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "mtls.condition"; }
    std::string message(int ev) const override
    {
        switch (static_cast<condition>(ev)) {
        case condition::protocol_error: return "TLS protocol error";
        case condition::certificate_error: return "TLS certificate error";
        case condition::peer_alert: return "TLS alert from the peer";
        case condition::negotiation_error: return "TLS negotiation failed";
        case condition::closed: return "TLS connection closed";
        case condition::local_error: return "local TLS error";
        }
        return "unknown TLS condition";
    }
};

condition condition_of(error e) noexcept
{
    const error_row* r = row_of(e);
    return r ? r->kind : condition::protocol_error;
}

boost::system::error_condition error_category_impl::default_error_condition(int ev) const noexcept
{
    return make_error_condition(condition_of(cause_of(ev)));
}

} // namespace

const boost::system::error_category& error_category() noexcept
{
    static const error_category_impl instance;
    return instance;
}

const boost::system::error_category& alert_category() noexcept
{
    static const alert_category_impl instance;
    return instance;
}

const boost::system::error_category& condition_category() noexcept
{
    static const condition_category_impl instance;
    return instance;
}

error_code make_error_code(error e) noexcept
{
    return {static_cast<int>(e), error_category()};
}

error error_cause(const error_code& ec) noexcept
{
    return ec.category() == error_category() ? cause_of(ec.value()) : error{};
}

namespace detail {

error_code unexpected_message(std::uint16_t got, std::initializer_list<std::uint16_t> expected) noexcept
{
    unsigned v = static_cast<unsigned>(error::unexpected_message) | (unsigned{got} & 0x1FF) << got_shift;
    for (auto e : expected)
        for (std::size_t i = 0; i < expectable.size(); ++i)
            if (expectable[i] == e)
                v |= 1u << (expected_shift + i);
    return {static_cast<int>(v), error_category()};
}

} // namespace detail

error_code make_error_code(alert a) noexcept
{
    return {static_cast<int>(a), alert_category()};
}

boost::system::error_condition make_error_condition(condition c) noexcept
{
    return {static_cast<int>(c), condition_category()};
}

alert alert_for(error e) noexcept
{
    const error_row* r = row_of(e);
    return r ? r->sent : alert::internal_error;
}

const char* alert_name(alert a) noexcept
{
    const alert_row* r = row_of(a);
    return r ? r->name : "unknown";
}

} // namespace mtls
