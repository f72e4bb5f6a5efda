#ifndef MTLS_SRC_HANDSHAKE_KEY_SCHEDULE13_HPP
#define MTLS_SRC_HANDSHAKE_KEY_SCHEDULE13_HPP

// The TLS 1.3 key schedule (RFC 8446 §7.1-7.3) and Finished (§4.4.4), as pure
// functions of secrets and transcript hashes so that each step can be checked
// against RFC 8448 on its own.

#include "crypto/aead.hpp"
#include "crypto/hash.hpp"

#include <string_view>

namespace mtls::handshake::tls13 {

using crypto::bytes_view;
using crypto::hash_alg;
using crypto::mutable_bytes;
using crypto::secret;

/// HKDF-Expand-Label(secret, label, context, out.size()) (§7.1); "tls13 " is
/// prefixed here.
void expand_label(const crypto::provider& p, hash_alg h, bytes_view secret, std::string_view label, bytes_view context,
                  mutable_bytes out);

/// Derive-Secret(secret, label, messages) given Transcript-Hash(messages) (§7.1).
secret derive_secret(const crypto::provider& p, hash_alg h, bytes_view secret, std::string_view label, bytes_view transcript_hash);

/// Early Secret = HKDF-Extract(0, PSK), with a zero PSK when there is none.
secret early_secret(const crypto::provider& p, hash_alg h, bytes_view psk = {});

/// The next extract stage: HKDF-Extract(Derive-Secret(previous, "derived", ""),
/// ikm), with zeros for an empty `ikm`. Early → Handshake Secret with the
/// (EC)DHE shared secret; Handshake → Master Secret with none.
secret next_stage(const crypto::provider& p, hash_alg h, const secret& previous, bytes_view ikm);

/// The secrets that live only during one handshake (§7.1). Each zeroises
/// itself; the handshake drops them as a whole once both Finished are through.
struct handshake_secrets {
    secret handshake; // Handshake Secret, until the Master Secret is derived from it
    secret client;    // client_handshake_traffic_secret
    secret server;    // server_handshake_traffic_secret
    secret master;    // Master Secret, until resumption_master_secret is derived
};

/// binder_key for a resumption PSK: Derive-Secret(Early Secret, "res binder",
/// "") (§7.1); the binder is a Finished computed with it (§4.2.11.2).
secret resumption_binder_key(const crypto::provider& p, hash_alg h, const secret& early);

/// The PSK a NewSessionTicket stands for: HKDF-Expand-Label(
/// resumption_master_secret, "resumption", ticket_nonce, Hash.length) (§4.6.1).
secret ticket_psk(const crypto::provider& p, hash_alg h, bytes_view resumption_master_secret, bytes_view nonce);

/// The binder for `psk` (§4.2.11.2): a Finished keyed by its binder_key
/// over Transcript-Hash(`transcript`), where `transcript` ends with the
/// ClientHello truncated before its binders list.
secret psk_binder(const crypto::provider& p, hash_alg h, bytes_view psk, bytes_view transcript);

/// The record protection key and IV of a traffic secret (§7.3).
struct traffic_key {
    secret key;
    secret iv;
};
traffic_key traffic_keys(const crypto::provider& p, crypto::aead_alg a, hash_alg h, bytes_view traffic_secret);

/// application_traffic_secret_N+1 (§7.2).
secret next_traffic_secret(const crypto::provider& p, hash_alg h, bytes_view current);

/// TLS-Exporter(label, context, out.size()) (§7.5): HKDF-Expand-Label(
/// Derive-Secret(exporter_master_secret, label, ""), "exporter",
/// Hash(context), out.size()). `label` is at most 249 bytes, `out` at most
/// 255 hash lengths.
void export_keying_material(const crypto::provider& p, hash_alg h, bytes_view exporter_master_secret, std::string_view label,
                            bytes_view context, mutable_bytes out);

/// Finished.verify_data = HMAC(finished_key, transcript_hash), where
/// finished_key = HKDF-Expand-Label(base_key, "finished", "", Hash.length).
secret finished_verify_data(const crypto::provider& p, hash_alg h, bytes_view base_key, bytes_view transcript_hash);

} // namespace mtls::handshake::tls13

#endif
