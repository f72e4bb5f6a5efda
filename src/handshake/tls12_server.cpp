// TLS 1.2 server (RFC 5246 §7.3 with ECDHE per RFC 8422 and client
// authentication): see tls12_client.cpp for the flow.

#include "handshake/credentials.hpp"
#include "handshake/hello.hpp"
#include "handshake/resumption.hpp"
#include "handshake/tls12_common.hpp"

#include <algorithm>

namespace mtls::handshake {
namespace {

using wire::extension_type;
using wire::handshake_type;

/// The certificate types a CertificateRequest names (RFC 5246 §7.4.4, RFC 8422 §5.5).
constexpr std::array<std::byte, 2> certificate_types{std::byte{wire::cert_type_ecdsa_sign},
                                                     std::byte{wire::cert_type_rsa_sign}};

class tls12_server final : public tls12_base {
public:
    explicit tls12_server(environment& env) : tls12_base(env) {}

    /// The ClientHello that settled TLS 1.2, parsed by the hello module.
    error_code on_client_hello(const wire::client_hello& ch, bytes_view message);

private:
    enum class state {
        expect_certificate,
        expect_client_key_exchange,
        expect_certificate_verify,
    };

    error_code on_role_message(handshake_type type, bytes_view body, bytes_view message) override;
    error_code role_unexpected(message_kind got) const override;
    void on_peer_finished(bytes_view message) override;

    error_code on_certificate(bytes_view body);
    void release_handshake_state() override
    {
        tls12_base::release_handshake_state();
        session_id_ = {};
        resumed_.reset();
    }

    error_code on_client_key_exchange(bytes_view body);
    error_code on_certificate_verify(bytes_view body);
    error_code choose(const wire::client_hello& ch, signature_scheme& scheme);
    /// The session the ClientHello names by ticket or id, if it may resume.
    error_code find_session(const wire::client_hello& ch);
    std::optional<detail::session_state> lookup_session(const wire::client_hello& ch) const;
    /// RFC 5246 §7.3 abbreviated handshake: ServerHello, [NewSessionTicket],
    /// ChangeCipherSpec, Finished.
    error_code resume(const wire::client_hello& ch);
    /// RFC 5077 §3.3: a ticket for this connection's session.
    void send_new_session_ticket();
    /// Keeps the session under its id (RFC 5246 §7.4.1.3) once the handshake is through.
    void store_session();
    error_code send_first_flight(const wire::client_hello& ch, signature_scheme scheme);
    error_code send_server_hello(const wire::client_hello& ch);
    error_code send_server_key_exchange(signature_scheme scheme);
    void send_certificate_request();

    state state_ = state::expect_client_key_exchange;
    named_group group_{};
    std::optional<crypto::key_share> share_;
    bool client_authenticated_ = false;
    std::vector<std::byte> session_id_;
    /// The client sent session_ticket and we issue tickets (RFC 5077 §3.2).
    bool issue_ticket_ = false;
    std::optional<detail::session_state> resumed_;
};

error_code tls12_server::on_role_message(handshake_type type, bytes_view body, bytes_view message)
{
    switch (state_) {
    case state::expect_certificate:
        if (type != handshake_type::certificate)
            break;
        transcript_.add(message);
        return on_certificate(body);
    case state::expect_client_key_exchange:
        if (type != handshake_type::client_key_exchange)
            break;
        transcript_.add(message);
        return on_client_key_exchange(body);
    case state::expect_certificate_verify:
        if (type != handshake_type::certificate_verify)
            break;
        if (auto ec = on_certificate_verify(body)) // signs the transcript before it
            return ec;
        transcript_.add(message);
        return {};
    }
    return role_unexpected(kind(type));
}

error_code tls12_server::role_unexpected(message_kind got) const
{
    using enum handshake_type;
    switch (state_) {
    case state::expect_certificate: return unexpected(got, {kind(certificate)});
    case state::expect_client_key_exchange: return unexpected(got, {kind(client_key_exchange)});
    case state::expect_certificate_verify: break;
    }
    return unexpected(got, {kind(certificate_verify)});
}

error_code tls12_server::on_client_hello(const wire::client_hello& ch, bytes_view message)
{
    transcript_.add(message);
    // RFC 5246 §E.1: a client that cannot do TLS 1.2 has nothing in common with us.
    if (ch.legacy_version < wire::version_tls12 || !allows(env_.ctx, tls_version::tls12))
        return error::protocol_version;
    // RFC 5246 §7.4.1.2: null compression must be offered.
    const auto& comp = ch.compression_methods;
    if (std::find(comp.begin(), comp.end(), std::byte{0}) == comp.end())
        return error::compression_not_null;
    // RFC 5746 §3.6: an initial handshake carries an empty renegotiated_connection.
    if (ch.ext.renegotiation_info && !ch.ext.renegotiation_info->empty())
        return error::renegotiation_info_invalid;
    if (ch.ext.ec_point_formats) {
        auto f = *ch.ext.ec_point_formats;
        if (std::find(f.begin(), f.end(), std::byte{0}) == f.end())
            return error::illegal_parameter; // RFC 8422 §5.1.2
    }
    ems_ = ch.ext.extended_master_secret;
    if (!ems_ && env_.ctx.require_ems)
        return error::ems_required; // RFC 7627 §5.3
    if (ch.ext.server_name)
        env_.info.server_name.assign(*ch.ext.server_name);
    if (auto ec = select_server_name(env_, ch.ext.server_name))
        return ec;
    if (auto ec = choose_alpn(env_, ch.ext))
        return ec;
    issue_ticket_ = env_.ctx.session_tickets && ch.ext.session_ticket;
    if (auto ec = find_session(ch))
        return ec;
    if (resumed_)
        return resume(ch);

    signature_scheme scheme{};
    if (auto ec = choose(ch, scheme))
        return ec;
    client_random_ = ch.random;
    env_.records.expect_version(wire::version_tls12);
    transcript_.start_hash(crypto(), suite_->hash);
    return send_first_flight(ch, scheme);
}

error_code tls12_server::choose(const wire::client_hello& ch, signature_scheme& scheme)
{
    const auto suites = server_suite_order(env_.ctx, tls_version::tls12, ch.cipher_suites);
    // The preferred suite for a key type among those both ends allow.
    auto suite_for = [&](crypto::key_type key) -> const suite_info* {
        for (auto s : suites)
            if (key_fits_suite(key, *s))
                return s;
        return nullptr;
    };
    const auto& keys = env_.creds->keys;
    if (auto ec = missing_server_key(*env_.creds))
        return ec;
    if (std::none_of(keys.begin(), keys.end(), [&](const auto& k) { return k->usable() && suite_for(k->key->type()); }))
        return error::no_shared_cipher;

    // RFC 8422 §4: without supported_groups the client accepts secp256r1.
    static const std::vector<named_group> implied{named_group::secp256r1};
    const auto& offered = ch.ext.groups ? *ch.ext.groups : implied;
    auto g = std::find_if(env_.ctx.groups.begin(), env_.ctx.groups.end(),
                          [&](named_group x) { return contains(offered, x); });
    if (g == env_.ctx.groups.end())
        return error::no_shared_group;
    group_ = *g;

    // RFC 5246 §7.4.1.4.1: without signature_algorithms only SHA-1 is
    // implied, which mtls does not sign with.
    if (!ch.ext.signature_schemes)
        return error::no_shared_signature_scheme;
    if (auto ec = choose_server_key(env_, *ch.ext.signature_schemes, true,
                                    [&](crypto::key_type k) { return suite_for(k) != nullptr; }, scheme))
        return ec;
    suite_ = suite_for(env_.own->key->type());
    return {};
}

error_code tls12_server::find_session(const wire::client_hello& ch)
{
    auto s = lookup_session(ch);
    const std::string_view sni = ch.ext.server_name ? *ch.ext.server_name : std::string_view{};
    // RFC 7627 §5.3: a session without extended master secret is never resumed.
    if (!s || !server_may_resume(env_, *s, tls_version::tls12, sni) || !s->extended_master_secret)
        return {};
    // RFC 7627 §5.3: nor one with it by a hello without it.
    if (!ems_)
        return error::ems_resumption_without_ems;
    // RFC 5246 §7.4.1.2: the hello offers the session's suite; we must still allow it.
    for (auto suite : suites_for(env_.ctx, tls_version::tls12)) {
        if (suite->id == s->suite && contains(ch.cipher_suites, static_cast<std::uint16_t>(suite->id))) {
            suite_ = suite;
            resumed_ = std::move(s);
        }
    }
    return {};
}

std::optional<detail::session_state> tls12_server::lookup_session(const wire::client_hello& ch) const
{
    const auto& ctx = env_.ctx;
    // RFC 5077 §3.4: a ticket is looked at first; the id then only names it.
    if (ctx.session_tickets && ch.ext.session_ticket && !ch.ext.session_ticket->empty())
        if (auto s = open_ticket(env_, *ch.ext.session_ticket))
            return s;
    if (!ctx.sessions || ch.session_id.empty())
        return std::nullopt;
    auto value = ctx.sessions->get(ch.session_id);
    detail::session_state s;
    const bool ok = !value.empty() && !detail::parse_session(value, s);
    crypto::secure_zero(value.data(), value.size());
    if (!ok)
        return std::nullopt;
    return s;
}

error_code tls12_server::resume(const wire::client_hello& ch)
{
    client_random_ = ch.random;
    env_.records.expect_version(wire::version_tls12);
    transcript_.start_hash(crypto(), suite_->hash);
    // RFC 5246 §7.4.1.3, RFC 5077 §3.4: the id the client sent, echoed.
    session_id_.assign(ch.session_id.begin(), ch.session_id.end());
    if (auto ec = send_server_hello(ch))
        return ec;
    master_ = resumed_->secret;
    adopt_session_identity(env_, *resumed_);
    if (issue_ticket_)
        send_new_session_ticket();
    derive_key_block();
    send_change_cipher_spec();
    activate_write_keys();
    send_finished(false);
    record_info(named_group{});
    stage_ = stage::expect_change_cipher_spec;
    return {};
}

void tls12_server::send_new_session_ticket()
{
    auto s = make_session(env_, tls_version::tls12, suite_->id, master_.view());
    s.extended_master_secret = ems_;
    std::vector<std::byte> ticket;
    // RFC 5077 §3.3: an empty ticket says none is issued after all.
    if (!ems_ || !seal_ticket(env_, s, ticket))
        ticket.clear();
    send(handshake_type::new_session_ticket,
         [&](wire::writer& w) { wire::encode_new_session_ticket12(w, {s.lifetime, ticket}); });
}

void tls12_server::store_session()
{
    if (session_id_.empty() || !ems_ || !env_.ctx.sessions)
        return;
    auto s = make_session(env_, tls_version::tls12, suite_->id, master_.view());
    s.extended_master_secret = true;
    if (!detail::storable(s))
        return;
    std::vector<std::byte> value;
    detail::encode_session(value, s);
    const auto expires = std::chrono::system_clock::time_point(std::chrono::seconds(s.issued + s.lifetime));
    env_.ctx.sessions->put(session_id_, value, expires);
    crypto::secure_zero(value.data(), value.size());
}

error_code tls12_server::send_first_flight(const wire::client_hello& ch, signature_scheme scheme)
{
    // A new session gets an id to resume it by when we keep sessions, and
    // only when it can be resumed (RFC 7627 §5.3).
    if (env_.ctx.sessions && ems_) {
        session_id_.resize(32);
        env_.random(session_id_);
    }
    if (auto ec = send_server_hello(ch))
        return ec;
    const auto chain = own_chain();
    send(handshake_type::certificate, [&](wire::writer& w) { wire::encode_certificate12(w, chain); });
    if (auto ec = send_server_key_exchange(scheme))
        return ec;
    if (asks_for_client_certificate(env_)) {
        send_certificate_request();
        state_ = state::expect_certificate;
    } else {
        state_ = state::expect_client_key_exchange;
    }
    send(handshake_type::server_hello_done, wire::encode_server_hello_done);
    return {};
}

error_code tls12_server::send_server_hello(const wire::client_hello& ch)
{
    env_.random(server_random_);
    // RFC 8446 §4.1.3: a server that could have spoken TLS 1.3 says it settled
    // for 1.2, so that a 1.3 client detects a forced downgrade.
    if (allows(env_.ctx, tls_version::tls13) && !suites_for(env_.ctx, tls_version::tls13).empty())
        std::copy(wire::downgrade_tls12.begin(), wire::downgrade_tls12.end(), server_random_.end() - 8);
    wire::server_hello sh;
    sh.legacy_version = wire::version_tls12;
    sh.random = server_random_;
    sh.cipher_suite = static_cast<std::uint16_t>(suite_->id);
    sh.session_id = session_id_;
    // RFC 5746 §3.6: secure renegotiation is acknowledged with an empty field.
    if (ch.ext.renegotiation_info || contains(ch.cipher_suites, wire::empty_renegotiation_info_scsv))
        sh.ext.add_renegotiation_info({});
    if (ems_)
        sh.ext.add_empty(extension_type::extended_master_secret);
    if (ch.ext.ec_point_formats)
        sh.ext.add_ec_point_formats(wire::point_formats_uncompressed); // RFC 8422 §5.2
    if (issue_ticket_)
        sh.ext.add_session_ticket({}); // RFC 5077 §3.2: a NewSessionTicket follows
    if (!env_.info.alpn.empty())
        sh.ext.add_alpn({env_.info.alpn}); // RFC 7301 §3.1
    return send(handshake_type::server_hello, [&](wire::writer& w) { return wire::encode_server_hello(w, sh); });
}

error_code tls12_server::send_server_key_exchange(signature_scheme scheme)
{
    share_.emplace(make_key_share(group_));
    std::vector<std::byte> params;
    wire::writer p(params);
    wire::encode_ecdhe_params(p, group_, share_->public_key());
    auto sig = env_.own->key->sign(scheme, signed_params(params));
    if (sig.empty())
        return error::crypto_failure;
    const wire::server_key_exchange ske{group_, share_->public_key(), params, scheme, sig};
    send(handshake_type::server_key_exchange, [&](wire::writer& w) { wire::encode_server_key_exchange(w, ske); });
    return {};
}

void tls12_server::send_certificate_request()
{
    wire::certificate_request12 cr;
    cr.certificate_types = certificate_types;
    cr.schemes = env_.ctx.schemes;
    // RFC 5246 §7.4.4: the distinguished names of our trust anchors, as many
    // as fit the 2^16-1 byte vector.
    const auto subjects = env_.creds->anchors->subjects();
    const auto names = wire::names_within(subjects, 0xFFFF);
    cr.authorities.assign(names.begin(), names.end());
    send(handshake_type::certificate_request, [&](wire::writer& w) { wire::encode_certificate_request12(w, cr); });
}

error_code tls12_server::on_certificate(bytes_view body)
{
    std::vector<bytes_view> chain;
    if (auto ec = wire::parse_certificate12(body, chain))
        return ec;
    if (chain.empty()) {
        // RFC 5246 §7.4.6: without a certificate the server may go on or
        // abort with handshake_failure.
        if (env_.mode & verify_fail_if_no_peer_cert)
            return error::peer_certificate_required;
    } else {
        if (auto ec = accept_peer_chain(chain, role::client))
            return ec;
        client_authenticated_ = true;
    }
    state_ = state::expect_client_key_exchange;
    return {};
}

error_code tls12_server::on_client_key_exchange(bytes_view body)
{
    bytes_view client_public;
    if (auto ec = wire::parse_client_key_exchange(body, client_public))
        return ec;
    crypto::secret premaster;
    if (auto ec = share_->agree(client_public, premaster))
        return ec;
    share_.reset();
    if (auto ec = derive_keys(premaster))
        return ec;
    record_info(group_);
    if (client_authenticated_)
        state_ = state::expect_certificate_verify;
    else
        stage_ = stage::expect_change_cipher_spec;
    return {};
}

error_code tls12_server::on_certificate_verify(bytes_view body)
{
    wire::signed_data cv;
    if (auto ec = wire::parse_certificate_verify(body, cv))
        return ec;
    // RFC 5246 §7.4.8: one of the schemes we listed in CertificateRequest,
    // over every handshake message so far.
    if (auto ec = check_peer_signature(cv, transcript_.messages(), true, error::bad_certificate_verify))
        return ec;
    stage_ = stage::expect_change_cipher_spec;
    return {};
}

void tls12_server::on_peer_finished(bytes_view message)
{
    if (resumed_) {
        transcript_.drop_messages(); // our Finished went first (RFC 5246 §7.3)
        return;
    }
    transcript_.add(message);
    if (issue_ticket_)
        send_new_session_ticket(); // RFC 5077 §3.3: before ChangeCipherSpec
    send_change_cipher_spec();
    activate_write_keys();
    send_finished(false);
    transcript_.drop_messages();
    store_session();
}

} // namespace

error_code hand_over_tls12_server(environment& env, const wire::client_hello& ch, bytes_view message,
                                  successor_ptr& successor)
{
    return hand_over(successor, &tls12_server::on_client_hello, ch, message, env);
}

} // namespace mtls::handshake
