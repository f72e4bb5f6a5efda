#ifndef MTLS_SRC_HANDSHAKE_TLS12_COMMON_HPP
#define MTLS_SRC_HANDSHAKE_TLS12_COMMON_HPP

// What the TLS 1.2 client and server share: sending messages, the key
// schedule (RFC 5246 §6.3, §8.1, RFC 7627), Finished and peer certificates.

#include "handshake/common.hpp"

#include <optional>

namespace mtls::handshake {

class tls12_base : public module_base {
public:
    error_code on_message(wire::handshake_type type, bytes_view body, bytes_view message) final;
    error_code unexpected_here(message_kind got) const final;
    change_cipher_spec_state change_cipher_spec() const noexcept final
    {
        return stage_ == stage::expect_change_cipher_spec ? change_cipher_spec_state::tls12_keys_change
                                                          : change_cipher_spec_state::tls12_elsewhere;
    }
    void on_change_cipher_spec() final
    {
        activate_read_keys();
        stage_ = stage::expect_finished;
    }
    bool done() const noexcept final { return stage_ == stage::done; }
    /// RFC 5705 §4, only with extended master secret (RFC 7627 §5.4).
    error_code export_keying_material(std::string_view label, std::optional<bytes_view> context,
                                      mutable_bytes out) const final;

protected:
    explicit tls12_base(environment& env) : module_base(env) {}
    tls12_base(environment& env, transcript&& t) : module_base(env, std::move(t)) {}

    /// Where the handshake stands. Both ends end alike: the peer's
    /// ChangeCipherSpec and Finished (RFC 5246 §7.3), then refused
    /// renegotiations; before that, each role has its own states.
    enum class stage : std::uint8_t { role_states, expect_change_cipher_spec, expect_finished, done };
    /// A message while in `stage::role_states`.
    virtual error_code on_role_message(wire::handshake_type type, bytes_view body, bytes_view message) = 0;
    virtual error_code role_unexpected(message_kind got) const = 0;
    /// The peer's Finished `message` has been checked.
    virtual void on_peer_finished(bytes_view message) = 0;

    /// From the ECDHE shared secret: master secret (extended when negotiated)
    /// and both directions' protection; the write side starts at CCS.
    error_code derive_keys(const crypto::secret& premaster);
    /// Both directions' protection from `master_` and the randoms (RFC 5246
    /// §6.3); on its own in an abbreviated handshake (§7.3).
    void derive_key_block();
    void activate_write_keys();
    void activate_read_keys();

    /// What a ServerKeyExchange signs (RFC 8422 §5.4): client_random,
    /// server_random, then the ECDHE parameters. Valid until the next send.
    bytes_view signed_params(bytes_view params);

    /// verify_data for the transcript so far (RFC 5246 §7.4.9).
    std::array<std::byte, 12> finished_data(bool from_client) const;
    error_code check_finished(bytes_view body, bool from_client) const;
    void send_finished(bool from_client);

    void record_info(named_group g);

    stage stage_ = stage::role_states;
    const suite_info* suite_ = nullptr;
    wire::random_bytes client_random_{};
    wire::random_bytes server_random_{};
    bool ems_ = false;
    crypto::secret master_;
    std::optional<record::protection> pending_write_;
    std::optional<record::protection> pending_read_;
};

} // namespace mtls::handshake

#endif
