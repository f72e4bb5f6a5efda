#include <mtls/error.hpp>

#include "error_detail.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <string>

namespace mtls {
namespace {

const char* describe(error e) noexcept
{
    switch (e) {
    case error::stream_truncated: return "stream truncated: peer closed the transport without close_notify";
    case error::not_connected: return "operation needs a completed TLS handshake";
    case error::connection_closed: return "the TLS connection is closed";
    case error::handshake_timeout: return "TLS handshake timed out";
    case error::record_overflow: return "record_overflow: record exceeds the maximum size";
    case error::bad_record_mac: return "bad_record_mac: record failed authentication";
    case error::unknown_content_type: return "unexpected_message: record of unknown content type";
    case error::bad_record_version: return "protocol_version: record header carries an unexpected version";
    case error::empty_record: return "unexpected_message: empty record where content is required";
    case error::handshake_message_too_large: return "illegal_parameter: handshake message longer than mtls accepts for its type";
    case error::unexpected_record: return "unexpected_message: record of a type not allowed at this point";
    case error::unexpected_message: return "unexpected_message: handshake message not allowed in this state";
    case error::no_inner_content_type: return "unexpected_message: protected record holds only padding, no content type";
    case error::unexpected_change_cipher_spec: return "unexpected_message: ChangeCipherSpec where none is allowed";
    case error::message_spans_key_change: return "unexpected_message: handshake message split across a key change";
    case error::handshake_fragments_interleaved: return "unexpected_message: another record arrived between the fragments of a handshake message";
    case error::bad_change_cipher_spec: return "unexpected_message: ChangeCipherSpec record is not the single byte 1";
    case error::too_many_records_without_progress: return "unexpected_message: too many records in a row that carry no data";
    case error::too_much_early_data: return "unexpected_message: peer sent more rejected early data than mtls skips";
    case error::decode_error: return "decode_error: malformed message";
    case error::trailing_data: return "decode_error: message has trailing bytes";
    case error::duplicate_extension: return "illegal_parameter: an extension appears twice";
    case error::unsupported_extension: return "unsupported_extension: peer sent an extension it may not send";
    case error::forbidden_extension: return "illegal_parameter: an extension not allowed in this message";
    case error::missing_extension: return "missing_extension: a required extension is absent";
    case error::renegotiation_info_invalid: return "handshake_failure: renegotiation_info is not empty on an initial handshake";
    case error::protocol_version: return "protocol_version: no TLS version in common";
    case error::no_shared_cipher: return "handshake_failure: no cipher suite in common";
    case error::no_shared_group: return "handshake_failure: no key exchange group in common";
    case error::no_shared_signature_scheme: return "handshake_failure: no signature scheme in common";
    case error::compression_not_null: return "illegal_parameter: compression is not supported";
    case error::ems_required: return "handshake_failure: peer does not support extended master secret (RFC 7627)";
    case error::illegal_parameter: return "illegal_parameter: a field holds a value that is not allowed";
    case error::downgrade_detected: return "illegal_parameter: downgrade to an older TLS version detected";
    case error::version_not_offered: return "illegal_parameter: ServerHello selects a TLS version that was not offered";
    case error::suite_not_offered: return "illegal_parameter: ServerHello selects a cipher suite that was not offered";
    case error::bad_key_share: return "illegal_parameter: key share for a group that was not offered or not asked for";
    case error::bad_hello_retry: return "illegal_parameter: HelloRetryRequest asks for a group not offered or already shared";
    case error::hello_retry_mismatch: return "illegal_parameter: hello contradicts the HelloRetryRequest before it";
    case error::cookie_mismatch: return "illegal_parameter: second ClientHello does not return the HelloRetryRequest's cookie";
    case error::session_id_not_echoed: return "illegal_parameter: ServerHello does not echo the ClientHello's legacy_session_id";
    case error::bad_key_update: return "illegal_parameter: KeyUpdate with an invalid request value";
    case error::invalid_key_share: return "illegal_parameter: invalid ECDHE public key";
    case error::bad_key_exchange_signature: return "decrypt_error: ServerKeyExchange signature does not verify";
    case error::bad_certificate_verify: return "decrypt_error: CertificateVerify signature does not verify";
    case error::bad_finished: return "decrypt_error: Finished verify_data does not match";
    case error::peer_certificate_required: return "peer sent no certificate but one is required";
    case error::bad_certificate: return "bad_certificate: peer certificate cannot be parsed";
    case error::unsupported_certificate: return "unsupported_certificate: peer certificate key type not supported";
    case error::certificate_untrusted: return "peer certificate not trusted: unknown CA";
    case error::certificate_expired: return "peer certificate expired";
    case error::certificate_not_yet_valid: return "peer certificate not yet valid";
    case error::certificate_bad_purpose: return "peer certificate not valid for this purpose (key usage or extended key usage)";
    case error::certificate_host_mismatch: return "peer certificate does not match the host name";
    case error::certificate_rejected: return "peer certificate rejected by the verify callback";
    case error::no_certificate_for_peer: return "no local certificate acceptable to the peer";
    case error::certificate_chain_too_long: return "bad_certificate: peer certificate chain is longer than the verify depth";
    case error::certificate_list_too_long: return "bad_certificate: Certificate message holds more certificates than mtls accepts";
    case error::invalid_configuration: return "invalid TLS configuration";
    case error::crypto_failure: return "internal_error: the crypto provider failed";
    case error::internal_error: return "internal_error: unexpected state in mtls";
    }
    return "unknown mtls error";
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
    switch (m) {
    case 0: return "HelloRequest";
    case 1: return "ClientHello";
    case 2: return "ServerHello";
    case 4: return "NewSessionTicket";
    case 5: return "EndOfEarlyData";
    case 8: return "EncryptedExtensions";
    case 11: return "Certificate";
    case 12: return "ServerKeyExchange";
    case 13: return "CertificateRequest";
    case 14: return "ServerHelloDone";
    case 15: return "CertificateVerify";
    case 16: return "ClientKeyExchange";
    case 20: return "Finished";
    case 24: return "KeyUpdate";
    case detail::change_cipher_spec_message: return "ChangeCipherSpec";
    }
    return nullptr;
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
    switch (a) {
    case alert::close_notify: return "peer closed the connection";
    case alert::bad_certificate: return "peer rejected our certificate";
    case alert::unsupported_certificate: return "peer cannot use our certificate";
    case alert::certificate_expired: return "peer says our certificate expired";
    case alert::certificate_unknown: return "peer rejected our certificate";
    case alert::unknown_ca: return "peer does not trust our certificate's CA";
    case alert::certificate_required: return "peer requires a certificate and we sent none";
    case alert::handshake_failure: return "peer could not agree on security parameters (or requires a certificate)";
    case alert::protocol_version: return "peer supports no TLS version in common";
    case alert::decrypt_error: return "peer could not verify a signature or Finished";
    case alert::bad_record_mac: return "peer could not authenticate a record";
    default: return "peer aborted the connection";
    }
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
    switch (e) {
    case error::stream_truncated:
    case error::connection_closed:
    case error::not_connected:
        return condition::closed;
    case error::protocol_version:
    case error::no_shared_cipher:
    case error::no_shared_group:
    case error::no_shared_signature_scheme:
    case error::ems_required:
        return condition::negotiation_error;
    case error::peer_certificate_required:
    case error::bad_certificate:
    case error::unsupported_certificate:
    case error::certificate_untrusted:
    case error::certificate_expired:
    case error::certificate_not_yet_valid:
    case error::certificate_bad_purpose:
    case error::certificate_host_mismatch:
    case error::certificate_rejected:
    case error::no_certificate_for_peer:
    case error::certificate_chain_too_long:
    case error::certificate_list_too_long:
        return condition::certificate_error;
    case error::handshake_timeout:
    case error::invalid_configuration:
    case error::crypto_failure:
    case error::internal_error:
        return condition::local_error;
    default:
        return condition::protocol_error;
    }
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
    switch (e) {
    case error::stream_truncated:
    case error::not_connected:
    case error::connection_closed:
        return alert::close_notify;
    case error::handshake_timeout:
        return alert::user_canceled;
    case error::record_overflow:
        return alert::record_overflow;
    case error::bad_record_mac:
        return alert::bad_record_mac;
    case error::unknown_content_type:
    case error::empty_record:
    case error::unexpected_record:
    case error::unexpected_message:
    case error::no_inner_content_type:
    case error::unexpected_change_cipher_spec:
    case error::message_spans_key_change:
    case error::handshake_fragments_interleaved:
    case error::bad_change_cipher_spec:
    case error::too_many_records_without_progress:
    case error::too_much_early_data:
        return alert::unexpected_message;
    case error::bad_record_version:
    case error::protocol_version:
        return alert::protocol_version;
    case error::decode_error:
    case error::trailing_data:
        return alert::decode_error;
    case error::duplicate_extension:
    case error::handshake_message_too_large:
    case error::compression_not_null:
    case error::illegal_parameter:
    case error::downgrade_detected:
    case error::version_not_offered:
    case error::suite_not_offered:
    case error::bad_key_share:
    case error::bad_hello_retry:
    case error::bad_key_update:
    case error::forbidden_extension:
    case error::hello_retry_mismatch:
    case error::cookie_mismatch:
    case error::session_id_not_echoed:
    case error::invalid_key_share:
        return alert::illegal_parameter;
    case error::unsupported_extension:
        return alert::unsupported_extension;
    case error::missing_extension:
        return alert::missing_extension;
    case error::no_shared_cipher:
    case error::no_shared_group:
    case error::no_shared_signature_scheme:
    case error::ems_required:
    case error::renegotiation_info_invalid:
    case error::peer_certificate_required:
    case error::no_certificate_for_peer:
        return alert::handshake_failure;
    case error::bad_key_exchange_signature:
    case error::bad_certificate_verify:
    case error::bad_finished:
        return alert::decrypt_error;
    case error::bad_certificate:
    case error::certificate_host_mismatch:
    case error::certificate_chain_too_long:
    case error::certificate_list_too_long:
        return alert::bad_certificate;
    case error::unsupported_certificate:
    case error::certificate_bad_purpose:
        return alert::unsupported_certificate;
    case error::certificate_untrusted:
        return alert::unknown_ca;
    case error::certificate_expired:
    case error::certificate_not_yet_valid:
        return alert::certificate_expired;
    case error::certificate_rejected:
        return alert::certificate_unknown;
    case error::invalid_configuration:
    case error::crypto_failure:
    case error::internal_error:
        return alert::internal_error;
    }
    return alert::internal_error;
}

const char* alert_name(alert a) noexcept
{
    switch (a) {
    case alert::close_notify: return "close_notify";
    case alert::unexpected_message: return "unexpected_message";
    case alert::bad_record_mac: return "bad_record_mac";
    case alert::record_overflow: return "record_overflow";
    case alert::handshake_failure: return "handshake_failure";
    case alert::bad_certificate: return "bad_certificate";
    case alert::unsupported_certificate: return "unsupported_certificate";
    case alert::certificate_revoked: return "certificate_revoked";
    case alert::certificate_expired: return "certificate_expired";
    case alert::certificate_unknown: return "certificate_unknown";
    case alert::illegal_parameter: return "illegal_parameter";
    case alert::unknown_ca: return "unknown_ca";
    case alert::access_denied: return "access_denied";
    case alert::decode_error: return "decode_error";
    case alert::decrypt_error: return "decrypt_error";
    case alert::protocol_version: return "protocol_version";
    case alert::insufficient_security: return "insufficient_security";
    case alert::internal_error: return "internal_error";
    case alert::inappropriate_fallback: return "inappropriate_fallback";
    case alert::user_canceled: return "user_canceled";
    case alert::no_renegotiation: return "no_renegotiation";
    case alert::missing_extension: return "missing_extension";
    case alert::unsupported_extension: return "unsupported_extension";
    case alert::unrecognized_name: return "unrecognized_name";
    case alert::bad_certificate_status_response: return "bad_certificate_status_response";
    case alert::unknown_psk_identity: return "unknown_psk_identity";
    case alert::certificate_required: return "certificate_required";
    case alert::no_application_protocol: return "no_application_protocol";
    }
    return "unknown";
}

} // namespace mtls
