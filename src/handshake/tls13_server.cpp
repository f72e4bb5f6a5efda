// The TLS 1.3 server, from the first ClientHello on (hello.cpp settled the
// version): RFC 8446 §2, asking for another key share with HelloRetryRequest
// when the client's does not suit us.

#include "handshake/credentials.hpp"
#include "handshake/hello.hpp"
#include "handshake/resumption.hpp"
#include "handshake/tls13_common.hpp"

#include <algorithm>

namespace mtls::handshake {
namespace {

using wire::extension_type;
using wire::handshake_type;

/// Rejected early data dropped before giving up (RFC 8446 §4.2.10). mtls
/// issues no tickets that allow early data, so an honest client sends little;
/// this is OpenSSL's default max_early_data.
constexpr std::size_t max_skipped_early_data = 16384;

class tls13_server final : public tls13_base {
public:
    explicit tls13_server(environment& env) : tls13_base(env) {}

    /// The first ClientHello, parsed by the hello module.
    error_code on_client_hello(const wire::client_hello& ch, bytes_view message);

private:
    enum class state {
        expect_second_client_hello,
        expect_certificate,
    };

    error_code on_role_message(handshake_type type, bytes_view body, bytes_view message) override;
    error_code role_unexpected(message_kind got) const override;
    error_code on_peer_finished() override;
    void before_seal() override;

    /// §4.2.11: the first offered PSK whose ticket we sealed and that this
    /// connection may resume; its binder must verify.
    error_code accept_psk(const wire::client_hello& ch);
    error_code check_binder(const crypto::secret& psk, bytes_view binder, std::size_t binders_size) const;
    /// §4.6.1: NewSessionTickets, after the handshake, with the first data sent.
    void send_tickets();

    void release_handshake_state() override
    {
        tls13_base::release_handshake_state();
        first_suites_ = {};
        cookie_ = {};
        resumed_.reset();
    }

    error_code on_second_client_hello(bytes_view body, bytes_view message);
    /// Suite, signature scheme and group for a TLS 1.3 ClientHello.
    error_code choose(const wire::client_hello& ch);
    error_code send_hello_retry_request();
    error_code send_first_flight(const wire::key_share_entry& client_share);
    error_code send_certificate_request();
    /// RFC 8446 §D.4: in compatibility mode (the client sent a session id),
    /// once, right after the server's first handshake message.
    void send_dummy_change_cipher_spec() { tls13_base::send_dummy_change_cipher_spec(!session_id_.empty()); }

    state state_ = state::expect_second_client_hello;
    std::vector<std::byte> session_id_;
    std::vector<std::uint16_t> first_suites_;
    std::vector<std::byte> cookie_;
    signature_scheme scheme_{};
    named_group group_{};
    bool sni_ = false;
    bool hello_retry_ = false;
    bool early_data_offered_ = false;
    /// The session this handshake resumes, and the index of its identity.
    std::optional<detail::session_state> resumed_;
    std::uint16_t resumed_identity_ = 0;
    bool tickets_sent_ = false;
};

error_code tls13_server::on_role_message(handshake_type type, bytes_view body, bytes_view message)
{
    switch (state_) {
    case state::expect_second_client_hello:
        if (type != handshake_type::client_hello)
            break;
        return on_second_client_hello(body, message);
    case state::expect_certificate:
        if (type != handshake_type::certificate)
            break;
        return on_peer_certificate(body, message);
    }
    return role_unexpected(kind(type));
}

error_code tls13_server::role_unexpected(message_kind got) const
{
    using enum handshake_type;
    return unexpected(got, {kind(state_ == state::expect_certificate ? certificate : client_hello)});
}

error_code tls13_server::on_client_hello(const wire::client_hello& ch, bytes_view message)
{
    // RFC 8446 §4.1.2: exactly the null compression method.
    if (ch.compression_methods.size() != 1 || ch.compression_methods[0] != std::byte{0})
        return error::compression_not_null;
    if (auto ec = select_server_name(env_, ch.ext.server_name))
        return ec;
    if (auto ec = choose(ch))
        return ec;
    if (auto ec = choose_alpn(env_, ch.ext))
        return ec;
    session_id_.assign(ch.session_id.begin(), ch.session_id.end());
    first_suites_ = ch.cipher_suites;
    early_data_offered_ = ch.ext.has(extension_type::early_data);
    if (ch.ext.server_name) {
        sni_ = true;
        env_.info.server_name.assign(*ch.ext.server_name);
    }
    transcript_.add(message);
    env_.info.version = tls_version::tls13;
    env_.records.ignore_version();

    const auto& shares = *ch.ext.key_shares;
    auto share = std::find_if(shares.begin(), shares.end(), [&](const auto& e) { return e.group == group_; });
    if (share == shares.end())
        return send_hello_retry_request(); // the PSK, if any, is looked at in the second hello
    if (auto ec = accept_psk(ch))
        return ec;
    transcript_.start_hash(crypto(), hash());
    return send_first_flight(*share);
}

error_code tls13_server::choose(const wire::client_hello& ch)
{
    if (auto ec = missing_server_key(*env_.creds))
        return ec;
    const auto suites = server_suite_order(env_.ctx, tls_version::tls13, ch.cipher_suites);
    if (suites.empty())
        return error::no_shared_cipher;
    suite_ = suites.front();

    // RFC 8446 §9.2: certificate authentication needs signature_algorithms;
    // (EC)DHE needs both supported_groups and key_share.
    if (!ch.ext.signature_schemes || !ch.ext.groups || !ch.ext.key_shares)
        return error::missing_extension;
    if (auto ec = choose_server_key(env_, *ch.ext.signature_schemes, false, [](crypto::key_type) { return true; },
                                    scheme_))
        return ec;

    // RFC 8446 §4.2.8: shares only for offered groups, at most one per
    // group. Sorted copies keep this O(n log n): a 64 KiB hello can hold
    // thousands of each.
    std::vector<named_group> offered = *ch.ext.groups;
    std::sort(offered.begin(), offered.end());
    std::vector<named_group> shared;
    shared.reserve(ch.ext.key_shares->size());
    for (const auto& e : *ch.ext.key_shares) {
        if (!std::binary_search(offered.begin(), offered.end(), e.group))
            return error::bad_key_share;
        shared.push_back(e.group);
    }
    std::sort(shared.begin(), shared.end());
    if (std::adjacent_find(shared.begin(), shared.end()) != shared.end())
        return error::bad_key_share;
    // Our preference decides; the client's share is used only when it is
    // for that group, otherwise HelloRetryRequest asks for it.
    auto g = std::find_if(env_.ctx.groups.begin(), env_.ctx.groups.end(),
                          [&](named_group x) { return contains(*ch.ext.groups, x); });
    if (g == env_.ctx.groups.end())
        return error::no_shared_group;
    group_ = *g;
    return {};
}

error_code tls13_server::send_hello_retry_request()
{
    hello_retry_ = true;
    transcript_.replace_with_message_hash(crypto(), hash());
    // The cookie binds the retry to this exchange; the engine keeps the state,
    // so a random value checked for equality is enough (RFC 8446 §4.2.2).
    cookie_.resize(32);
    env_.random(cookie_);
    wire::server_hello hrr;
    hrr.legacy_version = wire::version_tls12;
    hrr.hello_retry = true;
    hrr.session_id = session_id_;
    hrr.cipher_suite = static_cast<std::uint16_t>(suite_->id);
    hrr.ext.add_supported_versions({wire::version_tls13}).add_selected_group(group_).add_cookie(cookie_);
    if (auto ec = send(handshake_type::server_hello, [&](wire::writer& w) { return wire::encode_server_hello(w, hrr); }))
        return ec;
    send_dummy_change_cipher_spec(); // RFC 8446 §D.4: right after the first server message
    // RFC 8446 §4.2.10: early data sent with the first ClientHello is
    // dropped until the second one.
    if (early_data_offered_)
        env_.records.skip_early_data(record::record_layer::early_data_skip::application_data, max_skipped_early_data);
    early_data_offered_ = false;
    state_ = state::expect_second_client_hello;
    return {};
}

error_code tls13_server::on_second_client_hello(bytes_view body, bytes_view message)
{
    wire::client_hello ch;
    if (auto ec = wire::parse_client_hello(body, ch))
        return ec;
    // RFC 8446 §4.1.2: the same hello but for the key share and the cookie.
    if (!std::equal(ch.session_id.begin(), ch.session_id.end(), session_id_.begin(), session_id_.end()) ||
        ch.cipher_suites != first_suites_ || !ch.ext.supported_versions ||
        !contains(*ch.ext.supported_versions, wire::version_tls13))
        return error::hello_retry_mismatch;
    if (!ch.ext.cookie || !ch.ext.key_shares)
        return error::missing_extension;
    // RFC 8446 §4.2.10: no early data after a HelloRetryRequest.
    if (ch.ext.has(extension_type::early_data))
        return error::hello_retry_mismatch;
    if (!crypto::constant_time_equal(*ch.ext.cookie, cookie_))
        return error::cookie_mismatch;
    const auto& shares = *ch.ext.key_shares;
    if (shares.size() != 1 || shares.front().group != group_)
        return error::bad_key_share;
    transcript_.add(message);
    if (auto ec = accept_psk(ch))
        return ec;
    return send_first_flight(shares.front());
}

error_code tls13_server::send_first_flight(const wire::key_share_entry& client_share)
{
    auto share = make_key_share(group_);
    crypto::secret shared;
    if (auto ec = share.agree(client_share.key_exchange, shared))
        return ec;
    wire::server_hello sh;
    sh.legacy_version = wire::version_tls12;
    env_.random(sh.random);
    sh.session_id = session_id_;
    sh.cipher_suite = static_cast<std::uint16_t>(suite_->id);
    // Extension order as in RFC 8448: key_share, then supported_versions.
    sh.ext.add_key_share({group_, share.public_key()});
    if (resumed_)
        sh.ext.add_selected_psk(resumed_identity_);
    sh.ext.add_supported_versions({wire::version_tls13});
    if (auto ec = send(handshake_type::server_hello, [&](wire::writer& w) { return wire::encode_server_hello(w, sh); }))
        return ec;
    derive_handshake_secrets(shared, resumed_ ? resumed_->secret.view() : bytes_view{});
    send_dummy_change_cipher_spec();
    use_write_secret(secrets_->server);
    use_read_secret(secrets_->client);
    // RFC 8446 §4.2.10: we never accept early data (no early_data in
    // EncryptedExtensions), so records the client sent under its early key
    // fail to open under the handshake key and are dropped.
    if (early_data_offered_)
        env_.records.skip_early_data(record::record_layer::early_data_skip::undecryptable, max_skipped_early_data);

    wire::hello_extensions ee;
    if (sni_)
        ee.add_empty(extension_type::server_name); // RFC 6066 §3: empty acknowledgement
    if (!env_.info.alpn.empty())
        ee.add_alpn({env_.info.alpn}); // RFC 7301 §3.1
    if (auto ec = send(handshake_type::encrypted_extensions,
                       [&](wire::writer& w) { return wire::encode_encrypted_extensions(w, ee); }))
        return ec;
    // §4.3.2, §2.2: a PSK handshake authenticates by the PSK: no
    // certificates, and no CertificateRequest.
    const bool ask = !resumed_ && asks_for_client_certificate(env_);
    if (ask)
        if (auto ec = send_certificate_request())
            return ec;
    if (!resumed_) {
        send_certificate(false);
        if (auto ec = send_certificate_verify(scheme_))
            return ec;
    }
    send_finished(secrets_->server);
    derive_application_secrets();
    use_write_secret(server_traffic_secret_);
    if (ask)
        state_ = state::expect_certificate;
    else
        stage_ = stage::expect_finished;
    return {};
}

error_code tls13_server::send_certificate_request()
{
    wire::certificate_request13 cr; // RFC 8446 §4.3.2: empty context in the handshake
    cr.ext.add_signature_schemes(env_.ctx.schemes);
    // RFC 8446 §4.2.4: our trust anchors' names, as many as fit in the 2^16-1
    // byte extensions block beside signature_algorithms; the list may not be empty.
    constexpr std::size_t names_budget = 0xFFFF - 512;
    const auto subjects = env_.creds->anchors->subjects();
    const auto names = wire::names_within(subjects, names_budget);
    if (!names.empty())
        cr.ext.add_authorities({names.begin(), names.end()});
    return send(handshake_type::certificate_request,
                [&](wire::writer& w) { return wire::encode_certificate_request13(w, cr); });
}

error_code tls13_server::on_peer_finished()
{
    use_read_secret(client_traffic_secret_);
    derive_resumption_master();
    if (resumed_)
        adopt_session_identity(env_, *resumed_);
    finish_handshake(group_, hello_retry_);
    return {};
}

error_code tls13_server::accept_psk(const wire::client_hello& ch)
{
    if (!ch.ext.psks)
        return {};
    if (!ch.ext.psk_modes)
        return error::missing_extension; // §4.2.9: a PSK offer needs the modes
    // Only psk_dhe_ke: a resumed connection keeps forward secrecy (§4.2.9).
    if (!env_.ctx.session_tickets || !contains(*ch.ext.psk_modes, wire::psk_dhe_ke))
        return {};
    const auto& offered = *ch.ext.psks;
    const std::string_view sni = ch.ext.server_name ? *ch.ext.server_name : std::string_view{};
    for (std::size_t i = 0; i < offered.identities.size(); ++i) {
        auto s = open_ticket(env_, offered.identities[i].identity);
        // §4.2.11: a PSK whose hash is the chosen suite's, for this server name.
        if (!s || !server_may_resume(env_, *s, tls_version::tls13, sni))
            continue;
        const auto* suite = find_suite(static_cast<std::uint16_t>(s->suite));
        if (!suite || suite->hash != hash())
            continue;
        // §4.2.11: the chosen identity's binder must verify, else abort.
        if (auto ec = check_binder(s->secret, offered.binders[i], wire::binders_size(offered)))
            return ec;
        resumed_ = std::move(s);
        resumed_identity_ = static_cast<std::uint16_t>(i);
        return {};
    }
    return {};
}

error_code tls13_server::check_binder(const crypto::secret& psk, bytes_view binder, std::size_t binders_size) const
{
    // The transcript ends with this ClientHello, whose binders list is its tail.
    const auto messages = transcript_.messages();
    if (binders_size > messages.size())
        return error::internal_error;
    auto expected = tls13::psk_binder(crypto(), hash(), psk.view(), messages.first(messages.size() - binders_size));
    return crypto::constant_time_equal(binder, expected.view()) ? error_code{} : error::bad_psk_binder;
}

void tls13_server::before_seal()
{
    if (!tickets_sent_)
        send_tickets();
    tls13_base::before_seal();
}

void tls13_server::send_tickets()
{
    tickets_sent_ = true;
    const auto& ctx = env_.ctx;
    if (!ctx.session_tickets || env_.write_closed)
        return;
    std::vector<std::byte> ticket, message;
    for (unsigned i = 0; i < ctx.tls13_ticket_count; ++i) {
        // §4.6.1: a nonce unique among this connection's tickets.
        const std::array<std::byte, 1> nonce{std::byte(static_cast<std::uint8_t>(i))};
        auto psk = tls13::ticket_psk(crypto(), hash(), resumption_master_.view(), nonce);
        auto s = make_session(env_, tls_version::tls13, suite_->id, psk.view());
        std::array<std::byte, 4> age_add{};
        env_.random(age_add);
        s.age_add = static_cast<std::uint32_t>(wire::reader(age_add).u32());
        if (!seal_ticket(env_, s, ticket))
            return;
        // Post-handshake messages are outside the transcript.
        message.clear();
        wire::encode_handshake(message, handshake_type::new_session_ticket, [&](wire::writer& w) {
            wire::encode_new_session_ticket13(w, {s.lifetime, s.age_add, nonce, ticket, std::nullopt});
        });
        env_.records.send(wire::content_type::handshake, message);
    }
}

} // namespace

error_code hand_over_tls13_server(environment& env, const wire::client_hello& ch, bytes_view message,
                                  successor_ptr& successor)
{
    return hand_over(successor, &tls13_server::on_client_hello, ch, message, env);
}

} // namespace mtls::handshake
