#ifndef MTLS_SRC_HANDSHAKE_HANDSHAKE_HPP
#define MTLS_SRC_HANDSHAKE_HANDSHAKE_HPP

// The interface between the engine and a handshake module (one per version
// and role, plus the hello module that settles the version), and what the
// engine lends a module to work with.

#include "context_impl.hpp"
#include "error_detail.hpp"
#include "session/session_state.hpp"
#include "record/record_layer.hpp"
#include "wire/messages.hpp"

#include <mtls/connection_info.hpp>
#include <mtls/test_hooks.hpp>

#include <memory>
#include <optional>
#include <string>

namespace mtls::handshake {

using crypto::bytes_view;
using crypto::mutable_bytes;

/// A handshake message type or ChangeCipherSpec, as a state expects or receives it.
using message_kind = std::uint16_t;
constexpr message_kind kind(wire::handshake_type t) noexcept { return static_cast<message_kind>(t); }
inline constexpr message_kind change_cipher_spec_kind = detail::change_cipher_spec_message;

/// The connection-wide pieces a handshake module reads and drives.
struct environment {
    const detail::context_impl& ctx;
    role side;
    std::string host;            // client: expected server name; empty for none
    /// The engine's own verify settings, which outrank the credentials'.
    std::optional<verify_mode> mode_override;
    std::optional<verify_callback> callback_override;
    /// Set by use_credentials.
    std::shared_ptr<const detail::credentials> creds;
    verify_mode mode = verify_none;
    verify_callback callback;
    /// The chain and key this end authenticates with, once chosen (owned by `creds`).
    const detail::certified_key* own = nullptr;
    const engine_test_hooks& hooks;
    record::record_layer& records;
    connection_info& info;
    /// This end has sent close_notify: nothing more may be sent (not even a
    /// KeyUpdate answer).
    bool write_closed = false;
    /// Client: the session to resume (engine::set_session), null for none.
    std::shared_ptr<const detail::session_state> offered_session;
    /// Client: the latest session this connection can be resumed with.
    std::shared_ptr<const detail::session_state> resumable_session;
    /// Client: the server's key in the context's client session cache.
    std::string session_key;
    /// The random of the (first) ClientHello: what key log lines are keyed by.
    wire::random_bytes client_random{};

    /// Random bytes from the test hook when set, else the CSPRNG.
    void random(mutable_bytes out) const;
    /// Milliseconds since the Unix epoch, from the test hook's clock when set.
    std::uint64_t now_ms() const;
    std::uint64_t now() const { return now_ms() / 1000; }
    /// The credentials this handshake works with: taken from the context
    /// when it starts; a server switches to a server name's (RFC 6066 §3).
    void use_credentials(std::shared_ptr<const detail::credentials> c);
    /// Client: `s` becomes the session to resume with, and goes into the
    /// context's client session cache when there is one.
    void keep_session(std::shared_ptr<const detail::session_state> s);
};

/// Where a state stands on an unprotected ChangeCipherSpec record.
/// `accept_change_cipher_spec` turns it into an outcome, so that the rules
/// of RFC 5246 §7.1 and RFC 8446 §5 are read in one place.
enum class change_cipher_spec_state : std::uint8_t {
    before_version,       // no hello yet, or TLS 1.2 may still be chosen
    tls13_dummy_allowed,  // TLS 1.3 before the peer's Finished
    tls13_after_finished, // TLS 1.3 once the peer's Finished has come
    tls12_keys_change,    // TLS 1.2: the peer's next records are protected
    tls12_elsewhere,      // TLS 1.2 in any other state
};

/// A handshake state machine. Messages arrive whole (the engine reassembles
/// them); each call either advances the state (possibly queueing a flight in
/// the record layer) or returns the error that ends the connection.
class handshake_module {
public:
    virtual ~handshake_module() = default;
    /// Client: send the first flight. Server: nothing to do.
    virtual error_code start() { return {}; }
    /// `message` is the whole message, header included; `body` follows the header.
    virtual error_code on_message(wire::handshake_type type, bytes_view body, bytes_view message) = 0;
    /// error::unexpected_message for `got`, naming what the current state takes
    /// (rustls' check.rs does the same: "expected X, got Y").
    virtual error_code unexpected_here(message_kind got) const = 0;
    virtual change_cipher_spec_state change_cipher_spec() const noexcept = 0;
    /// Only in change_cipher_spec_state::tls12_keys_change: read under the new keys.
    virtual void on_change_cipher_spec() {}
    virtual bool done() const noexcept { return false; }
    /// Called once done(): frees what only the handshake needed. What
    /// post-handshake messages, the exporter and the user read stays.
    virtual void release_handshake_state() {}
    /// TLS 1.3: queues a KeyUpdate and switches to the next sending key.
    /// False where there is no such thing (TLS 1.2, handshake not done).
    virtual bool update_write_key(bool /*request_peer*/) { return false; }
    /// Called before each application data record is sealed.
    virtual void before_seal() {}
    /// Keying material for `label` and `context` (nullopt: none) into `out`,
    /// once done() (engine::export_keying_material checks what is common).
    virtual error_code export_keying_material(std::string_view /*label*/, std::optional<bytes_view> /*context*/,
                                              mutable_bytes /*out*/) const
    {
        return error::not_connected;
    }

    /// The module the hellos chose, once: the engine drives it from then on.
    std::unique_ptr<handshake_module> take_successor() noexcept { return std::move(successor_); }

protected:
    std::unique_ptr<handshake_module> successor_;
};

/// The modules a connection starts with: they send or read the first hello,
/// settle the version (RFC 8446 §4.2.1) and hand over (hello.cpp).
std::unique_ptr<handshake_module> make_client(environment& env);
std::unique_ptr<handshake_module> make_server(environment& env);

/// A ChangeCipherSpec record arrived; `was_protected` when it came under
/// record protection. Returns the error that ends the connection, if any.
error_code accept_change_cipher_spec(handshake_module& hs, bytes_view payload, bool was_protected);

} // namespace mtls::handshake

#endif
