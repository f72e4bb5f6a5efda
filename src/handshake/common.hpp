#ifndef MTLS_SRC_HANDSHAKE_COMMON_HPP
#define MTLS_SRC_HANDSHAKE_COMMON_HPP

// What every handshake module shares, whatever the version: sending messages
// into the transcript, ephemeral key shares, the peer's certificate chain and
// signature scheme choice.

#include "crypto/key_share.hpp"
#include "crypto/pki.hpp"
#include "handshake/handshake.hpp"
#include "handshake/suites.hpp"
#include "handshake/transcript.hpp"

#include <algorithm>
#include <optional>
#include <type_traits>

namespace mtls::handshake {

template <class T>
bool contains(const std::vector<T>& v, T x)
{
    return std::find(v.begin(), v.end(), x) != v.end();
}

/// error::unexpected_message saying what the state took and what came.
inline error_code unexpected(message_kind got, std::initializer_list<message_kind> expected) noexcept
{
    return detail::unexpected_message(got, expected);
}

/// Suites of `ctx` for `v`, in preference order.
std::vector<const suite_info*> suites_for(const detail::context_impl& ctx, tls_version v);

/// The suites of `ctx` for `v` that a hello offering `offered` allows, the
/// server's choice first, in the order ctx.suite_preference names.
std::vector<const suite_info*> server_suite_order(const detail::context_impl& ctx, tls_version v,
                                                  const std::vector<std::uint16_t>& offered);

/// Whether `ctx` allows version `v`.
inline bool allows(const detail::context_impl& ctx, tls_version v) noexcept
{
    return ctx.min_version <= v && v <= ctx.max_version;
}

/// Server, RFC 7301 §3.2: the first of our protocols that the client
/// offers, into `env.info.alpn`; no_application_protocol when the client
/// offers some and none is ours. Nothing when either side has no list.
error_code choose_alpn(environment& env, const wire::hello_extensions& client_hello);
/// Client: the server's selection, which must be one we offered (RFC 7301 §3.1).
error_code accept_alpn(environment& env, const wire::hello_extensions& server_ext);

/// Server: whether to ask the client for a certificate: to verify it, or
/// because identities are required of it.
inline bool asks_for_client_certificate(const environment& env) noexcept
{
    return (env.mode & verify_peer) || !env.creds->required_identities.empty();
}

/// Whether a peer certificate with these fields carries one of the
/// identities the context requires (any, when it requires none).
bool has_required_identity(const environment& env, const certificate_info& info) noexcept;

/// The fields of the first certificate of `chain` (a session's peer chain);
/// none for an empty chain or a certificate parse_certificate_info refuses.
std::optional<certificate_info> leaf_info(const std::vector<std::vector<std::byte>>& chain);

class module_base : public handshake_module {
protected:
    explicit module_base(environment& env) : env_(env) {}
    /// The context's crypto provider, which every computation of this
    /// handshake uses.
    const crypto::provider& crypto() const noexcept { return *env_.ctx.crypto; }
    /// Takes over from the hello module with the transcript so far.
    module_base(environment& env, transcript&& t) : env_(env), transcript_(std::move(t)) {}

    /// Encodes a handshake message with `encode(writer&)` (one of the wire
    /// encoders), adds it to the transcript and queues it. An encoder that
    /// returns an error_code can refuse: then nothing is sent.
    template <class Encode>
    error_code send(wire::handshake_type t, Encode&& encode)
    {
        scratch_.clear();
        error_code ec;
        wire::encode_handshake(scratch_, t, [&](wire::writer& w) {
            if constexpr (std::is_void_v<std::invoke_result_t<Encode&, wire::writer&>>)
                encode(w);
            else
                ec = encode(w);
        });
        if (!ec)
            queue(scratch_);
        return ec;
    }
    /// Adds a whole encoded message to the transcript and queues it.
    void queue(bytes_view message)
    {
        transcript_.add(message);
        env_.records.send(wire::content_type::handshake, message);
    }

    /// This end's chosen certificate chain (env.own) as DER, its own
    /// certificate first; empty when none is chosen.
    std::vector<bytes_view> own_chain() const;

    /// A fresh ephemeral key share (or the test hook's).
    crypto::key_share make_key_share(named_group g) const;

    /// Parses and (by the verify mode) verifies the peer's chain, and records
    /// it in the connection info. `peer_role` is the chain owner's role.
    error_code accept_peer_chain(const std::vector<bytes_view>& chain, role peer_role);

    /// The peer's signature over `content` by its certificate's key: a scheme
    /// we offered that fits that key in this version (illegal_parameter
    /// otherwise), and a signature that verifies (`bad_signature` otherwise).
    error_code check_peer_signature(const wire::signed_data& sig, bytes_view content, bool tls12,
                                    error_code bad_signature) const;

    /// RFC 5246 §7.2.2: a warning alert (no_renegotiation); the connection goes on.
    void send_warning(alert a)
    {
        if (env_.write_closed)
            return;
        const std::array<std::byte, 2> body{std::byte{1}, std::byte{static_cast<std::uint8_t>(a)}};
        env_.records.send(wire::content_type::alert, body);
    }

    /// RFC 5246 §7.1: the one ChangeCipherSpec message there is.
    void send_change_cipher_spec()
    {
        env_.records.send(wire::content_type::change_cipher_spec, std::array{std::byte{1}});
    }

    /// Reports a secret under its NSS key log label to the test hook and, as
    /// a key log line, to the context's key log callback.
    void log_secret(std::string_view label, bytes_view s) const;
    /// The transcript, the peer's parsed certificate and the encoding buffer.
    void release_handshake_state() override
    {
        transcript_ = transcript{};
        std::vector<std::byte>().swap(scratch_);
        peer_leaf_ = crypto::certificate{};
    }
    /// Only to the test hook: labels outside the NSS key log format.
    void log_secret_to_test_hook(std::string_view label, bytes_view s) const
    {
        if (env_.hooks.secret_log)
            env_.hooks.secret_log(label, s);
    }

    environment& env_;
    transcript transcript_;
    std::vector<std::byte> scratch_;
    crypto::certificate peer_leaf_;
};

} // namespace mtls::handshake

#endif
