#ifndef MTLS_CONNECTION_INFO_HPP
#define MTLS_CONNECTION_INFO_HPP

/// @file
/// `mtls::connection_info`: what a completed handshake settled. Its own header
/// so that the handshake modules fill it without depending on the engine.

#include <mtls/certificate_info.hpp>
#include <mtls/types.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace mtls {

/// What is known about a connection once its handshake has completed.
struct connection_info {
    /// The negotiated version, cipher suite and key exchange group (for a
    /// resumed TLS 1.3 connection, the group of its new ECDHE share).
    ///@{
    tls_version version{};
    cipher_suite suite{};
    named_group group{};
    ///@}
    /// TLS 1.3: the server answered the first ClientHello with HelloRetryRequest.
    bool hello_retry = false;
    /// The handshake resumed an earlier session (TLS 1.2 abbreviated
    /// handshake, TLS 1.3 PSK): no certificates were exchanged, and the peer's
    /// certificate fields below are those of the full handshake that made it.
    bool resumed = false;
    /// TLS 1.2: RFC 7627 extended master secret in use (always, by default).
    bool extended_master_secret = false;
    /// The peer's certificate chain in DER, its own certificate first; empty
    /// when it sent none.
    std::vector<std::vector<std::byte>> peer_certificates;
    /// Subject of the peer's certificate as text, empty when it sent none.
    std::string peer_subject;
    /// The fields of the peer's certificate (peer_certificates.front()),
    /// none when it sent none; in a resumed session, those of the full
    /// handshake's certificate.
    std::optional<certificate_info> peer_certificate_info;
    /// server_name: the one the client asked for (client: the one it sent).
    std::string server_name;
    /// The application protocol negotiated with ALPN (RFC 7301), empty for none.
    std::string alpn;
};

} // namespace mtls

#endif
