// The client for every version the context allows. It sends a ClientHello
// offering TLS 1.3 and/or 1.2; a TLS 1.2 ServerHello hands the connection to
// the TLS 1.2 client, otherwise it runs the TLS 1.3 handshake (RFC 8446 §2):
// ClientHello → [HelloRetryRequest → ClientHello] → ServerHello,
// {EncryptedExtensions}, {CertificateRequest}, {Certificate},
// {CertificateVerify}, {Finished} → {Certificate}, {CertificateVerify}, {Finished}.

#include "handshake/tls13_common.hpp"

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

class tls13_client final : public tls13_base {
public:
    explicit tls13_client(environment& env) : tls13_base(env) {}

    error_code start() override;
    error_code on_message(handshake_type type, bytes_view body, bytes_view message) override;
    error_code on_change_cipher_spec() override;
    bool done() const noexcept override { return tls12_ ? tls12_->done() : state_ == state::done; }
    bool update_write_key(bool request_peer) override
    {
        return tls12_ ? false : tls13_base::update_write_key(request_peer);
    }
    void before_seal() override
    {
        if (!tls12_)
            tls13_base::before_seal();
    }

private:
    enum class state {
        expect_server_hello,
        expect_encrypted_extensions,
        expect_certificate_request_or_certificate,
        expect_certificate,
        expect_certificate_verify,
        expect_finished,
        done,
    };

    void send_client_hello(bytes_view cookie);
    error_code on_server_hello(bytes_view body, bytes_view message);
    error_code on_hello_retry_request(const wire::server_hello& hrr);
    error_code check_server_hello13(const wire::server_hello& sh);
    /// RFC 8446 §4.2: the server answers only what we sent, and only with
    /// the extensions `allowed` in this message.
    error_code check_response_extensions(const wire::hello_extensions& ext,
                                         std::initializer_list<extension_type> allowed) const;
    error_code on_encrypted_extensions(bytes_view body);
    error_code on_certificate_request(bytes_view body);
    error_code on_certificate(bytes_view body);
    error_code on_finished(bytes_view body, bytes_view message);
    void send_dummy_change_cipher_spec();
    error_code unexpected_here(message_kind got) const;

    state state_ = state::expect_server_hello;
    sent_client_hello hello_;
    std::vector<const suite_info*> offered13_;
    std::optional<crypto::key_share> share_;
    named_group group_{};
    bool hello_retry_ = false;
    bool sent_change_cipher_spec_ = false;
    bool cert_requested_ = false;
    std::optional<signature_scheme> client_scheme_;
    std::unique_ptr<handshake_module> tls12_;
};

error_code tls13_client::start()
{
    const auto& ctx = env_.ctx;
    if (allows(ctx, tls_version::tls13))
        offered13_ = suites_for(ctx, tls_version::tls13);
    const bool offers12 = allows(ctx, tls_version::tls12) && !suites_for(ctx, tls_version::tls12).empty();
    if (offered13_.empty() && !offers12)
        return error::protocol_version;
    if (!offered13_.empty()) {
        if (ctx.groups.empty())
            return error::invalid_configuration;
        // One key share, for the preferred group; a server that wants
        // another asks with HelloRetryRequest (RFC 8446 §4.2.8).
        share_.emplace(make_key_share(ctx.groups.front()));
    }
    env_.random(hello_.random);
    hello_.offered_tls13 = !offered13_.empty();
    // RFC 8446 §D.4: a 32-byte legacy_session_id makes the 1.3 handshake look
    // like a 1.2 resumption to middleboxes.
    if (!offered13_.empty() && ctx.middlebox_compat) {
        hello_.session_id.resize(32);
        env_.random(hello_.session_id);
    }
    // RFC 8446 §5.1: the initial ClientHello may carry 0x0301 in its record
    // header, as the common peers send it.
    env_.records.set_write_version(0x0301);
    send_client_hello({});
    env_.records.set_write_version(wire_tls12);
    return {};
}

void tls13_client::send_client_hello(bytes_view cookie)
{
    const auto& ctx = env_.ctx;
    const bool offers13 = !offered13_.empty();
    const bool offers12 = allows(ctx, tls_version::tls12);
    scratch_.clear();
    wire::encode_handshake(scratch_, handshake_type::client_hello, [&](wire::writer& w) {
        w.u16(wire_tls12); // legacy_version (RFC 8446 §4.1.2)
        w.bytes(hello_.random);
        w.vec8(hello_.session_id);
        auto suites = w.open(2);
        for (auto s : offered13_)
            w.u16(static_cast<std::uint16_t>(s->id));
        if (offers12)
            for (auto s : suites_for(ctx, tls_version::tls12))
                w.u16(static_cast<std::uint16_t>(s->id));
        w.close(suites);
        w.vec8(std::array{std::byte{0}}); // null compression only

        auto exts = w.open(2);
        auto ext = [&](extension_type t, auto&& body) {
            w.u16(static_cast<std::uint16_t>(t));
            auto b = w.open(2);
            body();
            w.close(b);
        };
        if (!env_.host.empty() && !is_ip_literal(env_.host)) {
            ext(extension_type::server_name, [&] {
                auto list = w.open(2);
                w.u8(0); // host_name
                w.vec16({reinterpret_cast<const std::byte*>(env_.host.data()), env_.host.size()});
                w.close(list);
            });
        }
        ext(extension_type::supported_groups, [&] {
            auto list = w.open(2);
            for (auto g : ctx.groups)
                w.u16(static_cast<std::uint16_t>(g));
            w.close(list);
        });
        ext(extension_type::signature_algorithms, [&] {
            auto list = w.open(2);
            for (auto s : ctx.schemes)
                w.u16(static_cast<std::uint16_t>(s));
            w.close(list);
        });
        if (offers12) {
            ext(extension_type::ec_point_formats, [&] { w.vec8(std::array{std::byte{0}}); }); // RFC 8422 §5.1.2
            ext(extension_type::extended_master_secret, [] {});
            ext(extension_type::renegotiation_info, [&] { w.u8(0); }); // RFC 5746 §3.4
        }
        if (offers13) {
            ext(extension_type::supported_versions, [&] {
                auto list = w.open(1);
                w.u16(wire_tls13);
                if (offers12)
                    w.u16(wire_tls12);
                w.close(list);
            });
            if (!cookie.empty())
                ext(extension_type::cookie, [&] { w.vec16(cookie); });
            ext(extension_type::key_share, [&] {
                auto list = w.open(2);
                w.u16(static_cast<std::uint16_t>(share_->group()));
                w.vec16(share_->public_key());
                w.close(list);
            });
        }
        w.close(exts);
    });
    if (env_.hooks.edit_client_hello)
        env_.hooks.edit_client_hello(scratch_);
    // What went out is what the server is held to.
    hello_.message = scratch_;
    wire::client_hello sent;
    if (!wire::parse_client_hello(std::span(scratch_).subspan(wire::handshake_header_size), sent)) {
        hello_.extensions = sent.ext.present;
        hello_.session_id.assign(sent.session_id.begin(), sent.session_id.end());
    }
    transcript_.add(scratch_);
    env_.records.send(wire::content_type::handshake, scratch_);
}

error_code tls13_client::on_message(handshake_type type, bytes_view body, bytes_view message)
{
    if (tls12_)
        return tls12_->on_message(type, body, message);
    switch (state_) {
    case state::expect_server_hello:
        if (type != handshake_type::server_hello)
            break;
        return on_server_hello(body, message);
    case state::expect_encrypted_extensions:
        if (type != handshake_type::encrypted_extensions)
            break;
        transcript_.add(message);
        return on_encrypted_extensions(body);
    case state::expect_certificate_request_or_certificate:
        if (type == handshake_type::certificate_request) {
            transcript_.add(message);
            return on_certificate_request(body);
        }
        [[fallthrough]];
    case state::expect_certificate:
        if (type != handshake_type::certificate)
            break;
        transcript_.add(message);
        return on_certificate(body);
    case state::expect_certificate_verify:
        if (type != handshake_type::certificate_verify)
            break;
        if (auto ec = check_certificate_verify(body)) // signs the transcript before it
            return ec;
        transcript_.add(message);
        state_ = state::expect_finished;
        return {};
    case state::expect_finished:
        if (type != handshake_type::finished)
            break;
        return on_finished(body, message);
    case state::done:
        return on_post_handshake(type, body);
    }
    return unexpected_here(kind(type));
}

error_code tls13_client::unexpected_here(message_kind got) const
{
    using enum handshake_type;
    switch (state_) {
    case state::expect_server_hello: return unexpected(got, {kind(server_hello)});
    case state::expect_encrypted_extensions: return unexpected(got, {kind(encrypted_extensions)});
    case state::expect_certificate_request_or_certificate:
        return unexpected(got, {kind(certificate_request), kind(certificate)});
    case state::expect_certificate: return unexpected(got, {kind(certificate)});
    case state::expect_certificate_verify: return unexpected(got, {kind(certificate_verify)});
    case state::expect_finished: return unexpected(got, {kind(finished)});
    case state::done: break;
    }
    return unexpected(got, {kind(new_session_ticket), kind(key_update)});
}

error_code tls13_client::on_change_cipher_spec()
{
    if (tls12_)
        return tls12_->on_change_cipher_spec();
    // RFC 8446 §5 drops a dummy one any time after the ClientHello; but
    // while TLS 1.2 may still be chosen, whose handshake allows none there,
    // one before the ServerHello is refused.
    if (state_ == state::expect_server_hello && !hello_retry_ && allows(env_.ctx, tls_version::tls12))
        return error::unexpected_change_cipher_spec;
    return tls13_base::on_change_cipher_spec();
}

error_code tls13_client::on_server_hello(bytes_view body, bytes_view message)
{
    wire::server_hello sh;
    if (auto ec = wire::parse_server_hello(body, sh))
        return ec;
    // RFC 8446 §D.5: SSL 3.0 or older in a hello is refused outright.
    if (sh.legacy_version <= 0x0300)
        return error::protocol_version;
    // RFC 8446 §4.1.3: a HelloRetryRequest or a ServerHello with
    // supported_versions speaks 1.3; anything else is a 1.2 ServerHello.
    if (!sh.hello_retry && !sh.ext.supported_versions) {
        if (sh.legacy_version != wire_tls12 || !allows(env_.ctx, tls_version::tls12))
            return error::protocol_version;
        if (hello_retry_)
            return error::version_not_offered; // after HRR the version is 1.3
        tls12_ = make_tls12_client(env_, hello_);
        share_.reset();
        return tls12_->on_message(handshake_type::server_hello, body, message);
    }
    if (offered13_.empty())
        return error::version_not_offered;
    if (!sh.ext.supported_versions)
        return error::missing_extension; // a HelloRetryRequest without it
    if (sh.ext.supported_versions->front() != wire_tls13)
        return error::version_not_offered; // RFC 8446 §4.2.1: illegal_parameter
    if (auto ec = check_server_hello13(sh))
        return ec;
    if (sh.hello_retry) {
        if (auto ec = on_hello_retry_request(sh))
            return ec;
        transcript_.add(message);
        send_dummy_change_cipher_spec(); // RFC 8446 §D.4: before the second ClientHello
        send_client_hello(sh.ext.cookie ? *sh.ext.cookie : bytes_view{});
        return {};
    }

    if (auto ec = check_response_extensions(sh.ext, {extension_type::supported_versions, extension_type::key_share}))
        return ec;
    if (!sh.ext.key_share)
        return error::missing_extension; // no PSK: (EC)DHE is the only mode
    // RFC 8446 §4.2.8: the share must be for the group we sent one for.
    if (sh.ext.key_share->group != share_->group())
        return error::bad_key_share;
    crypto::secret shared;
    if (auto ec = share_->agree(sh.ext.key_share->key_exchange, shared))
        return ec;
    group_ = share_->group();
    share_.reset();
    if (!hello_retry_)
        transcript_.start_hash(suite_->hash);
    transcript_.add(message);
    env_.records.ignore_version();
    env_.info.version = tls_version::tls13;
    derive_handshake_secrets(shared);
    use_read_secret(server_handshake_secret_);
    send_dummy_change_cipher_spec(); // RFC 8446 §D.4: before the second flight
    use_write_secret(client_handshake_secret_);
    state_ = state::expect_encrypted_extensions;
    return {};
}

error_code tls13_client::check_server_hello13(const wire::server_hello& sh)
{
    // RFC 8446 §4.1.3: legacy_version 0x0303, our session id echoed, a suite
    // we offered (the same one after a retry), no compression.
    if (sh.legacy_version != wire_tls12)
        return error::version_not_offered;
    if (!std::equal(sh.session_id.begin(), sh.session_id.end(), hello_.session_id.begin(), hello_.session_id.end()))
        return error::session_id_not_echoed;
    auto chosen = std::find_if(offered13_.begin(), offered13_.end(),
                               [&](auto s) { return static_cast<std::uint16_t>(s->id) == sh.cipher_suite; });
    if (chosen == offered13_.end())
        return error::suite_not_offered;
    if (suite_ && suite_ != *chosen)
        return error::hello_retry_mismatch; // RFC 8446 §4.1.4: HRR and ServerHello agree
    if (sh.compression_method != 0)
        return error::compression_not_null;
    suite_ = *chosen;
    return {};
}

error_code tls13_client::on_hello_retry_request(const wire::server_hello& hrr)
{
    // RFC 8446 §4.1.4: at most one retry per connection.
    if (hello_retry_)
        return unexpected(kind(handshake_type::server_hello), {kind(handshake_type::server_hello)});
    hello_retry_ = true;
    if (auto ec = check_response_extensions(hrr.ext, {extension_type::supported_versions,
                                                      extension_type::key_share, extension_type::cookie}))
        return ec;
    // A retry must change something: here, the key share's group, which must
    // be one we offered and not the one we already sent.
    if (!hrr.ext.selected_group)
        return hrr.ext.cookie ? error_code{} : error::bad_hello_retry;
    const auto g = *hrr.ext.selected_group;
    if (!contains(env_.ctx.groups, g) || g == share_->group())
        return error::bad_hello_retry;
    share_.emplace(make_key_share(g));
    transcript_.replace_with_message_hash(suite_->hash);
    return {};
}

error_code tls13_client::check_response_extensions(const wire::hello_extensions& ext,
                                                   std::initializer_list<extension_type> allowed) const
{
    for (auto t : ext.present) {
        const bool permitted = std::find(allowed.begin(), allowed.end(), static_cast<extension_type>(t)) != allowed.end();
        // The cookie is the one extension a server sends unasked (RFC 8446 §4.2).
        const bool unasked_ok = permitted && static_cast<extension_type>(t) == extension_type::cookie;
        if (!unasked_ok && !contains(hello_.extensions, t))
            return error::unsupported_extension;
        if (!permitted)
            return error::forbidden_extension;
    }
    return {};
}

error_code tls13_client::on_encrypted_extensions(bytes_view body)
{
    wire::hello_extensions ext;
    if (auto ec = wire::parse_encrypted_extensions(body, ext))
        return ec;
    // RFC 8446 §4.3.1 and the table in §4.2: what may appear in EE. Unknown
    // types we did not send are caught as unsolicited.
    for (auto t : ext.present) {
        if (!contains(hello_.extensions, t))
            return error::unsupported_extension;
        switch (static_cast<extension_type>(t)) {
        case extension_type::key_share:
        case extension_type::supported_versions:
        case extension_type::cookie:
        case extension_type::signature_algorithms:
        case extension_type::signature_algorithms_cert:
        case extension_type::certificate_authorities:
        case extension_type::pre_shared_key:
        case extension_type::psk_key_exchange_modes:
        case extension_type::post_handshake_auth:
        case extension_type::ec_point_formats:
        case extension_type::extended_master_secret:
        case extension_type::renegotiation_info:
            return error::forbidden_extension;
        default:
            break;
        }
    }
    state_ = state::expect_certificate_request_or_certificate;
    return {};
}

error_code tls13_client::on_certificate_request(bytes_view body)
{
    wire::certificate_request13 cr;
    if (auto ec = wire::parse_certificate_request13(body, cr))
        return ec;
    // RFC 8446 §4.3.2: empty context during the handshake; signature_algorithms required.
    if (!cr.request_context.empty())
        return error::illegal_parameter;
    if (!cr.ext.signature_schemes)
        return error::missing_extension;
    cert_requested_ = true;
    // One credential per context, so certificate_authorities has nothing to
    // choose between; the key must fit a scheme the server accepts.
    if (env_.ctx.key && !env_.ctx.chain.empty())
        client_scheme_ = pick_scheme(*cr.ext.signature_schemes, false);
    state_ = state::expect_certificate;
    return {};
}

error_code tls13_client::on_certificate(bytes_view body)
{
    wire::certificate13 cert;
    if (auto ec = wire::parse_certificate13(body, cert))
        return ec;
    if (!cert.request_context.empty())
        return error::illegal_parameter;
    // RFC 8446 §4.4.2: entry extensions answer ones in the ClientHello, and
    // mtls asks for none (no status_request, no SCT); §4.2: unsolicited
    // extensions are an unsupported_extension.
    if (cert.entry_extensions)
        return error::unsupported_extension;
    // RFC 8446 §4.4.2.4: a server always authenticates.
    if (cert.chain.empty())
        return error::decode_error;
    if (auto ec = accept_peer_chain(cert.chain, role::server))
        return ec;
    state_ = state::expect_certificate_verify;
    return {};
}

error_code tls13_client::on_finished(bytes_view body, bytes_view message)
{
    if (auto ec = check_finished(body, server_handshake_secret_))
        return ec;
    transcript_.add(message);
    peer_finished_ = true;
    derive_application_secrets();
    use_read_secret(server_traffic_secret_);

    // Our flight, still under the client handshake key (RFC 8446 §4.4).
    if (cert_requested_) {
        send_certificate(!client_scheme_);
        if (client_scheme_)
            if (auto ec = send_certificate_verify(*client_scheme_))
                return ec;
    }
    send_finished(client_handshake_secret_);
    use_write_secret(client_traffic_secret_);
    client_handshake_secret_.clear();
    server_handshake_secret_.clear();
    transcript_.drop_messages();
    record_info(group_, hello_retry_);
    state_ = state::done;
    return {};
}

void tls13_client::send_dummy_change_cipher_spec()
{
    if (!env_.ctx.middlebox_compat || hello_.session_id.empty() || sent_change_cipher_spec_)
        return;
    sent_change_cipher_spec_ = true;
    env_.records.send(wire::content_type::change_cipher_spec, std::array{std::byte{1}});
}

} // namespace

std::unique_ptr<handshake_module> make_client(environment& env)
{
    return std::make_unique<tls13_client>(env);
}

} // namespace mtls::handshake
