#ifndef MTLS_SRC_HANDSHAKE_RESUMPTION_HPP
#define MTLS_SRC_HANDSHAKE_RESUMPTION_HPP

// What both versions' modules share about resumption: making a session from
// a completed handshake, sealing and opening tickets, and the rules for when
// a session may be offered (client) or resumed (server).

#include "handshake/common.hpp"

#include <memory>
#include <optional>
#include <string_view>

namespace mtls::handshake {

/// A session of the handshake just completed: `secret` is the TLS 1.2
/// master secret or the TLS 1.3 PSK; the server name and the peer's chain
/// come from the connection info; it lives the context's session lifetime.
detail::session_state make_session(const environment& env, tls_version v, cipher_suite suite,
                                   bytes_view secret);

/// Server: `s` sealed under the context's ticket keys; false when it does
/// not fit a ticket (a peer chain near 64 KiB).
bool seal_ticket(const environment& env, const detail::session_state& s, std::vector<std::byte>& ticket);
/// Server: the session a ticket holds, when one of our keys opens it and it parses.
std::optional<detail::session_state> open_ticket(const environment& env, bytes_view ticket);

/// Whether the peer certificate of `s` carries one of the identities the
/// context requires now (always, when it requires none).
bool session_has_required_identity(const environment& env, const detail::session_state& s);

/// Server: whether `s` may be resumed by this connection: its version, not
/// expired, the same server_name (RFC 6066 §3, RFC 8446 §4.2.11) and
/// application protocol (chosen before), a client certificate when this
/// server requires one, carrying an identity it requires.
bool server_may_resume(const environment& env, const detail::session_state& s, tls_version v,
                       std::string_view server_name);

/// Client: the session to offer, if the one set is still valid for this
/// connection: not expired, for the host name being connected to (RFC 8446
/// §4.6.1), its version and suite still allowed, and the server's
/// certificate carrying an identity required now.
const detail::session_state* session_to_offer(const environment& env);

/// Either end of a resumed handshake: the peer's identity is the session's.
void adopt_session_identity(environment& env, const detail::session_state& s);

} // namespace mtls::handshake

#endif
