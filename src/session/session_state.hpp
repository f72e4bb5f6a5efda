#ifndef MTLS_SRC_SESSION_SESSION_STATE_HPP
#define MTLS_SRC_SESSION_SESSION_STATE_HPP

// What a resumable session remembers, and its one serialised form: the
// plaintext of the tickets a server issues, the values of a server's session
// store, and the bytes of a client's `mtls::session`.

#include "crypto/secret.hpp"

#include <mtls/error.hpp>
#include <mtls/types.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace mtls::detail {

/// RFC 8446 §4.6.1: a ticket lives at most seven days.
inline constexpr std::uint32_t max_session_lifetime = 7 * 24 * 3600;

/// Bounds the parser enforces, so that a forged or corrupted serialisation
/// cannot make it allocate without limit.
inline constexpr std::size_t max_session_certificates = 16;
inline constexpr std::size_t max_session_certificate_size = 0xFFFFFF;
inline constexpr std::size_t max_session_ticket_size = 0xFFFF;

struct session_state {
    tls_version version{};
    cipher_suite suite{};
    /// TLS 1.2: the 48-byte master secret. TLS 1.3: the PSK the ticket
    /// stands for (RFC 8446 §4.6.1, from resumption_master_secret and nonce).
    crypto::secret secret;
    /// TLS 1.2: the session's master secret is extended (RFC 7627); a
    /// session without it is never resumed (§5.3).
    bool extended_master_secret = false;
    /// Seconds since the Unix epoch at which the session was made (TLS 1.2)
    /// or the ticket issued or received (TLS 1.3).
    std::uint64_t issued = 0;
    /// Seconds after `issued` during which it may be resumed (<= max_session_lifetime).
    std::uint32_t lifetime = 0;
    /// TLS 1.3 ticket_age_add (RFC 8446 §4.6.1).
    std::uint32_t age_add = 0;
    /// The server_name of the full handshake (client: the name it asked for).
    std::string server_name;
    /// The negotiated application protocol, empty for none.
    std::string alpn;
    /// The peer's chain from the full handshake, DER, its own certificate first.
    std::vector<std::vector<std::byte>> peer_certificates;
    std::string peer_subject;
    /// Client: what names the session to the server. A ticket (RFC 5077 or
    /// RFC 8446 §4.6.1), or a TLS 1.2 session id, or both. Empty in tickets
    /// and server store values.
    std::vector<std::byte> ticket;
    std::vector<std::byte> session_id;

    /// Past its lifetime at `now` (seconds since the epoch), or issued in
    /// the future beyond a small clock skew.
    bool expired(std::uint64_t now) const noexcept;
};

/// Whether `s` is within the bounds above, so that encode_session takes it.
/// Some fields come from the peer (server_name, the certificate subject):
/// a session that is not storable is not kept, never encoded.
bool storable(const session_state& s) noexcept;

/// Appends the serialised `s` to `out` (a format tag, then every field).
/// The output holds the secret: the caller wipes it when done.
void encode_session(std::vector<std::byte>& out, const session_state& s);
/// Reads what encode_session wrote, whole; error::bad_session for anything
/// else (unknown tag or enumerator, a bound above exceeded, trailing bytes).
error_code parse_session(crypto::bytes_view in, session_state& out);

} // namespace mtls::detail

#endif
