#ifndef MTLS_SRC_HANDSHAKE_CREDENTIALS_HPP
#define MTLS_SRC_HANDSHAKE_CREDENTIALS_HPP

// Which credentials a handshake uses: the server's per server_name
// (RFC 6066 §3), and which own chain and key each end authenticates with.

#include "handshake/handshake.hpp"
#include "handshake/suites.hpp"

#include <functional>
#include <optional>
#include <string_view>
#include <vector>

namespace mtls::handshake {

/// Before the first message: certificate_without_key or
/// key_without_certificate when a chain of `env`'s credentials lacks its key
/// or a key its chain; for a server that has no server names to switch to,
/// no_certificate without any chain and key. A client so configured would
/// otherwise send no certificate, silently.
error_code check_own_credentials(const environment& env);

/// Server: switches `env` to the credentials serving `server_name`: the
/// context's callback first, then its table (exact name, then "*.domain"),
/// else the default, or unrecognized_server_name when the context rejects
/// unknown names.
error_code select_server_name(environment& env, std::optional<std::string_view> server_name);

/// Server: nothing when some chain of `c` has its key; otherwise why not
/// (a lone chain or key), else no_certificate.
error_code missing_server_key(const detail::credentials& c);

/// The first scheme of `ours` that a key of type `k` makes and the peer
/// accepts; TLS 1.3 excludes PKCS#1 v1.5 and ties ECDSA schemes to their curve.
std::optional<signature_scheme> pick_scheme(const std::vector<signature_scheme>& ours, crypto::key_type k,
                                            const std::vector<signature_scheme>& peer, bool tls12);

/// Server: the first own chain whose key signs with a scheme the client
/// accepts and for which `fits` holds; sets `env.own` and `scheme`.
/// missing_server_key's error without any usable chain, no_shared_signature_scheme
/// when none fits.
error_code choose_server_key(environment& env, const std::vector<signature_scheme>& client_schemes, bool tls12,
                             const std::function<bool(crypto::key_type)>& fits, signature_scheme& scheme);

/// Client, answering a CertificateRequest (RFC 8446 §4.4.2.3, RFC 5246
/// §7.4.6): the scheme to sign CertificateVerify with, and `env.own` set to
/// the chain to send; nullopt (and no chain) to send none. Only chains whose
/// key type `fits` are considered.
std::optional<signature_scheme> choose_client_key(environment& env, const std::vector<bytes_view>& authorities,
                                                  const std::vector<signature_scheme>& server_schemes, bool tls12,
                                                  const std::function<bool(crypto::key_type)>& fits);

} // namespace mtls::handshake

#endif
