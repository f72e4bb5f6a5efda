#include "handshake/tls13_common.hpp"

#include "handshake/resumption.hpp"

#include <algorithm>
#include <string>

namespace mtls::handshake {

using wire::handshake_type;

error_code tls13_base::on_message(handshake_type type, bytes_view body, bytes_view message)
{
    switch (stage_) {
    case stage::role_states:
        return on_role_message(type, body, message);
    case stage::expect_certificate_verify:
        if (type != handshake_type::certificate_verify)
            break;
        if (auto ec = check_certificate_verify(body)) // signs the transcript before it
            return ec;
        transcript_.add(message);
        stage_ = stage::expect_finished;
        return {};
    case stage::expect_finished:
        if (type != handshake_type::finished)
            break;
        if (auto ec = check_finished(body, peer_handshake_secret()))
            return ec;
        transcript_.add(message);
        peer_finished_ = true;
        if (auto ec = on_peer_finished())
            return ec;
        stage_ = stage::done;
        return {};
    case stage::done:
        return on_post_handshake(type, body);
    }
    return unexpected_here(kind(type));
}

error_code tls13_base::unexpected_here(message_kind got) const
{
    using enum handshake_type;
    switch (stage_) {
    case stage::role_states: return role_unexpected(got);
    case stage::expect_certificate_verify: return unexpected(got, {kind(certificate_verify)});
    case stage::expect_finished: return unexpected(got, {kind(finished)});
    case stage::done: break;
    }
    // §4.6: CertificateRequest needs post_handshake_auth, which we never offer.
    if (env_.side == role::client)
        return unexpected(got, {kind(new_session_ticket), kind(key_update)});
    return unexpected(got, {kind(key_update)});
}

void tls13_base::derive_handshake_secrets(const crypto::secret& shared, bytes_view psk)
{
    const auto h = hash();
    auto early = tls13::early_secret(crypto(), h, psk);
    auto& s = secrets_.emplace();
    s.handshake = tls13::next_stage(crypto(), h, early, shared.view());
    std::array<std::byte, crypto::max_digest_size> buf{};
    auto th = transcript_hash(buf);
    s.client = tls13::derive_secret(crypto(), h, s.handshake.view(), "c hs traffic", th);
    s.server = tls13::derive_secret(crypto(), h, s.handshake.view(), "s hs traffic", th);
    log_secret("CLIENT_HANDSHAKE_TRAFFIC_SECRET", s.client.view());
    log_secret("SERVER_HANDSHAKE_TRAFFIC_SECRET", s.server.view());
}

void tls13_base::derive_application_secrets()
{
    const auto h = hash();
    auto& master = secrets_->master;
    master = tls13::next_stage(crypto(), h, secrets_->handshake, {});
    secrets_->handshake.clear();
    std::array<std::byte, crypto::max_digest_size> buf{};
    auto th = transcript_hash(buf);
    client_traffic_secret_ = tls13::derive_secret(crypto(), h, master.view(), "c ap traffic", th);
    server_traffic_secret_ = tls13::derive_secret(crypto(), h, master.view(), "s ap traffic", th);
    auto exporter = tls13::derive_secret(crypto(), h, master.view(), "exp master", th);
    log_secret("CLIENT_TRAFFIC_SECRET_0", client_traffic_secret_.view());
    log_secret("SERVER_TRAFFIC_SECRET_0", server_traffic_secret_.view());
    log_secret("EXPORTER_SECRET", exporter.view());
    exporter_master_ = exporter;
}

void tls13_base::derive_resumption_master()
{
    std::array<std::byte, crypto::max_digest_size> buf{};
    resumption_master_ = tls13::derive_secret(crypto(), hash(), secrets_->master.view(), "res master", transcript_hash(buf));
}

error_code tls13_base::export_keying_material(std::string_view label, std::optional<bytes_view> context,
                                              mutable_bytes out) const
{
    // HKDF-Expand-Label's length is HKDF-Expand's: at most 255 hash lengths (RFC 5869 §2.3).
    if (out.size() > 255 * crypto::digest_size(hash()))
        return error::exporter_output_too_long;
    if (out.empty())
        return {}; // mbedTLS's HKDF-Expand refuses the null pointer an empty span may hold
    // §7.5: no context hashes as an empty one.
    tls13::export_keying_material(crypto(), hash(), exporter_master_.view(), label, context.value_or(bytes_view{}), out);
    return {};
}

void tls13_base::use_read_secret(const crypto::secret& s)
{
    auto k = tls13::traffic_keys(crypto(), suite_->aead, hash(), s.view());
    env_.records.set_read_protection(record::protection(crypto(), suite_->aead, k.key.view(), k.iv.view(),
                                                        record::nonce_scheme::tls13));
}

void tls13_base::use_write_secret(const crypto::secret& s)
{
    auto k = tls13::traffic_keys(crypto(), suite_->aead, hash(), s.view());
    env_.records.set_write_protection(record::protection(crypto(), suite_->aead, k.key.view(), k.iv.view(),
                                                         record::nonce_scheme::tls13));
}

error_code tls13_base::on_peer_certificate(bytes_view body, bytes_view message)
{
    transcript_.add(message);
    wire::certificate13 cert;
    if (auto ec = wire::parse_certificate13(body, cert))
        return ec;
    if (!cert.request_context.empty())
        return error::illegal_parameter; // empty in the handshake, as the CertificateRequest's
    // Entry extensions answer ones in the ClientHello or CertificateRequest,
    // and mtls asks for none (no status_request, no SCT); §4.2: unsolicited
    // extensions are an unsupported_extension.
    if (cert.entry_extensions)
        return error::unsupported_extension;
    const role peer = env_.side == role::client ? role::server : role::client;
    if (cert.chain.empty()) {
        // §4.4.2.4: a server always authenticates; without a client
        // certificate the server goes on, or aborts with certificate_required.
        if (peer == role::server)
            return error::decode_error;
        if (env_.mode & verify_fail_if_no_peer_cert)
            return error::peer_certificate_required;
        stage_ = stage::expect_finished;
        return {};
    }
    if (auto ec = accept_peer_chain(cert.chain, peer))
        return ec;
    stage_ = stage::expect_certificate_verify;
    return {};
}

void tls13_base::send_certificate(bool empty)
{
    // The request context is empty in the handshake (§4.4.2).
    wire::certificate13 cert;
    if (!empty)
        cert.chain = own_chain();
    send(handshake_type::certificate, [&](wire::writer& w) { wire::encode_certificate13(w, cert); });
}

bytes_view tls13_base::signed_content(role signer)
{
    // §4.4.3: 64 spaces, the context string, a zero byte, Transcript-Hash.
    constexpr std::string_view server_context = "TLS 1.3, server CertificateVerify";
    constexpr std::string_view client_context = "TLS 1.3, client CertificateVerify";
    const auto ctx = signer == role::server ? server_context : client_context;
    signed_content_.assign(64, std::byte{0x20});
    for (char c : ctx)
        signed_content_.push_back(std::byte(static_cast<std::uint8_t>(c)));
    signed_content_.push_back(std::byte{0});
    std::array<std::byte, crypto::max_digest_size> buf{};
    auto th = transcript_hash(buf);
    signed_content_.insert(signed_content_.end(), th.begin(), th.end());
    return signed_content_;
}

error_code tls13_base::send_certificate_verify(signature_scheme scheme)
{
    auto sig = env_.own->key->sign(scheme, signed_content(env_.side));
    if (sig.empty())
        return error::crypto_failure;
    return send(handshake_type::certificate_verify,
                [&](wire::writer& w) { wire::encode_certificate_verify(w, {scheme, sig}); });
}

error_code tls13_base::check_certificate_verify(bytes_view body)
{
    wire::signed_data cv;
    if (auto ec = wire::parse_certificate_verify(body, cv))
        return ec;
    // §4.4.3: a scheme we offered, usable with the certificate's key in 1.3
    // (PSS for RSA, the curve's own hash for ECDSA).
    const role signer = env_.side == role::client ? role::server : role::client;
    return check_peer_signature(cv, signed_content(signer), false, error::bad_certificate_verify);
}

void tls13_base::send_finished(const crypto::secret& base_key)
{
    std::array<std::byte, crypto::max_digest_size> buf{};
    auto data = tls13::finished_verify_data(crypto(), hash(), base_key.view(), transcript_hash(buf));
    send(handshake_type::finished, [&](wire::writer& w) { wire::encode_finished(w, data.view()); });
}

error_code tls13_base::check_finished(bytes_view body, const crypto::secret& base_key) const
{
    std::array<std::byte, crypto::max_digest_size> buf{};
    auto expected = tls13::finished_verify_data(crypto(), hash(), base_key.view(), transcript_hash(buf));
    if (body.size() != expected.size())
        return error::decode_error;
    // §4.4.4, compared in constant time.
    return crypto::constant_time_equal(body, expected.view()) ? error_code{} : error::bad_finished;
}

void tls13_base::log_traffic_secret(role owner)
{
    const bool client = owner == role::client;
    std::string label = client ? "CLIENT_TRAFFIC_SECRET_" : "SERVER_TRAFFIC_SECRET_";
    label += std::to_string(client ? client_generation_ : server_generation_);
    // The NSS key log format stops at generation 0; readers derive the rest (§7.2).
    log_secret_to_test_hook(label, (client ? client_traffic_secret_ : server_traffic_secret_).view());
}

bool tls13_base::update_write_key(bool request_peer)
{
    if (!done() || env_.write_closed)
        return false;
    // §4.6.3: the KeyUpdate goes out under the old key, everything after it
    // under the next one.
    // Post-handshake messages are outside the transcript.
    scratch_.clear();
    const auto request = request_peer ? wire::key_update_request::update_requested
                                      : wire::key_update_request::update_not_requested;
    wire::encode_handshake(scratch_, handshake_type::key_update,
                           [&](wire::writer& w) { wire::encode_key_update(w, request); });
    env_.records.send(wire::content_type::handshake, scratch_);
    auto& own = own_traffic_secret();
    own = tls13::next_traffic_secret(crypto(), hash(), own.view());
    ++(env_.side == role::client ? client_generation_ : server_generation_);
    use_write_secret(own);
    log_traffic_secret(env_.side);
    return true;
}

void tls13_base::before_seal()
{
    key_update_answered_ = false;
    // §5.5: stay inside the AEAD usage limits by updating before the count.
    const auto* p = env_.records.write_protection();
    if (p && p->sequence() >= env_.ctx.key_update_limit)
        update_write_key(false);
}

error_code tls13_base::on_post_handshake(handshake_type type, bytes_view body)
{
    switch (type) {
    case handshake_type::key_update: {
        wire::key_update_request request{};
        if (auto ec = wire::parse_key_update(body, request))
            return ec;
        auto& peer = peer_traffic_secret();
        peer = tls13::next_traffic_secret(crypto(), hash(), peer.view());
        const role owner = env_.side == role::client ? role::server : role::client;
        ++(owner == role::client ? client_generation_ : server_generation_);
        use_read_secret(peer);
        log_traffic_secret(owner);
        // §4.6.3: answer before our next application data; once we have
        // sent close_notify there is nothing more to protect. Requests that
        // arrive while we are silent share one answer, so a peer that floods
        // requests and never reads gets no more than one per record we send.
        if (request == wire::key_update_request::update_requested && !key_update_answered_) {
            update_write_key(false);
            key_update_answered_ = true;
        }
        return {};
    }
    case handshake_type::new_session_ticket:
        if (env_.side != role::client)
            break; // §4.6.1: only servers send tickets
        return on_new_session_ticket(body);
    default:
        break;
    }
    return unexpected_here(kind(type));
}

error_code tls13_base::on_new_session_ticket(bytes_view body)
{
    wire::new_session_ticket13 nst;
    if (auto ec = wire::parse_new_session_ticket13(body, nst))
        return ec;
    // §4.6.1: no ticket is used for longer than seven days; one with a
    // lifetime of zero is expired at once, so never offered.
    auto psk = tls13::ticket_psk(crypto(), hash(), resumption_master_.view(), nst.nonce);
    auto s = make_session(env_, tls_version::tls13, suite_->id, psk.view());
    s.lifetime = std::min(nst.lifetime, detail::max_session_lifetime);
    s.age_add = nst.age_add;
    s.ticket.assign(nst.ticket.begin(), nst.ticket.end());
    env_.keep_session(std::make_shared<const detail::session_state>(std::move(s)));
    return {};
}

void tls13_base::finish_handshake(named_group g, bool hello_retry)
{
    secrets_.reset();
    transcript_.drop_messages();
    auto& info = env_.info;
    info.version = tls_version::tls13;
    info.suite = suite_->id;
    info.group = g;
    info.hello_retry = hello_retry;
    info.extended_master_secret = false;
}

void tls13_base::send_dummy_change_cipher_spec(bool compatibility_mode)
{
    if (!dummy_change_cipher_spec_due(compatibility_mode))
        return;
    sent_change_cipher_spec_ = true;
    env_.records.send(wire::content_type::change_cipher_spec, std::array{std::byte{1}});
}

} // namespace mtls::handshake
