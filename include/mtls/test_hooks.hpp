#ifndef MTLS_TEST_HOOKS_HPP
#define MTLS_TEST_HOOKS_HPP

/// @file
/// `mtls::engine_test_hooks`: deterministic randomness and observation points
/// for tests. Its own header so that the handshake modules use it without
/// depending on the engine.

#include <mtls/detail/config.hpp>

#include <mtls/types.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <span>
#include <string_view>
#include <vector>

namespace mtls {

/// Hooks that make a handshake deterministic, for reproducing published traces
/// and for tests. Never set them in production: they replace the CSPRNG.
struct engine_test_hooks {
    /// Fills handshake randoms, session ids and nonces instead of the CSPRNG.
    std::function<void(std::span<std::byte>)> random;
    /// Private key bytes for the ephemeral key share of `group` (X25519: 32
    /// bytes; NIST curves: the big-endian scalar). Empty result: generate one.
    std::function<std::vector<std::byte>(named_group)> ephemeral_private_key;
    /// Replaces the encoded ClientHello (whole handshake message, header
    /// included) before it is sent, for replaying a published trace. The client
    /// then holds the server to what the replacement offered where the server
    /// echoes it (session id, extensions).
    std::function<void(std::vector<std::byte>& client_hello)> edit_client_hello;
    /// Sees each secret as it is derived, labelled as in the NSS key log format
    /// (CLIENT_HANDSHAKE_TRAFFIC_SECRET, SERVER_TRAFFIC_SECRET_0, EXPORTER_SECRET,
    /// CLIENT_RANDOM for the TLS 1.2 master secret, ...).
    std::function<void(std::string_view label, std::span<const std::byte> secret)> secret_log;
    /// The time sessions and tickets are issued, aged and expired by, instead
    /// of the system clock.
    std::function<std::chrono::system_clock::time_point()> clock;
};

} // namespace mtls

#endif
