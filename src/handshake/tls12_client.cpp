// TLS 1.2 client (RFC 5246 §7.3 with ECDHE per RFC 8422 and client
// authentication): ClientHello → ServerHello, Certificate, ServerKeyExchange,
// [CertificateRequest], ServerHelloDone → [Certificate], ClientKeyExchange,
// [CertificateVerify], ChangeCipherSpec, Finished → ChangeCipherSpec, Finished.

#include "handshake/credentials.hpp"
#include "handshake/hello.hpp"
#include "handshake/resumption.hpp"
#include "handshake/tls12_common.hpp"

#include <algorithm>

namespace mtls::handshake {
namespace {

using wire::extension_type;
using wire::handshake_type;

class tls12_client final : public tls12_base {
public:
    tls12_client(environment& env, transcript&& t, const client_offer& offer) : tls12_base(env, std::move(t))
    {
        client_random_ = offer.random;
        offered_ = suites_for(env.ctx, tls_version::tls12);
        offered_tls13_ = !offer.suites13.empty();
        session_ = offer.session12;
        offered_session_id_ = offer.session_id;
        sent_extensions_ = offer.extensions;
    }

    /// The ServerHello that settled TLS 1.2 (RFC 5246 §7.4.1.3).
    error_code on_server_hello(const wire::server_hello& sh, bytes_view message);

private:
    enum class state {
        expect_certificate,
        expect_server_key_exchange,
        expect_certificate_request_or_done,
        expect_server_hello_done,
        expect_new_session_ticket, // RFC 5077 §3.3: before the server's ChangeCipherSpec
    };

    error_code on_role_message(handshake_type type, bytes_view body, bytes_view message) override;
    error_code role_unexpected(message_kind got) const override;
    void on_peer_finished(bytes_view message) override;
    void release_handshake_state() override
    {
        tls12_base::release_handshake_state();
        offered_ = {};
        server_public_ = {};
        offered_session_id_ = {};
        session_id_ = {};
        sent_extensions_ = {};
        ticket_ = {};
    }

    error_code on_certificate(bytes_view body);
    error_code on_server_key_exchange(bytes_view body);
    error_code on_certificate_request(bytes_view body);
    error_code on_server_hello_done(bytes_view body);
    error_code on_new_session_ticket(bytes_view body);
    /// RFC 5246 §7.3: the server resumes the session we offered by echoing its id.
    error_code resume(const wire::server_hello& sh, const suite_info& chosen);
    /// After our ChangeCipherSpec and Finished: the server's, behind a ticket if one was announced.
    void expect_server_finish();
    /// The session a new connection can resume, once the handshake is through.
    void save_session();
    state state_ = state::expect_certificate;
    std::vector<const suite_info*> offered_;
    named_group group_{};
    std::vector<std::byte> server_public_;
    bool cert_requested_ = false;
    std::optional<signature_scheme> client_scheme_;
    bool offered_tls13_ = false;
    const detail::session_state* session_ = nullptr; // offered, TLS 1.2
    std::vector<std::byte> offered_session_id_;
    std::vector<std::byte> session_id_; // the server's, to resume by
    std::vector<std::uint16_t> sent_extensions_; // as the ClientHello carried them
    bool ticket_announced_ = false;
    bool resumed_ = false;
    std::vector<std::byte> ticket_;
    std::uint32_t ticket_lifetime_ = 0;
};

error_code tls12_client::on_role_message(handshake_type type, bytes_view body, bytes_view message)
{
    auto expect = [&](handshake_type t) { return type == t; };
    switch (state_) {
    case state::expect_certificate:
        if (!expect(handshake_type::certificate))
            break;
        transcript_.add(message);
        return on_certificate(body);
    case state::expect_server_key_exchange:
        if (!expect(handshake_type::server_key_exchange))
            break;
        transcript_.add(message);
        return on_server_key_exchange(body);
    case state::expect_certificate_request_or_done:
        if (expect(handshake_type::certificate_request)) {
            transcript_.add(message);
            return on_certificate_request(body);
        }
        [[fallthrough]];
    case state::expect_server_hello_done:
        if (!expect(handshake_type::server_hello_done))
            break;
        transcript_.add(message);
        return on_server_hello_done(body);
    case state::expect_new_session_ticket:
        if (!expect(handshake_type::new_session_ticket))
            break;
        transcript_.add(message); // RFC 5077 §3.3: Finished covers it
        return on_new_session_ticket(body);
    }
    return role_unexpected(kind(type));
}

error_code tls12_client::role_unexpected(message_kind got) const
{
    using enum handshake_type;
    switch (state_) {
    case state::expect_certificate: return unexpected(got, {kind(certificate)});
    case state::expect_server_key_exchange: return unexpected(got, {kind(server_key_exchange)});
    case state::expect_certificate_request_or_done:
        return unexpected(got, {kind(certificate_request), kind(server_hello_done)});
    case state::expect_server_hello_done: break;
    case state::expect_new_session_ticket: return unexpected(got, {kind(new_session_ticket)});
    }
    return unexpected(got, {kind(server_hello_done)});
}

error_code tls12_client::on_server_hello(const wire::server_hello& sh, bytes_view message)
{
    transcript_.add(message);
    // RFC 5246 §7.4.1.3: the only version we offered.
    if (sh.legacy_version != wire::version_tls12)
        return error::protocol_version;
    // RFC 8446 §4.1.3: a client that offered TLS 1.3 refuses a TLS 1.3
    // server's signal that it was talked down.
    if (offered_tls13_) {
        auto tail = std::span(sh.random).last<8>();
        if (std::equal(tail.begin(), tail.end(), wire::downgrade_tls12.begin()) ||
            std::equal(tail.begin(), tail.end(), wire::downgrade_tls11.begin()))
            return error::downgrade_detected;
    }
    auto chosen = std::find_if(offered_.begin(), offered_.end(),
                               [&](auto s) { return static_cast<std::uint16_t>(s->id) == sh.cipher_suite; });
    if (chosen == offered_.end())
        return error::suite_not_offered;
    if (sh.compression_method != 0)
        return error::compression_not_null;
    // RFC 5246 §7.4.1.4: the server may only answer extensions we sent,
    // and of those only the ones a TLS 1.2 ServerHello carries.
    for (auto t : sh.ext.present) {
        if (!contains(sent_extensions_, t))
            return error::unsupported_extension;
        switch (static_cast<extension_type>(t)) {
        case extension_type::server_name:
        case extension_type::ec_point_formats:
        case extension_type::extended_master_secret:
        case extension_type::renegotiation_info:
        case extension_type::session_ticket:
        case extension_type::application_layer_protocol_negotiation:
            break;
        default:
            return error::unsupported_extension;
        }
    }
    // RFC 5746 §3.4: on an initial handshake the field must be empty.
    if (sh.ext.renegotiation_info && !sh.ext.renegotiation_info->empty())
        return error::renegotiation_info_invalid;
    if (sh.ext.ec_point_formats) {
        auto f = *sh.ext.ec_point_formats;
        if (std::find(f.begin(), f.end(), std::byte{0}) == f.end())
            return error::illegal_parameter; // RFC 8422 §5.2
    }
    ems_ = sh.ext.extended_master_secret;
    if (!ems_ && env_.ctx.require_ems)
        return error::ems_required; // RFC 7627 §5.3
    if (auto ec = accept_alpn(env_, sh.ext))
        return ec;
    suite_ = *chosen;
    server_random_ = sh.random;
    env_.records.expect_version(wire::version_tls12);
    transcript_.start_hash(crypto(), suite_->hash);
    ticket_announced_ = sh.ext.session_ticket.has_value();
    session_id_.assign(sh.session_id.begin(), sh.session_id.end());
    if (session_ && !session_id_.empty() && session_id_ == offered_session_id_)
        return resume(sh, **chosen);
    state_ = state::expect_certificate;
    return {};
}

error_code tls12_client::resume(const wire::server_hello& sh, const suite_info& chosen)
{
    // RFC 5246 §7.4.1.3: the session's own suite; RFC 7627 §5.3: and its
    // extended master secret (never resumed without, so always present).
    if (chosen.id != session_->suite)
        return error::resumption_mismatch;
    if (!sh.ext.extended_master_secret)
        return error::ems_required;
    resumed_ = true;
    master_ = session_->secret;
    derive_key_block();
    adopt_session_identity(env_, *session_);
    record_info(named_group{});
    expect_server_finish();
    return {};
}

void tls12_client::expect_server_finish()
{
    if (ticket_announced_)
        state_ = state::expect_new_session_ticket;
    else
        stage_ = stage::expect_change_cipher_spec;
}

error_code tls12_client::on_new_session_ticket(bytes_view body)
{
    wire::new_session_ticket12 nst;
    if (auto ec = wire::parse_new_session_ticket12(body, nst))
        return ec;
    ticket_.assign(nst.ticket.begin(), nst.ticket.end());
    ticket_lifetime_ = nst.lifetime_hint;
    stage_ = stage::expect_change_cipher_spec;
    return {};
}

void tls12_client::on_peer_finished(bytes_view message)
{
    if (resumed_) {
        // RFC 5246 §7.3: in an abbreviated handshake the client finishes last.
        transcript_.add(message);
        send_change_cipher_spec();
        activate_write_keys();
        send_finished(true);
    }
    transcript_.drop_messages();
    save_session();
}

void tls12_client::save_session()
{
    // A session without extended master secret is kept as it is, but never
    // offered (session_to_offer, RFC 7627 §5.3).
    auto s = resumed_ ? *session_ : make_session(env_, tls_version::tls12, suite_->id, master_.view());
    s.extended_master_secret = ems_;
    if (!resumed_)
        s.session_id = session_id_;
    if (!ticket_.empty()) {
        s.ticket = ticket_;
        s.issued = env_.now();
        // RFC 5077 §3.3: a lifetime hint of 0 leaves it to the client.
        s.lifetime = ticket_lifetime_ == 0 ? env_.ctx.session_lifetime
                                           : std::min(ticket_lifetime_, detail::max_session_lifetime);
    }
    if (s.ticket.empty() && s.session_id.empty())
        return;
    env_.keep_session(std::make_shared<const detail::session_state>(std::move(s)));
}

error_code tls12_client::on_certificate(bytes_view body)
{
    std::vector<bytes_view> chain;
    if (auto ec = wire::parse_certificate12(body, chain))
        return ec;
    if (chain.empty())
        return error::peer_certificate_required; // ECDHE suites always authenticate the server
    if (auto ec = accept_peer_chain(chain, role::server))
        return ec;
    if (!key_fits_suite(peer_leaf_.public_key_type(), *suite_))
        return error::unsupported_certificate;
    state_ = state::expect_server_key_exchange;
    return {};
}

error_code tls12_client::on_server_key_exchange(bytes_view body)
{
    wire::server_key_exchange ske;
    if (auto ec = wire::parse_server_key_exchange(body, ske))
        return ec;
    const auto& groups = env_.ctx.groups;
    if (std::find(groups.begin(), groups.end(), ske.group) == groups.end())
        return error::illegal_parameter; // RFC 8422 §5.4: a curve we offered
    if (auto ec = check_peer_signature({ske.scheme, ske.signature}, signed_params(ske.params), true,
                                       error::bad_key_exchange_signature))
        return ec;
    group_ = ske.group;
    server_public_.assign(ske.public_key.begin(), ske.public_key.end());
    state_ = state::expect_certificate_request_or_done;
    return {};
}

error_code tls12_client::on_certificate_request(bytes_view body)
{
    wire::certificate_request12 cr;
    if (auto ec = wire::parse_certificate_request12(body, cr))
        return ec;
    cert_requested_ = true;
    // RFC 5246 §7.4.4: a certificate of one of the requested types.
    auto type_requested = [&](crypto::key_type key) {
        const std::byte wanted{key == crypto::key_type::rsa ? wire::cert_type_rsa_sign : wire::cert_type_ecdsa_sign};
        return std::find(cr.certificate_types.begin(), cr.certificate_types.end(), wanted) !=
               cr.certificate_types.end();
    };
    client_scheme_ = choose_client_key(env_, cr.authorities, cr.schemes, true, type_requested);
    state_ = state::expect_server_hello_done;
    return {};
}

error_code tls12_client::on_server_hello_done(bytes_view body)
{
    if (!body.empty())
        return error::trailing_data; // RFC 5246 §7.4.5: empty
    if (cert_requested_) {
        // RFC 5246 §7.4.6: an empty list when we have nothing suitable.
        const auto chain = client_scheme_ ? own_chain() : std::vector<bytes_view>{};
        send(handshake_type::certificate, [&](wire::writer& w) { wire::encode_certificate12(w, chain); });
    }

    auto share = make_key_share(group_);
    crypto::secret premaster;
    if (auto ec = share.agree(server_public_, premaster))
        return ec;
    send(handshake_type::client_key_exchange,
         [&](wire::writer& w) { wire::encode_client_key_exchange(w, share.public_key()); });
    if (auto ec = derive_keys(premaster))
        return ec;

    if (client_scheme_) {
        // RFC 5246 §7.4.8: signed over every handshake message so far.
        auto sig = env_.own->key->sign(*client_scheme_, transcript_.messages());
        if (sig.empty())
            return error::crypto_failure;
        send(handshake_type::certificate_verify,
             [&](wire::writer& w) { wire::encode_certificate_verify(w, {*client_scheme_, sig}); });
    }
    send_change_cipher_spec();
    activate_write_keys();
    send_finished(true);
    record_info(group_);
    expect_server_finish();
    return {};
}

} // namespace

error_code hand_over_tls12_client(environment& env, transcript&& t, const client_offer& offer,
                                  const wire::server_hello& sh, bytes_view message, successor_ptr& successor)
{
    return hand_over(successor, &tls12_client::on_server_hello, sh, message, env, std::move(t), offer);
}

} // namespace mtls::handshake
