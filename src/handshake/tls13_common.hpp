#ifndef MTLS_SRC_HANDSHAKE_TLS13_COMMON_HPP
#define MTLS_SRC_HANDSHAKE_TLS13_COMMON_HPP

// What the TLS 1.3 client and server share (RFC 8446): the key schedule
// driven by the transcript, record keys, Certificate / CertificateVerify /
// Finished, and the post-handshake messages (KeyUpdate, NewSessionTicket).

#include "handshake/common.hpp"
#include "handshake/key_schedule13.hpp"

namespace mtls::handshake {

class tls13_base : public module_base {
public:
    error_code on_message(wire::handshake_type type, bytes_view body, bytes_view message) final;
    error_code unexpected_here(message_kind got) const final;
    bool done() const noexcept final { return stage_ == stage::done; }
    change_cipher_spec_state change_cipher_spec() const noexcept override
    {
        return peer_finished_ ? change_cipher_spec_state::tls13_after_finished
                              : change_cipher_spec_state::tls13_dummy_allowed;
    }
    bool update_write_key(bool request_peer) override;
    /// RFC 8446 §7.5: from the exporter_master_secret kept since the server Finished.
    error_code export_keying_material(std::string_view label, std::optional<bytes_view> context,
                                      mutable_bytes out) const final;
    void before_seal() override;
    void release_handshake_state() override
    {
        module_base::release_handshake_state();
        std::vector<std::byte>().swap(signed_content_);
    }

protected:
    explicit tls13_base(environment& env) : module_base(env) {}
    tls13_base(environment& env, transcript&& t) : module_base(env, std::move(t)) {}

    /// Where the handshake stands. Both ends end alike: the peer's
    /// CertificateVerify (when it sent a certificate) and Finished, then the
    /// post-handshake messages (§4.4, §4.6); before that, each role has its
    /// own states (`role_states`).
    enum class stage : std::uint8_t { role_states, expect_certificate_verify, expect_finished, done };
    /// A message while in `stage::role_states`.
    virtual error_code on_role_message(wire::handshake_type type, bytes_view body, bytes_view message) = 0;
    virtual error_code role_unexpected(message_kind got) const = 0;
    /// The peer's Finished has been checked and added to the transcript.
    virtual error_code on_peer_finished() = 0;

    crypto::hash_alg hash() const noexcept { return suite_->hash; }
    /// Transcript-Hash of the messages so far.
    crypto::mutable_bytes transcript_hash(crypto::mutable_bytes out) const { return transcript_.current(out); }

    /// §7.1: Handshake Secret from the (EC)DHE secret, then both handshake
    /// traffic secrets over ClientHello..ServerHello.
    void derive_handshake_secrets(const crypto::secret& shared, bytes_view psk = {});
    /// §7.1: Master Secret, then the application traffic and exporter secrets
    /// over ClientHello..server Finished.
    void derive_application_secrets();
    /// §7.1: resumption_master_secret over ClientHello..client Finished.
    void derive_resumption_master();
    void use_read_secret(const crypto::secret& s);
    void use_write_secret(const crypto::secret& s);

    /// The peer's Certificate (§4.4.2), whole message in `message`.
    error_code on_peer_certificate(bytes_view body, bytes_view message);
    /// Certificate with an empty request context (§4.4.2); our chain, or an
    /// empty list when `empty`.
    void send_certificate(bool empty);
    /// §4.4.3: signs the transcript so far with this end's key.
    error_code send_certificate_verify(signature_scheme scheme);
    /// Checks the peer's CertificateVerify over the transcript before it.
    error_code check_certificate_verify(bytes_view body);
    /// §4.4.4: Finished keyed by a handshake traffic secret.
    void send_finished(const crypto::secret& base_key);
    error_code check_finished(bytes_view body, const crypto::secret& base_key) const;

    /// KeyUpdate (either side) and NewSessionTicket (client) after the handshake.
    error_code on_post_handshake(wire::handshake_type type, bytes_view body);
    /// §4.6.1: a ticket becomes the session a new connection can resume.
    error_code on_new_session_ticket(bytes_view body);
    /// Handshake secret of the peer's direction.
    const crypto::secret& peer_handshake_secret() const noexcept
    {
        return env_.side == role::client ? secrets_->server : secrets_->client;
    }

    /// Both Finished are through: the handshake secrets and the buffered
    /// transcript go, and the connection info is settled.
    void finish_handshake(named_group g, bool hello_retry);

    /// The middlebox compatibility ChangeCipherSpec (§D.4), once, when the
    /// client's legacy_session_id is not empty.
    void send_dummy_change_cipher_spec(bool compatibility_mode);
    bool dummy_change_cipher_spec_due(bool compatibility_mode) const noexcept
    {
        return env_.ctx.middlebox_compat && compatibility_mode && !sent_change_cipher_spec_;
    }

    stage stage_ = stage::role_states;
    const suite_info* suite_ = nullptr;
    std::optional<tls13::handshake_secrets> secrets_;
    crypto::secret resumption_master_;     // what the tickets' PSKs derive from
    crypto::secret exporter_master_;       // exporter_master_secret (§7.1), for §7.5
    crypto::secret client_traffic_secret_; // application_traffic_secret_N, each direction
    crypto::secret server_traffic_secret_;
    unsigned client_generation_ = 0;
    unsigned server_generation_ = 0;
    /// The peer's Finished has arrived: no more dummy ChangeCipherSpec (RFC 8446 §5).
    bool peer_finished_ = false;
    /// A KeyUpdate answering the peer's request is queued and no application
    /// data has been sealed since.
    bool key_update_answered_ = false;
    bool sent_change_cipher_spec_ = false;

private:
    crypto::secret& own_traffic_secret() noexcept
    {
        return env_.side == role::client ? client_traffic_secret_ : server_traffic_secret_;
    }
    crypto::secret& peer_traffic_secret() noexcept
    {
        return env_.side == role::client ? server_traffic_secret_ : client_traffic_secret_;
    }
    void log_traffic_secret(role owner);
    /// The content a CertificateVerify signs (§4.4.3), for the given signer.
    bytes_view signed_content(role signer);
    std::vector<std::byte> signed_content_;
};

} // namespace mtls::handshake

#endif
