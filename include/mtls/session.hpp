#ifndef MTLS_SESSION_HPP
#define MTLS_SESSION_HPP

/// @file
/// Session resumption: `mtls::session`, what a client keeps to resume, and
/// `mtls::session_store`, where a server keeps TLS 1.2 sessions by id.

#include <mtls/error.hpp>
#include <mtls/types.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace mtls {

namespace detail { struct session_state; }

/// A session a client can resume: a TLS 1.3 ticket, or a TLS 1.2 session id
/// or ticket, with the secret it unlocks and what the full handshake
/// established (suite, server name, the server's certificate chain).
///
/// Take one from a stream after its handshake (TLS 1.3 tickets arrive after
/// the handshake, with the server's first data) and give it to a new stream
/// before its handshake. Copies share one immutable state.
///
/// `to_bytes()` holds the session's secret: whoever has the bytes can resume
/// the session and read what is sent in it. Store them as a private key.
class session {
public:
    /// An empty session: nothing to resume.
    session() noexcept = default;
    /// Made by the engine; not part of the stable API.
    explicit session(std::shared_ptr<const detail::session_state> state) noexcept : state_(std::move(state)) {}

    /// Whether there is nothing to resume.
    bool empty() const noexcept { return !state_; }
    /// Whether there is a session to resume.
    explicit operator bool() const noexcept { return !empty(); }

    /// The version and suite of the full handshake that made the session.
    ///@{
    tls_version version() const noexcept;
    cipher_suite suite() const noexcept;
    ///@}
    /// The server name the client connected to (the one it is valid for).
    std::string server_name() const;
    /// When the server stops accepting it (the ticket's lifetime, at most 7 days).
    std::chrono::system_clock::time_point expires() const noexcept;

    /// A self-contained serialisation (secret included: see above).
    std::vector<std::byte> to_bytes() const;
    /// Reads what `to_bytes()` wrote; error::bad_session when it is not that.
    ///@{
    static session from_bytes(std::span<const std::byte> data, error_code& ec);
    static session from_bytes(std::span<const std::byte> data);
    ///@}

    /// Implementation access for the engine; not part of the stable API.
    const std::shared_ptr<const detail::session_state>& state() const noexcept { return state_; }

private:
    std::shared_ptr<const detail::session_state> state_;
};

/// Where a server keeps TLS 1.2 sessions by session id (RFC 5246 §7.3), so
/// that a client that returns with the id resumes. An application can back it
/// with its own shared store (several processes behind a load balancer); the
/// default is `make_memory_session_store()`. Called from any thread that runs
/// a handshake: implementations must be thread-safe.
///
/// Values are serialised sessions and carry their master secret: a shared
/// store must be as protected as the server's private key.
class session_store {
public:
    virtual ~session_store() = default;
    /// Keeps `value` under `id` until `expires`; may drop it sooner (bounded store).
    virtual void put(std::span<const std::byte> id, std::span<const std::byte> value,
                     std::chrono::system_clock::time_point expires) = 0;
    /// The value kept under `id`, or empty when there is none or it expired.
    virtual std::vector<std::byte> get(std::span<const std::byte> id) = 0;
    /// Forgets `id` (a session whose resumption failed).
    virtual void remove(std::span<const std::byte> id) = 0;
};

/// An in-process session store: at most `max_entries` sessions and
/// `max_bytes` of stored values; the oldest go first when full, expired ones
/// when met. Thread-safe. Values are wiped when dropped.
std::shared_ptr<session_store> make_memory_session_store(std::size_t max_entries = 20480,
                                                         std::size_t max_bytes = 16 * 1024 * 1024);

} // namespace mtls

#endif
