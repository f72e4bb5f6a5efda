#ifndef MTLS_SRC_HANDSHAKE_HELLO_HPP
#define MTLS_SRC_HANDSHAKE_HELLO_HPP

// The hello exchange that settles the version (RFC 8446 §4.1.1, §4.2.1), and
// how it hands the connection over to the chosen version's state machine.

#include "handshake/common.hpp"

#include <memory>
#include <optional>
#include <vector>

namespace mtls::handshake {

/// What the client offered, kept for the module that takes over once the
/// ServerHello settles the version.
struct client_offer {
    wire::random_bytes random{};
    std::vector<std::byte> session_id;     // as sent (the test hook may change it)
    std::vector<std::uint16_t> extensions; // types, as sent
    std::vector<const suite_info*> suites13; // empty when TLS 1.3 is not offered
    std::optional<crypto::key_share> share;  // TLS 1.3
    /// The session offered (it lives in the environment): a TLS 1.3 PSK, or
    /// a TLS 1.2 session id or ticket; null when none.
    const detail::session_state* psk = nullptr;
    const detail::session_state* session12 = nullptr;
};

/// Encodes the ClientHello for `offer` into `out` (RFC 8446 §4.1.2), with the
/// `cookie` of a HelloRetryRequest if any, and passes it through the test hook;
/// `offer` records what went out, which the server is held to. A PSK's
/// binder covers `transcript` (the messages before this hello) and the hello.
error_code write_client_hello(const environment& env, client_offer& offer, bytes_view cookie,
                              bytes_view transcript, std::vector<std::byte>& out);

/// The version a ServerHello or HelloRetryRequest speaks (RFC 8446 §4.1.3, §D.5).
error_code server_hello_version(const detail::context_impl& ctx, const wire::server_hello& sh, tls_version& v);

/// Each version's module, taking over at the hello that settled the version
/// (the transcript so far moves with it). `successor` is set even when that
/// hello is refused.
using successor_ptr = std::unique_ptr<handshake_module>;
error_code hand_over_tls12_client(environment& env, transcript&& t, const client_offer& offer,
                                  const wire::server_hello& sh, bytes_view message, successor_ptr& successor);
error_code hand_over_tls13_client(environment& env, transcript&& t, client_offer&& offer,
                                  const wire::server_hello& sh, bytes_view message, successor_ptr& successor);
error_code hand_over_tls12_server(environment& env, const wire::client_hello& ch, bytes_view message,
                                  successor_ptr& successor);
error_code hand_over_tls13_server(environment& env, const wire::client_hello& ch, bytes_view message,
                                  successor_ptr& successor);

/// Makes the successor from `args` and gives it the hello that settled the version.
template <class Module, class Hello, class... Args>
error_code hand_over(successor_ptr& successor, error_code (Module::*take)(const Hello&, bytes_view),
                     const Hello& hello, bytes_view message, Args&&... args)
{
    auto next = std::make_unique<Module>(std::forward<Args>(args)...);
    auto ec = ((*next).*take)(hello, message);
    successor = std::move(next);
    return ec;
}

} // namespace mtls::handshake

#endif
