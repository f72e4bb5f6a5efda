#ifndef MTLS_SRC_CONTEXT_IMPL_HPP
#define MTLS_SRC_CONTEXT_IMPL_HPP

// What a context holds. Engines read it; only context's setters write it.

#include "crl_store.hpp"
#include "crypto/pki.hpp"
#include "session/client_cache.hpp"
#include "session/ticket_keys.hpp"

#include <mtls/context.hpp>

#include <functional>
#include <memory>
#include <mutex>
#include <type_traits>
#include <string>
#include <utility>
#include <optional>
#include <string_view>
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

/// One own certificate chain (leaf first) and the key of its leaf.
struct certified_key {
    std::vector<crypto::certificate> chain;
    std::shared_ptr<const crypto::private_key> key; // null until loaded; matches chain.front()

    bool usable() const noexcept { return !chain.empty() && key; }
};

/// What a handshake authenticates with and verifies its peer against.
/// Published whole and never changed afterwards: a setter builds the next one
/// and swaps it in, and a handshake keeps the one it started with, so
/// credentials rotate safely while streams run, without a lock per record.
struct credentials {
    /// The first is what use_certificate_chain / use_private_key set.
    std::vector<std::shared_ptr<const certified_key>> keys;
    std::shared_ptr<const crypto::trust_store> anchors = std::make_shared<crypto::trust_store>();
    /// Unset: clients verify the server (verify_peer), servers do not ask.
    std::optional<verify_mode> mode;
    verify_callback callback;
    int verify_depth = max_verify_depth; // 0..max_verify_depth
    /// Locks itself: reloaded in place, shared by the snapshots of a context.
    std::shared_ptr<crl_store> crls = std::make_shared<crl_store>();
    /// The peer's certificate must carry one of these; empty: no requirement.
    std::vector<peer_identity> required_identities;
    client_certificate_callback choose_client_certificate;

    // Server name indication (server): per-name contexts, exact names and
    // "*.domain" patterns lower-cased.
    std::vector<std::pair<std::string, context>> server_names;
    server_name_callback server_name_cb;
    bool reject_unknown_server_names = false;
};

struct context_impl {
    /// Does every handshake's and key's cryptography; fixed at construction.
    const crypto::provider* crypto;
    password_callback password;

    tls_version min_version = tls_version::tls12;
    tls_version max_version = tls_version::tls13;
    std::vector<cipher_suite> suites;          // preference order
    cipher_preference suite_preference = cipher_preference::server; // whose order a server follows
    std::vector<named_group> groups;           // preference order
    std::vector<signature_scheme> schemes;     // accepted from the peer, preference order
    std::vector<std::string> alpn; // preference order
    std::function<void(std::string_view line)> keylog; // NSS key log lines; empty: off
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

    alpn_select_callback alpn_select;

    /// Fills the secure defaults, less what `p` does not implement.
    explicit context_impl(const crypto::provider& p);

    /// The credentials a handshake starting now uses.
    std::shared_ptr<const credentials> current_credentials() const
    {
        std::lock_guard lock(credentials_mutex_);
        return credentials_;
    }
    /// Publishes a copy of the current credentials changed by `change`,
    /// unless it returns an error. Setters on several threads do not lose
    /// each other's changes.
    template <class Change>
    error_code update_credentials(Change&& change)
    {
        std::lock_guard lock(credentials_mutex_);
        auto next = std::make_shared<credentials>(*credentials_);
        if constexpr (std::is_void_v<std::invoke_result_t<Change&, credentials&>>) {
            change(*next);
        } else if (error_code ec = change(*next)) {
            return ec;
        }
        credentials_ = std::move(next);
        return {};
    }

private:
    // Taken once per handshake, never per record.
    mutable std::mutex credentials_mutex_;
    std::shared_ptr<const credentials> credentials_ = std::make_shared<credentials>();
};

/// The values of `values` that provider `p` implements, in their order.
template <class T>
std::vector<T> supported_by(const crypto::provider& p, const std::vector<T>& values);

/// The suites, groups and schemes mtls implements, in default preference order.
const std::vector<cipher_suite>& default_cipher_suites();
const std::vector<named_group>& default_groups();
const std::vector<signature_scheme>& default_signature_schemes();

} // namespace mtls::detail

#endif
