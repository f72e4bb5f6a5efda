#ifndef MTLS_SRC_HANDSHAKE_HANDSHAKE_HPP
#define MTLS_SRC_HANDSHAKE_HANDSHAKE_HPP

// The interface between the engine and a handshake module (one per version
// and role), and what the engine lends a module to work with.

#include "context_impl.hpp"
#include "record/record_layer.hpp"
#include "wire/messages.hpp"

#include <mtls/engine.hpp>

#include <array>
#include <string>
#include <vector>

namespace mtls::handshake {

using crypto::bytes_view;
using crypto::mutable_bytes;

/// The connection-wide pieces a handshake module reads and drives.
struct environment {
    const detail::context_impl& ctx;
    role side;
    std::string host;            // client: expected server name; empty for none
    verify_mode mode;
    verify_callback callback;
    const engine_test_hooks& hooks;
    record::record_layer& records;
    connection_info& info;
    /// This end has sent close_notify: nothing more may be sent (not even a
    /// KeyUpdate answer).
    bool write_closed = false;

    /// Random bytes from the test hook when set, else the CSPRNG.
    void random(mutable_bytes out) const;
};

/// A handshake state machine. Messages arrive whole (the engine reassembles
/// them); each call either advances the state (possibly queueing a flight in
/// the record layer) or returns the error that ends the connection.
class handshake_module {
public:
    virtual ~handshake_module() = default;
    /// Client: send the first flight. Server: nothing to do.
    virtual error_code start() = 0;
    /// `message` is the whole message, header included; `body` follows the header.
    virtual error_code on_message(wire::handshake_type type, bytes_view body, bytes_view message) = 0;
    /// A ChangeCipherSpec record (single byte 1, received unprotected).
    virtual error_code on_change_cipher_spec() = 0;
    virtual bool done() const noexcept = 0;
    /// TLS 1.3: queues a KeyUpdate and switches to the next sending key.
    /// False where there is no such thing (TLS 1.2, handshake not done).
    virtual bool update_write_key(bool /*request_peer*/) { return false; }
    /// Called before each application data record is sealed.
    virtual void before_seal() {}
};

/// Clients and servers for every version the context allows: the module
/// settles the version from the hellos and then runs that version's handshake.
std::unique_ptr<handshake_module> make_client(environment& env);
std::unique_ptr<handshake_module> make_server(environment& env);

/// A ClientHello as it went out, for the module that takes over once the
/// ServerHello settles the version.
struct sent_client_hello {
    std::vector<std::byte> message; // header included, after the test hook
    std::array<std::byte, 32> random{};
    std::vector<std::byte> session_id;
    std::vector<std::uint16_t> extensions; // types, as sent
    bool offered_tls13 = false;
};

/// The TLS 1.2 client after `hello`, expecting ServerHello.
std::unique_ptr<handshake_module> make_tls12_client(environment& env, const sent_client_hello& hello);
/// The TLS 1.2 server, expecting ClientHello.
std::unique_ptr<handshake_module> make_tls12_server(environment& env);

} // namespace mtls::handshake

#endif
