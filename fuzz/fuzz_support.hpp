#ifndef MTLS_FUZZ_FUZZ_SUPPORT_HPP
#define MTLS_FUZZ_FUZZ_SUPPORT_HPP

// Shared by the fuzz targets, their replay drivers and make_corpus: in-process
// credentials, contexts and engines with deterministic randoms and keys, a
// byte cursor over the fuzz input, and an in-memory engine pair whose pump
// checks the plaintext oracle. Deterministic on purpose: a flight recorded by
// make_corpus, or a crash input saved by libFuzzer, replays byte for byte.

#include <mtls/context.hpp>
#include <mtls/engine.hpp>
#include <mtls/types.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string_view>
#include <vector>

namespace mtls::fuzz {

using bytes = std::vector<std::byte>;
using bytes_view = std::span<const std::byte>;

/// DER certificates and keys (all P-256), the same in every run.
struct credentials {
    bytes ca;
    bytes server;
    bytes server_key;
    bytes client;
    bytes client_key;
};
const credentials& test_credentials();
/// A self-signed leaf with one subjectAltName of each kind mtls reads (DNS,
/// IPv4, IPv6, URI, e-mail), the same in every run: fuzz_certificate's seed.
bytes certificate_with_names();

/// How a client or server is configured.
struct setup {
    tls_version max_version = tls_version::tls13;
    /// Client: present a certificate when asked.
    bool client_cert = true;
    /// Server: always asks (verify_peer); with this, a client without one fails.
    bool require_client_cert = false;
    /// The group each end prefers. The client sends a key share for its first
    /// group only, so a server preferring another one answers with a
    /// HelloRetryRequest (TLS 1.3).
    named_group client_group = named_group::x25519;
    named_group server_group = named_group::x25519;
};

context server_context(const setup& s);
context client_context(const setup& s);

/// Hooks with fixed randoms and ephemeral keys; `seed` tells the ends apart.
/// `secret_log` is passed through (make_corpus decrypts TLS 1.3 flights with it).
engine_test_hooks fixed_hooks(std::uint8_t seed,
                              std::function<void(std::string_view, bytes_view)> secret_log = {});

/// A server armed for a ClientHello, and a client that has queued its own.
engine make_server(const setup& s, engine_test_hooks hooks = fixed_hooks(2));
engine make_client(const setup& s, engine_test_hooks hooks = fixed_hooks(1));

/// Reports a broken invariant and aborts, which libFuzzer and ctest both see.
[[noreturn]] void oracle_failure(const char* what);

/// Everything the engine has queued for the peer.
bytes drain(engine& e);

/// Feeds `data` to `e`, moving every plaintext it reports into `received`;
/// returns how much it took: less than all once it failed or saw
/// close_notify, or while its output waits to be sent. Aborts when it refuses
/// input for none of these reasons, or reports plaintext after it failed.
std::size_t feed(engine& e, bytes_view data, bytes& received);

/// `feed`, discarding the engine's output whenever it waits for that.
void feed_all(engine& e, bytes_view data, bytes& received);

/// What fuzz_public_key's signatures sign; make_corpus signs it for its seeds.
inline constexpr std::string_view public_key_message = "fuzz_public_key: the signed message";

/// Reads the fuzz input front to back; past the end every read gives zeros.
class cursor {
public:
    cursor(const std::uint8_t* data, std::size_t size) noexcept : data_(data), size_(size) {}

    bool empty() const noexcept { return pos_ == size_; }
    std::uint8_t u8() noexcept { return pos_ < size_ ? data_[pos_++] : 0; }
    std::uint16_t u16() noexcept { return static_cast<std::uint16_t>((u8() << 8) | u8()); }
    /// Up to `n` bytes (fewer at the end of the input).
    bytes take(std::size_t n);
    bytes rest() { return take(size_ - pos_); }

private:
    const std::uint8_t* data_;
    std::size_t size_;
    std::size_t pos_ = 0;
};

/// What one engine had queued when the pump collected it.
struct flight {
    bool to_server = false;
    bytes data;
};

/// A client and a server talking in memory. Each end's application data goes
/// into `wrote`; what each end reads goes into `read`, and the pump checks
/// after every delivery that a side has read only a prefix of what the other
/// wrote (the oracle: no forged, reordered or lost-then-resumed plaintext).
class engine_pair {
public:
    engine_pair(const setup& client, const setup& server, engine_test_hooks client_hooks = fixed_hooks(1),
                engine_test_hooks server_hooks = fixed_hooks(2));

    engine client;
    engine server;
    bytes client_wrote, server_wrote, client_read, server_read;
    /// Every flight delivered, after `on_flight` saw it.
    std::vector<flight> flights;
    /// Sees each flight before delivery, with its index in `flights`.
    std::function<void(std::size_t index, flight&)> on_flight;

    /// Moves output both ways until neither end has any and neither takes
    /// more input (bounded).
    void run();
    /// Writes `data` as application data from one end if it is open.
    void write(bool from_client, bytes_view data);
    /// Delivers bytes that did not come from the peer to one end, behind
    /// what it has not taken yet.
    void inject(bool to_server, bytes_view data);
    void check() const;

private:
    /// Feeds one end what waits for it; true if it took any.
    bool deliver(bool to_server);

    /// Bytes in transit that an end has not taken yet (it had output to send).
    bytes to_server_;
    bytes to_client_;
};

/// Deterministic application data, different per seed.
bytes pattern(std::size_t n, std::uint8_t seed);

/// The two ticket key records (name and key, 48 bytes each) fuzz_session
/// opens tickets with, and make_corpus seals its ticket seeds with.
bytes session_ticket_key_records();

/// The message decoders of src/wire/messages.hpp fuzz_messages can choose from;
/// its first input byte, modulo `count`, picks one.
enum class decoder : std::uint8_t {
    client_hello,
    server_hello,
    extensions_client_hello,
    extensions_server_hello,
    extensions_hello_retry_request,
    extensions_encrypted_extensions,
    extensions_certificate_request,
    certificate13,
    certificate12,
    certificate_request13,
    certificate_request12,
    server_key_exchange,
    client_key_exchange,
    certificate_verify,
    new_session_ticket,
    key_update,
    encrypted_extensions,
    count,
};

} // namespace mtls::fuzz

#endif
