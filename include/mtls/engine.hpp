#ifndef MTLS_ENGINE_HPP
#define MTLS_ENGINE_HPP

/// @file
/// `mtls::engine`: TLS without I/O. Bytes received go in, bytes to send come
/// out, plaintext goes both ways. `tls_stream` drives one over an Asio stream;
/// anything else (tests, other event loops) can drive one directly.

#include <mtls/detail/config.hpp>

#include <mtls/connection_info.hpp>
#include <mtls/context.hpp>
#include <mtls/error.hpp>
#include <mtls/session.hpp>
#include <mtls/test_hooks.hpp>
#include <mtls/types.hpp>

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace mtls {

/// A TLS connection as a state machine over bytes.
///
/// Typical driving loop (see `tls_stream` for the real one):
/// 1. `start_handshake()`.
/// 2. While `output()` is not empty, send it and `consume_output(n)`.
/// 3. If `failed()`, stop with `error()` once the output (the alert) is sent.
/// 4. Otherwise, if the goal is not met, receive into `input_space()` and
///    `commit_input(n)`; on end of stream call `on_transport_eof()`.
///
/// Buffers: the spans returned stay valid until the next non-const call.
/// `output()` is the exception: once returned, those bytes stay put (new output
/// is queued behind them) until `consume_output` has consumed all of them, so a
/// write may be in flight while input is processed.
///
/// Not thread-safe: one engine is used by one thread (or strand) at a time.
class MTLS_API engine {
public:
    /// An engine for one connection playing `r`, using `ctx`'s settings and
    /// the credentials current when the handshake starts. `hooks` are for
    /// mtls's own tests.
    engine(const context& ctx, role r, engine_test_hooks hooks = {});
    /// Wipes every secret the connection holds.
    ~engine();
    /// Movable, not copyable: an engine owns one connection's state.
    ///@{
    engine(engine&&) noexcept;
    engine& operator=(engine&&) noexcept;
    ///@}

    // Per-connection overrides of the context.
    /// Client: server_name to send and the host name to check the server's
    /// certificate against (DNS name, or an IPv4/IPv6 literal matched against
    /// IP-address SANs). Server: ignored.
    void set_host_name(std::string host);
    /// As above; `port` also keys the context's client session cache.
    void set_host_name(std::string host, std::uint16_t port);
    /// This connection's verify mode and callback instead of the context's
    /// (asio::ssl::stream's set_verify_mode / set_verify_callback).
    ///@{
    void set_verify_mode(verify_mode mode);
    void set_verify_callback(verify_callback cb);
    ///@}
    /// Client: offers `s` for resumption in the coming handshake. A session
    /// that expired, is for another server name, or whose version or suite
    /// this end no longer allows is not offered: the handshake is a full one.
    void set_session(const mtls::session& s);

    /// Client: queues the ClientHello. Server: arms it to accept one. Once only.
    void start_handshake();

    // Input.
    /// Where to put bytes received from the peer. Empty after failure or the
    /// peer's close_notify, while plaintext waits to be read and the buffer is
    /// full, and while more than 256 KiB of output waits to be sent: send
    /// `output()` first (a peer that sends but never reads cannot make the
    /// engine queue without bound). While nothing is buffered the span is a
    /// few hundred bytes inside the engine, so a read pending on an idle
    /// connection holds no receive buffer; one is taken when a record needs
    /// more room, and given back once its bytes are consumed.
    std::span<std::byte> input_space();
    /// `n` bytes were written to `input_space()`; process what can be processed.
    void commit_input(std::size_t n);
    /// Copies `data` in and processes it; returns how much was taken (all of
    /// it, unless `input_space()` runs empty on the way).
    std::size_t feed(std::span<const std::byte> data);
    /// The transport reached end of stream. Without a preceding close_notify
    /// this fails the connection with `error::stream_truncated`.
    void on_transport_eof();

    // Output.
    /// Bytes to send to the peer, in order.
    std::span<const std::byte> output();
    /// The first `n` bytes of `output()` were sent.
    void consume_output(std::size_t n);

    // Application data.
    /// Decrypted application data ready to be read.
    std::span<const std::byte> plaintext() const noexcept;
    /// The first `n` bytes of `plaintext()` were read.
    void consume_plaintext(std::size_t n);
    /// Space for the payload of the next outgoing record (at most 2^14 bytes).
    /// Fill a prefix of it, then `seal_record(n)`. Only when `is_open()`.
    std::span<std::byte> prepare_record();
    /// Protects the first `n` bytes of `prepare_record()` as one record.
    void seal_record(std::size_t n);
    /// Copies `data` into as many records as needed; returns bytes taken.
    std::size_t write(std::span<const std::byte> data);
    /// Queues close_notify; no application data may be written afterwards.
    void close();
    /// TLS 1.3: queues a KeyUpdate and switches to a fresh sending key
    /// (RFC 8446 §4.6.3); with `request_peer` the peer is asked to update its
    /// own. Returns false (and does nothing) before the handshake completes,
    /// after close or failure, and in TLS 1.2, which has no key update.
    bool update_keys(bool request_peer);

    // Keying material exporters (RFC 5705, RFC 8446 §7.5), as OpenSSL's
    // SSL_export_keying_material: the overload with `context` is its
    // use_context = 1, the one without is use_context = 0.
    /// Fills `out` with keying material for `label` and `context`; both ends
    /// of a connection get the same bytes. TLS 1.2 (RFC 5705 §4):
    /// PRF(master_secret, label, client_random + server_random + uint16
    /// length of context + context), so an empty `context` is not the same
    /// as none. TLS 1.3 (RFC 8446 §7.5): HKDF-Expand-Label(Derive-Secret(
    /// exporter_master_secret, label, ""), "exporter", Hash(context), length),
    /// where no context hashes as an empty one: the two overloads agree.
    /// On failure `ec` is set and `out` is zero-filled, never left holding
    /// bytes that could pass for keying material:
    /// - `error::not_connected` before the handshake is done and after failure;
    /// - `error::exporter_without_ems` in TLS 1.2 without extended master
    ///   secret (RFC 7627 §5.4; a context that does not require it can get
    ///   such connections);
    /// - `error::exporter_label_reserved` for the TLS 1.2 PRF's own labels
    ///   ("client finished", "server finished", "master secret", "extended
    ///   master secret", "key expansion"), in both versions (RFC 5705 §4;
    ///   OpenSSL does not refuse them);
    /// - `error::exporter_input_too_long` for a label over 249 bytes (what
    ///   HKDF-Expand-Label carries, RFC 8446 §7.1; in TLS 1.2 too) or, in
    ///   TLS 1.2, a context over 65535 bytes (its length is a uint16);
    /// - `error::exporter_output_too_long` past 255 hash lengths in TLS 1.3
    ///   (RFC 5869 §2.3: 8160 bytes with SHA-256) and past 16384 bytes in
    ///   TLS 1.2, whose PRF has no limit of its own.
    /// Works after close_notify either way, while the engine lives.
    void export_keying_material(std::string_view label, std::span<const std::byte> context,
                                std::span<std::byte> out, error_code& ec) const;
    /// As above without a context (RFC 5705 §4: the seed ends after the randoms).
    void export_keying_material(std::string_view label, std::span<std::byte> out, error_code& ec) const;

    // State.
    /// The handshake completed (also true after a later failure or close).
    bool handshake_done() const noexcept;
    /// Handshake done, not failed, and this end has not sent close_notify.
    bool is_open() const noexcept;
    /// The peer sent close_notify: no more plaintext will arrive.
    bool peer_closed() const noexcept;
    /// This end has queued close_notify.
    bool closed_for_writing() const noexcept;
    /// The connection failed; error() says why.
    bool failed() const noexcept;
    /// Why the connection failed; empty otherwise.
    error_code error() const noexcept;
    /// More input is needed before anything else can happen.
    bool wants_input() const noexcept;
    /// Valid once `handshake_done()`.
    const connection_info& info() const noexcept;
    /// Client: the latest session a new connection can resume with: after a
    /// TLS 1.2 handshake, or once a TLS 1.3 ticket has arrived (they come
    /// after the handshake, with the server's first data). Empty before.
    mtls::session session() const;
    /// The role this engine plays.
    role side() const noexcept;

private:
    struct MTLS_LOCAL impl;
    std::unique_ptr<impl> impl_;
};

} // namespace mtls

#endif
