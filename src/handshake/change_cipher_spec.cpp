// Every rule for a received ChangeCipherSpec, in one place. The states say
// where they stand (handshake_module::change_cipher_spec); this decides.

#include "handshake/handshake.hpp"

namespace mtls::handshake {

error_code accept_change_cipher_spec(handshake_module& hs, bytes_view payload, bool was_protected)
{
    using enum change_cipher_spec_state;
    const auto state = hs.change_cipher_spec();
    const bool tls13 = state == tls13_dummy_allowed || state == tls13_after_finished;
    // RFC 8446 §5: a protected ChangeCipherSpec is never valid.
    if (was_protected && tls13)
        return error::unexpected_change_cipher_spec;
    // RFC 5246 §7.1: a single byte of value 1 (RFC 8446 §5 likewise for the
    // dummy one); anything else is an unexpected_message.
    if (payload.size() != 1 || payload[0] != std::byte{1})
        return error::bad_change_cipher_spec;
    switch (state) {
    case before_version:
        // RFC 8446 §5: not before the first ClientHello; and a client that
        // may still get TLS 1.2, whose handshake has none here, takes none.
        return error::unexpected_change_cipher_spec;
    case tls13_dummy_allowed:
        // RFC 8446 §5, §D.4: the middlebox compatibility dummy is dropped.
        return {};
    case tls13_after_finished:
        // RFC 8446 §5: after the peer's Finished it is an unexpected record.
        return error::unexpected_change_cipher_spec;
    case tls12_keys_change:
        // RFC 5246 §7.1: the peer's next records are under the new keys.
        hs.on_change_cipher_spec();
        return {};
    case tls12_elsewhere:
        // RFC 5246 §7.4.8, §7.4.9: anywhere else it would skip or repeat a step.
        break;
    }
    return hs.unexpected_here(change_cipher_spec_kind);
}

} // namespace mtls::handshake
