#ifndef MTLS_SRC_CONTEXT_IMPL_HPP
#define MTLS_SRC_CONTEXT_IMPL_HPP

// What a context holds. Engines read it; only context's setters write it.

#include "crypto/pki.hpp"
#include "session/client_cache.hpp"
#include "session/ticket_keys.hpp"

#include <mtls/context.hpp>

#include <memory>
#include <optional>
#include <vector>

namespace mtls::detail {

/// Records under one TLS 1.3 sending key before updating it: far below the
/// 2^24.5 full-size records RFC 8446 §5.5 allows AES-GCM, and ChaCha20-Poly1305
/// has no practical limit, so one number serves every suite.
inline constexpr std::uint64_t default_key_update_limit = std::uint64_t{1} << 23;

/// OpenSSL's default max_cert_list: ample for chains of a few RSA-4096
/// certificates, small enough that a half-sent one costs little memory.
inline constexpr std::size_t default_max_certificate_list = 100 * 1024;

/// OpenSSL's default session timeout and TLS 1.3 ticket lifetime.
inline constexpr std::uint32_t default_session_lifetime = 7200;
/// Tickets sent after one TLS 1.3 handshake, at most: each is a sealing and
/// a message; a client needs one per connection it opens in parallel.
inline constexpr unsigned max_tls13_ticket_count = 16;

struct context_impl {
    // Own credentials: chain leaf first; key matches chain.front().
    std::vector<crypto::certificate> chain;
    crypto::private_key key;
    password_callback password;

    crypto::trust_store anchors;
    /// Unset: clients verify the server (verify_peer), servers do not ask.
    std::optional<verify_mode> mode;
    verify_callback callback;
    int verify_depth = max_verify_depth;   // 0..max_verify_depth
    /// The peer's certificate must carry one of these; empty: no requirement.
    std::vector<peer_identity> required_identities;

    tls_version min_version = tls_version::tls12;
    tls_version max_version = tls_version::tls13;
    std::vector<cipher_suite> suites;          // preference order
    std::vector<named_group> groups;           // preference order
    std::vector<signature_scheme> schemes;     // accepted from the peer, preference order
    std::vector<std::string> alpn; // preference order
    bool require_ems = true;
    bool middlebox_compat = true;
    std::uint64_t key_update_limit = default_key_update_limit;
    std::size_t max_certificate_list = default_max_certificate_list;

    bool session_tickets = true;
    unsigned tls13_ticket_count = 2;
    std::uint32_t session_lifetime = default_session_lifetime;
    /// Shared with copies of the context; each locks itself.
    std::shared_ptr<session_store> sessions;
    std::shared_ptr<ticket_keys> tickets;
    std::shared_ptr<client_session_cache> client_sessions; // null: off

    context_impl();  // fills the secure defaults
};

/// The suites, groups and schemes mtls implements, in default preference order.
const std::vector<cipher_suite>& default_cipher_suites();
const std::vector<named_group>& default_groups();
const std::vector<signature_scheme>& default_signature_schemes();

} // namespace mtls::detail

#endif
