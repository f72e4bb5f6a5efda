// The first hellos: the client's offer and the server's choice of version
// (RFC 8446 §4.1.1, §4.2.1). Each hello module hands over once, at the hello
// that settles the version, to that version's state machine.

#include "handshake/hello.hpp"

#include "handshake/credentials.hpp"
#include "handshake/key_schedule13.hpp"
#include "handshake/resumption.hpp"

#include <algorithm>

namespace mtls::handshake {
namespace {

using wire::extension_type;
using wire::handshake_type;

/// IP literals are never sent as SNI (RFC 6066 §3).
bool is_ip_literal(std::string_view host)
{
    if (host.find(':') != std::string_view::npos)
        return true;
    int dots = 0;
    for (char c : host) {
        if (c == '.')
            ++dots;
        else if (c < '0' || c > '9')
            return false;
    }
    return dots == 3;
}

class hello_client final : public module_base {
public:
    explicit hello_client(environment& env) : module_base(env) {}

    error_code start() override;
    error_code on_message(handshake_type type, bytes_view body, bytes_view message) override
    {
        if (type != handshake_type::server_hello)
            return unexpected_here(kind(type));
        return on_server_hello(body, message);
    }
    error_code unexpected_here(message_kind got) const override
    {
        return unexpected(got, {kind(handshake_type::server_hello)});
    }
    change_cipher_spec_state change_cipher_spec() const noexcept override
    {
        // RFC 8446 §5 lets a dummy one come any time after the ClientHello,
        // but while TLS 1.2 may still be chosen, whose handshake allows none
        // here, it is refused.
        return allows(env_.ctx, tls_version::tls12) ? change_cipher_spec_state::before_version
                                                    : change_cipher_spec_state::tls13_dummy_allowed;
    }

private:
    error_code on_server_hello(bytes_view body, bytes_view message);
    /// The session set for this connection, if it may be offered.
    void choose_session(bool offers12);

    client_offer offer_;
};

error_code hello_client::start()
{
    if (auto ec = check_own_credentials(env_))
        return ec;
    const auto& ctx = env_.ctx;
    if (allows(ctx, tls_version::tls13))
        offer_.suites13 = suites_for(ctx, tls_version::tls13);
    const bool offers13 = !offer_.suites13.empty();
    const bool offers12 = allows(ctx, tls_version::tls12) && !suites_for(ctx, tls_version::tls12).empty();
    if (!offers13 && !offers12)
        return error::protocol_version;
    if (offers13) {
        if (ctx.groups.empty())
            return error::invalid_configuration;
        // One key share, for the preferred group; a server that wants
        // another asks with HelloRetryRequest (RFC 8446 §4.2.8).
        offer_.share.emplace(make_key_share(ctx.groups.front()));
    }
    env_.random(offer_.random);
    choose_session(offers12);
    // RFC 8446 §D.4: a 32-byte legacy_session_id makes the 1.3 handshake look
    // like a 1.2 resumption to middleboxes. RFC 5077 §3.4: with a ticket,
    // a fresh id, which the server echoes when it accepts the ticket.
    const auto* s12 = offer_.session12;
    if (s12 && !s12->session_id.empty()) {
        offer_.session_id = s12->session_id;
    } else if ((offers13 && ctx.middlebox_compat) || s12) {
        offer_.session_id.resize(32);
        env_.random(offer_.session_id);
    }
    if (auto ec = write_client_hello(env_, offer_, {}, {}, scratch_))
        return ec;
    env_.client_random = offer_.random;
    // RFC 8446 §5.1: the initial ClientHello may carry 0x0301 in its record
    // header, as the common peers send it.
    env_.records.set_write_version(0x0301);
    queue(scratch_);
    env_.records.set_write_version(wire::version_tls12);
    return {};
}

void hello_client::choose_session(bool offers12)
{
    const auto* s = session_to_offer(env_);
    if (!s)
        return;
    if (s->version == tls_version::tls12) {
        if (offers12)
            offer_.session12 = s;
        return;
    }
    // Its suite is among those offered (session_to_offer), so a suite of
    // the PSK's hash is too (RFC 8446 §4.2.11).
    if (!offer_.suites13.empty())
        offer_.psk = s;
}

error_code hello_client::on_server_hello(bytes_view body, bytes_view message)
{
    wire::server_hello sh;
    if (auto ec = wire::parse_server_hello(body, sh))
        return ec;
    tls_version v{};
    if (auto ec = server_hello_version(env_.ctx, sh, v))
        return ec;
    if (v == tls_version::tls12) {
        offer_.share.reset();
        return hand_over_tls12_client(env_, std::move(transcript_), offer_, sh, message, successor_);
    }
    if (offer_.suites13.empty())
        return error::version_not_offered;
    return hand_over_tls13_client(env_, std::move(transcript_), std::move(offer_), sh, message, successor_);
}

class hello_server final : public module_base {
public:
    explicit hello_server(environment& env) : module_base(env) {}

    // Fails before reading the ClientHello when no client could be served.
    error_code start() override { return check_own_credentials(env_); }
    error_code on_message(handshake_type type, bytes_view body, bytes_view message) override
    {
        if (type != handshake_type::client_hello)
            return unexpected_here(kind(type));
        return on_client_hello(body, message);
    }
    error_code unexpected_here(message_kind got) const override
    {
        return unexpected(got, {kind(handshake_type::client_hello)});
    }
    change_cipher_spec_state change_cipher_spec() const noexcept override
    {
        return change_cipher_spec_state::before_version; // RFC 8446 §5: not before the first ClientHello
    }

private:
    error_code on_client_hello(bytes_view body, bytes_view message);
};

error_code hello_server::on_client_hello(bytes_view body, bytes_view message)
{
    wire::client_hello ch;
    if (auto ec = wire::parse_client_hello(body, ch))
        return ec;
    env_.client_random = ch.random;
    // RFC 8446 §D.5: SSL 3.0 or older in a hello is refused outright.
    if (ch.legacy_version <= 0x0300)
        return error::protocol_version;
    const auto& ctx = env_.ctx;
    // RFC 8446 §4.2.1: supported_versions, when present, replaces legacy_version.
    const auto& versions = ch.ext.supported_versions;
    const bool offers13 = versions && contains(*versions, wire::version_tls13);
    const bool offers12 = versions ? contains(*versions, wire::version_tls12) : ch.legacy_version >= wire::version_tls12;
    if (offers13 && allows(ctx, tls_version::tls13) && !suites_for(ctx, tls_version::tls13).empty())
        return hand_over_tls13_server(env_, ch, message, successor_);
    if (!offers12 || !allows(ctx, tls_version::tls12))
        return error::protocol_version;
    return hand_over_tls12_server(env_, ch, message, successor_);
}

} // namespace

namespace {

/// RFC 8446 §4.2.11: the offered PSK with a placeholder binder of its hash's
/// size; the real one is written once the hello is encoded.
void add_psk(const environment& env, const detail::session_state& s, wire::hello_extensions& ext)
{
    // §4.2.11.1: the ticket's age in milliseconds, plus ticket_age_add.
    const auto age = env.now_ms() - std::min(env.now_ms(), s.issued * 1000);
    const auto obfuscated = static_cast<std::uint32_t>(age + s.age_add);
    static const std::array<std::byte, crypto::max_digest_size> placeholder{};
    const auto hash = find_suite(static_cast<std::uint16_t>(s.suite))->hash;
    wire::offered_psks psks;
    psks.identities.push_back({s.ticket, obfuscated});
    psks.binders.push_back(std::span(placeholder).first(crypto::digest_size(hash)));
    ext.add_psk_modes({wire::psk_dhe_ke}).add_psks(std::move(psks)); // pre_shared_key last
}

/// Writes the binder over `transcript` and the hello truncated before its binders.
error_code write_binder(const crypto::provider& p, const detail::session_state& s, bytes_view transcript,
                        std::vector<std::byte>& hello)
{
    const auto hash = find_suite(static_cast<std::uint16_t>(s.suite))->hash;
    const std::size_t binders = 2 + 1 + crypto::digest_size(hash); // list length, entry length, binder
    if (hello.size() < binders)
        return error::internal_error;
    std::vector<std::byte> covered(transcript.begin(), transcript.end());
    covered.insert(covered.end(), hello.begin(), hello.end() - static_cast<std::ptrdiff_t>(binders));
    auto binder = tls13::psk_binder(p, hash, s.secret.view(), covered);
    const std::array<bytes_view, 1> list{binder.view()};
    return wire::write_binders(hello, list);
}

} // namespace

error_code write_client_hello(const environment& env, client_offer& offer, bytes_view cookie,
                              bytes_view transcript, std::vector<std::byte>& out)
{
    const auto& ctx = env.ctx;
    const bool offers13 = !offer.suites13.empty();
    const bool offers12 = allows(ctx, tls_version::tls12);
    wire::client_hello ch;
    ch.legacy_version = wire::version_tls12; // RFC 8446 §4.1.2
    ch.random = offer.random;
    ch.session_id = offer.session_id;
    for (auto s : offer.suites13)
        ch.cipher_suites.push_back(static_cast<std::uint16_t>(s->id));
    if (offers12)
        for (auto s : suites_for(ctx, tls_version::tls12))
            ch.cipher_suites.push_back(static_cast<std::uint16_t>(s->id));
    ch.compression_methods = wire::compression_null;
    auto& ext = ch.ext;
    if (!env.host.empty() && !is_ip_literal(env.host))
        ext.add_server_name(env.host);
    ext.add_groups(ctx.groups).add_signature_schemes(ctx.schemes);
    if (!ctx.alpn.empty())
        ext.add_alpn({ctx.alpn.begin(), ctx.alpn.end()});
    if (offers12) {
        ext.add_ec_point_formats(wire::point_formats_uncompressed) // RFC 8422 §5.1.2
            .add_empty(extension_type::extended_master_secret)
            .add_renegotiation_info({}); // RFC 5746 §3.4: empty on an initial handshake
        if (ctx.session_tickets) // RFC 5077 §3.2: empty asks for a ticket
            ext.add_session_ticket(offer.session12 ? bytes_view(offer.session12->ticket) : bytes_view{});
    }
    if (offers13) {
        ext.add_supported_versions(offers12 ? std::vector{wire::version_tls13, wire::version_tls12}
                                            : std::vector{wire::version_tls13});
        if (!cookie.empty())
            ext.add_cookie(cookie);
        ext.add_key_shares({{offer.share->group(), offer.share->public_key()}});
        if (offer.psk)
            add_psk(env, *offer.psk, ext);
    }
    out.clear();
    error_code ec;
    wire::encode_handshake(out, handshake_type::client_hello,
                           [&](wire::writer& w) { ec = wire::encode_client_hello(w, ch); });
    if (!ec && offer.psk)
        ec = write_binder(*ctx.crypto, *offer.psk, transcript, out);
    if (ec)
        return ec;
    if (env.hooks.edit_client_hello)
        env.hooks.edit_client_hello(out);
    wire::client_hello sent;
    if (!wire::parse_client_hello(std::span(out).subspan(wire::handshake_header_size), sent)) {
        offer.random = sent.random;
        offer.extensions = sent.ext.present;
        offer.session_id.assign(sent.session_id.begin(), sent.session_id.end());
    }
    return {};
}

error_code server_hello_version(const detail::context_impl& ctx, const wire::server_hello& sh, tls_version& v)
{
    // RFC 8446 §D.5: SSL 3.0 or older in a hello is refused outright.
    if (sh.legacy_version <= 0x0300)
        return error::protocol_version;
    // RFC 8446 §4.1.3: a HelloRetryRequest or a ServerHello with
    // supported_versions speaks 1.3; anything else is a 1.2 ServerHello.
    if (sh.hello_retry || sh.ext.supported_versions) {
        v = tls_version::tls13;
        return {};
    }
    if (sh.legacy_version != wire::version_tls12 || !allows(ctx, tls_version::tls12))
        return error::protocol_version;
    v = tls_version::tls12;
    return {};
}

std::unique_ptr<handshake_module> make_client(environment& env)
{
    return std::make_unique<hello_client>(env);
}

std::unique_ptr<handshake_module> make_server(environment& env)
{
    return std::make_unique<hello_server>(env);
}

} // namespace mtls::handshake
