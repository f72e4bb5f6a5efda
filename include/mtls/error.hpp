#ifndef MTLS_ERROR_HPP
#define MTLS_ERROR_HPP

/// @file
/// Error codes of mtls.
///
/// Three families, as in Asio and Beast:
/// - `mtls::error`: what this end detected. Each value's message is one sentence
///   that names the cause; `alert_for(error)` gives the alert sent to the peer.
/// - `mtls::alert`: a fatal alert (or an unexpected warning) received from the
///   peer; the value is the wire alert number (RFC 8446 §6, RFC 5246 §7.2).
/// - `mtls::condition`: broad classes (protocol, certificate, peer alert, ...)
///   that both families compare equal to, for callers that only branch on kind.

#include <mtls/detail/config.hpp>

#include <cstdint>
#include <string>
#include <boost/system/error_code.hpp>

namespace mtls {

/// mtls reports errors as Boost.System codes, like Asio and Beast.
using error_code = boost::system::error_code;

/// Errors detected by this end of the connection.
enum class error {
    // Transport and usage.
    stream_truncated = 1,       ///< peer closed the transport without close_notify
    not_connected,              ///< operation needs a completed handshake
    connection_closed,          ///< the connection is closed or failed; no more data
    handshake_timeout,          ///< reserved for timers above the engine
    // Record layer.
    record_overflow,            ///< record exceeds the negotiated limit
    bad_record_mac,             ///< record failed authentication
    unknown_content_type,       ///< record of an unknown content type
    bad_record_version,         ///< record header carries an unexpected version
    empty_record,               ///< zero-length record where not allowed
    handshake_message_too_large,///< handshake message over mtls's size cap
    unexpected_record,          ///< record of a type not allowed at this point
    no_inner_content_type,      ///< TLS 1.3 record whose inner plaintext is all padding
    unexpected_change_cipher_spec, ///< ChangeCipherSpec where none may appear
    message_spans_key_change,   ///< handshake message split across a key change
    handshake_fragments_interleaved, ///< another record between the fragments of a handshake message
    bad_change_cipher_spec,     ///< ChangeCipherSpec record that is not the single byte 1
    too_many_records_without_progress, ///< a run of records that carry no data and advance nothing
    too_much_early_data,        ///< more rejected early data than mtls skips
    // Handshake structure.
    unexpected_message,         ///< handshake message not allowed in this state (the
                                ///< code's message names what was expected and what came)
    decode_error,               ///< malformed message
    trailing_data,              ///< message has bytes after its last field
    duplicate_extension,        ///< an extension appears twice
    unsupported_extension,      ///< an extension the peer may not send
    forbidden_extension,        ///< a known extension in a message that may not carry it
    missing_extension,          ///< a required extension is absent
    renegotiation_info_invalid, ///< RFC 5746 renegotiation_info not empty on an initial handshake
    // Negotiation.
    protocol_version,           ///< no TLS version in common
    no_shared_cipher,           ///< no cipher suite in common
    no_shared_group,            ///< no key exchange group in common
    no_shared_signature_scheme, ///< no signature scheme in common
    compression_not_null,       ///< peer offered or chose compression
    ems_required,               ///< peer lacks extended master secret
    illegal_parameter,          ///< a field holds a value that is not allowed
    downgrade_detected,         ///< ServerHello.random carries a downgrade sentinel
    version_not_offered,        ///< ServerHello picks a version the client did not offer
    suite_not_offered,          ///< ServerHello picks a cipher suite the client did not offer
    bad_key_share,              ///< key share for a group not offered or not asked for
    bad_hello_retry,            ///< HelloRetryRequest that asks for nothing usable
    hello_retry_mismatch,       ///< a hello that contradicts the HelloRetryRequest before it
    cookie_mismatch,            ///< second ClientHello without the HelloRetryRequest's cookie
    session_id_not_echoed,      ///< ServerHello does not echo the legacy_session_id
    bad_key_update,             ///< KeyUpdate with an invalid request value
    // Key exchange and authentication.
    invalid_key_share,          ///< peer ECDHE public key is invalid
    bad_key_exchange_signature, ///< ServerKeyExchange signature does not verify
    bad_certificate_verify,     ///< CertificateVerify signature does not verify
    bad_finished,               ///< Finished verify_data mismatch
    // Certificates.
    peer_certificate_required,  ///< peer sent no certificate but one is required
    bad_certificate,            ///< peer certificate cannot be parsed
    unsupported_certificate,    ///< peer certificate key type not supported
    certificate_untrusted,      ///< chain does not lead to a trust anchor
    certificate_expired,        ///< a certificate in the chain has expired
    certificate_not_yet_valid,  ///< a certificate in the chain is not yet valid
    certificate_bad_purpose,    ///< key usage / extended key usage forbid this use
    certificate_host_mismatch,  ///< certificate does not name the expected host
    certificate_rejected,       ///< the verify callback rejected the chain
    no_certificate_for_peer,    ///< we have no certificate the peer accepts
    certificate_chain_too_long, ///< peer chain is longer than the verify depth allows
    certificate_list_too_long,  ///< Certificate message holds more entries than mtls accepts
    // Application protocol (ALPN).
    no_application_protocol,    ///< no application protocol in common
    alpn_not_offered,           ///< server selects an application protocol the client did not offer
    // Resumption.
    bad_psk_binder,             ///< TLS 1.3 PSK binder does not verify
    psk_not_offered,            ///< ServerHello selects a PSK the client did not offer
    resumption_mismatch,        ///< server resumed with another version or suite than the session's
    ems_resumption_without_ems, ///< ClientHello resumes an extended master secret session without the extension
    bad_session,                ///< session bytes that mtls did not write
    bad_ticket_keys,            ///< ticket keys are not whole 48-byte records
    // Local configuration and crypto.
    invalid_configuration,      ///< context settings are inconsistent
    crypto_failure,             ///< the crypto provider reported a failure
    internal_error,             ///< a state mtls did not expect; a bug
    unrecognized_server_name,   ///< no certificate for the server_name the client asked for
    // Keying material exporters (engine::export_keying_material).
    exporter_without_ems,       ///< TLS 1.2 connection without extended master secret (RFC 7627 §5.4)
    exporter_label_reserved,    ///< label is one the TLS 1.2 PRF uses itself (RFC 5705 §4)
    exporter_input_too_long,    ///< label or context longer than the protocol can carry
    exporter_output_too_long,   ///< more keying material asked for than the exporter gives
    // Revocation (context::add_crl and its neighbours).
    certificate_revoked,        ///< a certificate in the chain is listed by its issuer's CRL
    crl_expired,                ///< the issuer's CRL is past its nextUpdate
    crl_not_yet_valid,          ///< the issuer's CRL has a thisUpdate in the future
    crl_untrusted,              ///< the issuer's CRL does not verify under the issuer's key
    bad_crl,                    ///< CRL input cannot be parsed
    // Peer identity (context::set_required_peer_identities).
    peer_identity_mismatch,     ///< peer certificate does not carry a required identity
    // Loading local credentials (context::use_private_key_file and its neighbours).
    key_mismatch,               ///< private key does not match the certificate
    key_password_wrong,         ///< encrypted private key does not decrypt with the password given
    key_password_missing,       ///< private key is encrypted and no password callback is set
    key_is_certificate,         ///< a certificate was given where a private key was expected
    pem_loaded_as_der,          ///< PEM input loaded with file_format::der
    not_pem,                    ///< input loaded with file_format::pem has no PEM block
    bad_private_key,            ///< private key input cannot be parsed
    unsupported_key_encryption, ///< private key is encrypted with a scheme mtls cannot decrypt
    bad_local_certificate,      ///< a certificate given to the context cannot be parsed
    certificate_without_key,    ///< a certificate is configured without its private key
    key_without_certificate,    ///< a private key is configured without its certificate
    no_certificate,             ///< this end must present a certificate and has none
    // A peer that does not speak TLS at all.
    peer_not_tls,               ///< the peer's first bytes are not a TLS record
    peer_speaks_http,           ///< the peer's first bytes are plain HTTP
    // Configuration.
    crypto_provider_unavailable, ///< the crypto provider asked for is not in this build, or its name is unknown
};

/// TLS alert descriptions (wire values).
enum class alert : std::uint8_t {
    close_notify = 0,
    unexpected_message = 10,
    bad_record_mac = 20,
    record_overflow = 22,
    handshake_failure = 40,
    bad_certificate = 42,
    unsupported_certificate = 43,
    certificate_revoked = 44,
    certificate_expired = 45,
    certificate_unknown = 46,
    illegal_parameter = 47,
    unknown_ca = 48,
    access_denied = 49,
    decode_error = 50,
    decrypt_error = 51,
    protocol_version = 70,
    insufficient_security = 71,
    internal_error = 80,
    inappropriate_fallback = 86,
    user_canceled = 90,
    no_renegotiation = 100,
    missing_extension = 109,
    unsupported_extension = 110,
    unrecognized_name = 112,
    bad_certificate_status_response = 113,
    unknown_psk_identity = 115,
    certificate_required = 116,
    no_application_protocol = 120,
};

/// Broad classes of failure, for callers that branch on kind.
enum class condition {
    protocol_error = 1, ///< the peer violated the protocol (or sent garbage)
    certificate_error,  ///< a certificate was missing, untrusted or unusable
    peer_alert,         ///< the peer sent a fatal alert
    negotiation_error,  ///< no common version, suite, group or scheme
    closed,             ///< the connection ended (truncated or closed)
    local_error,        ///< configuration, crypto provider or internal failure
};

/// The categories of mtls's codes: "mtls" for mtls::error, "mtls.alert" for
/// alerts received from the peer, "mtls.condition" for mtls::condition.
///@{
MTLS_API const boost::system::error_category& error_category() noexcept;
MTLS_API const boost::system::error_category& alert_category() noexcept;
MTLS_API const boost::system::error_category& condition_category() noexcept;
///@}

/// Conversions that let `error_code ec = mtls::error::...` and comparisons
/// with mtls::condition work (Boost.System's customisation points).
///@{
MTLS_API error_code make_error_code(error e) noexcept;
MTLS_API error_code make_error_code(alert a) noexcept;
MTLS_API boost::system::error_condition make_error_condition(condition c) noexcept;
///@}

/// The alert this end sends when it fails with `e`.
MTLS_API alert alert_for(error e) noexcept;

/// The `mtls::error` that `ec` reports, or `error{}` when `ec` is not an mtls
/// error. Some codes carry detail in their value beside the cause (an
/// `unexpected_message` names the messages expected and the one received, as
/// OpenSSL packs a reason into its codes), so compare causes, not codes:
/// `mtls::error_cause(ec) == mtls::error::unexpected_message`.
MTLS_API error error_cause(const error_code& ec) noexcept;

/// The alert's name as the RFCs spell it ("handshake_failure"), or "unknown".
MTLS_API const char* alert_name(alert a) noexcept;

} // namespace mtls

// Boost.System's traits, not mtls's API: left out of the reference.
/// @cond
template <> struct boost::system::is_error_code_enum<mtls::error> : std::true_type {};
template <> struct boost::system::is_error_code_enum<mtls::alert> : std::true_type {};
template <> struct boost::system::is_error_condition_enum<mtls::condition> : std::true_type {};
/// @endcond

#endif
