// The TLS 1.3 client, from the first ServerHello or HelloRetryRequest on
// (hello.cpp sent the ClientHello). RFC 8446 §2:
// ClientHello → [HelloRetryRequest → ClientHello] → ServerHello,
// {EncryptedExtensions}, {CertificateRequest}, {Certificate},
// {CertificateVerify}, {Finished} → {Certificate}, {CertificateVerify}, {Finished}.

#include "handshake/credentials.hpp"
#include "handshake/hello.hpp"
#include "handshake/resumption.hpp"
#include "handshake/tls13_common.hpp"

#include <algorithm>

namespace mtls::handshake {
namespace {

using wire::extension_type;
using wire::handshake_type;

class tls13_client final : public tls13_base {
public:
    tls13_client(environment& env, transcript&& t, client_offer&& offer)
        : tls13_base(env, std::move(t)), offer_(std::move(offer))
    {
    }

    /// A 1.3 ServerHello or HelloRetryRequest, its version already settled.
    error_code on_server_hello(const wire::server_hello& sh, bytes_view message);

private:
    enum class state {
        expect_server_hello,
        expect_encrypted_extensions,
        expect_certificate_request_or_certificate,
        expect_certificate,
    };

    error_code on_role_message(handshake_type type, bytes_view body, bytes_view message) override;
    error_code role_unexpected(message_kind got) const override;
    error_code on_peer_finished() override;
    void release_handshake_state() override
    {
        tls13_base::release_handshake_state();
        offer_ = {};
    }

    error_code on_hello_retry_request(const wire::server_hello& hrr);
    /// RFC 8446 §4.2.11: the server resumes with the PSK we offered, under a
    /// suite of its hash.
    error_code check_selected_psk(const wire::server_hello& sh);
    error_code check_server_hello13(const wire::server_hello& sh);
    /// RFC 8446 §4.2: the server answers only what we sent, and only with
    /// the extensions `allowed` in this message.
    error_code check_response_extensions(const wire::hello_extensions& ext,
                                         std::initializer_list<extension_type> allowed) const;
    error_code on_encrypted_extensions(bytes_view body);
    error_code on_certificate_request(bytes_view body);
    void send_dummy_change_cipher_spec() { tls13_base::send_dummy_change_cipher_spec(!offer_.session_id.empty()); }

    state state_ = state::expect_server_hello;
    client_offer offer_;
    named_group group_{};
    bool hello_retry_ = false;
    bool resumed_ = false;
    bool cert_requested_ = false;
    std::optional<signature_scheme> client_scheme_;
};

error_code tls13_client::on_role_message(handshake_type type, bytes_view body, bytes_view message)
{
    switch (state_) {
    case state::expect_server_hello: {
        if (type != handshake_type::server_hello)
            break;
        wire::server_hello sh;
        if (auto ec = wire::parse_server_hello(body, sh))
            return ec;
        // The hello module settled the version of the first ServerHello;
        // after a HelloRetryRequest it is 1.3 and nothing else.
        tls_version v{};
        if (auto ec = server_hello_version(env_.ctx, sh, v))
            return ec;
        if (v != tls_version::tls13)
            return error::version_not_offered;
        return on_server_hello(sh, message);
    }
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
        return on_peer_certificate(body, message);
    }
    return role_unexpected(kind(type));
}

error_code tls13_client::role_unexpected(message_kind got) const
{
    using enum handshake_type;
    switch (state_) {
    case state::expect_server_hello: return unexpected(got, {kind(server_hello)});
    case state::expect_encrypted_extensions: return unexpected(got, {kind(encrypted_extensions)});
    case state::expect_certificate_request_or_certificate:
        return unexpected(got, {kind(certificate_request), kind(certificate)});
    case state::expect_certificate: break;
    }
    return unexpected(got, {kind(certificate)});
}

error_code tls13_client::on_server_hello(const wire::server_hello& sh, bytes_view message)
{
    if (!sh.ext.supported_versions)
        return error::missing_extension; // a HelloRetryRequest without it
    if (sh.ext.supported_versions->front() != wire::version_tls13)
        return error::version_not_offered; // RFC 8446 §4.2.1: illegal_parameter
    if (auto ec = check_server_hello13(sh))
        return ec;
    if (sh.hello_retry) {
        if (auto ec = on_hello_retry_request(sh))
            return ec;
        transcript_.add(message);
        send_dummy_change_cipher_spec(); // RFC 8446 §D.4: before the second ClientHello
        if (auto ec = write_client_hello(env_, offer_, sh.ext.cookie ? *sh.ext.cookie : bytes_view{},
                                         transcript_.messages(), scratch_))
            return ec;
        queue(scratch_);
        return {};
    }

    if (auto ec = check_response_extensions(sh.ext, {extension_type::supported_versions, extension_type::key_share,
                                                     extension_type::pre_shared_key}))
        return ec;
    if (!sh.ext.key_share)
        return error::missing_extension; // psk_dhe_ke is the only PSK mode offered
    if (auto ec = check_selected_psk(sh))
        return ec;
    // RFC 8446 §4.2.8: the share must be for the group we sent one for.
    auto& share = offer_.share;
    if (sh.ext.key_share->group != share->group())
        return error::bad_key_share;
    crypto::secret shared;
    if (auto ec = share->agree(sh.ext.key_share->key_exchange, shared))
        return ec;
    group_ = share->group();
    share.reset();
    if (!hello_retry_)
        transcript_.start_hash(crypto(), suite_->hash);
    transcript_.add(message);
    env_.records.ignore_version();
    env_.info.version = tls_version::tls13;
    derive_handshake_secrets(shared, resumed_ ? offer_.psk->secret.view() : bytes_view{});
    use_read_secret(secrets_->server);
    use_write_secret(secrets_->client); // our alerts from here on

    state_ = state::expect_encrypted_extensions;
    return {};
}

error_code tls13_client::check_server_hello13(const wire::server_hello& sh)
{
    // RFC 8446 §4.1.3: legacy_version 0x0303, our session id echoed, a suite
    // we offered (the same one after a retry), no compression.
    if (sh.legacy_version != wire::version_tls12)
        return error::version_not_offered;
    const auto& sent_id = offer_.session_id;
    if (!std::equal(sh.session_id.begin(), sh.session_id.end(), sent_id.begin(), sent_id.end()))
        return error::session_id_not_echoed;
    const auto& offered = offer_.suites13;
    auto chosen = std::find_if(offered.begin(), offered.end(),
                               [&](auto s) { return static_cast<std::uint16_t>(s->id) == sh.cipher_suite; });
    if (chosen == offered.end())
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
    if (!contains(env_.ctx.groups, g) || g == offer_.share->group())
        return error::bad_hello_retry;
    offer_.share.emplace(make_key_share(g));
    transcript_.replace_with_message_hash(crypto(), suite_->hash);
    // RFC 8446 §4.1.2: the second hello drops a PSK the chosen suite cannot use.
    if (offer_.psk && find_suite(static_cast<std::uint16_t>(offer_.psk->suite))->hash != suite_->hash)
        offer_.psk = nullptr;
    return {};
}

error_code tls13_client::check_selected_psk(const wire::server_hello& sh)
{
    if (!sh.ext.selected_psk)
        return {};
    // One identity is offered: index 0, with the PSK's hash.
    if (!offer_.psk || *sh.ext.selected_psk != 0)
        return error::psk_not_offered;
    if (find_suite(static_cast<std::uint16_t>(offer_.psk->suite))->hash != suite_->hash)
        return error::resumption_mismatch;
    resumed_ = true;
    return {};
}

error_code tls13_client::check_response_extensions(const wire::hello_extensions& ext,
                                                   std::initializer_list<extension_type> allowed) const
{
    for (auto t : ext.present) {
        const bool permitted = std::find(allowed.begin(), allowed.end(), static_cast<extension_type>(t)) != allowed.end();
        // The cookie is the one extension a server sends unasked (RFC 8446 §4.2).
        const bool unasked_ok = permitted && static_cast<extension_type>(t) == extension_type::cookie;
        if (!unasked_ok && !contains(offer_.extensions, t))
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
        if (!contains(offer_.extensions, t))
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
    if (auto ec = accept_alpn(env_, ext))
        return ec;
    // §2.2: a PSK handshake has no certificates; Finished comes next.
    if (resumed_)
        stage_ = stage::expect_finished;
    else
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
    static const std::vector<bytes_view> no_authorities;
    client_scheme_ = choose_client_key(env_, cr.ext.authorities ? *cr.ext.authorities : no_authorities,
                                       *cr.ext.signature_schemes, false, [](crypto::key_type) { return true; });
    state_ = state::expect_certificate;
    return {};
}

error_code tls13_client::on_peer_finished()
{
    derive_application_secrets();
    use_read_secret(server_traffic_secret_);

    // RFC 8446 §D.4: the dummy ChangeCipherSpec, unprotected, goes right
    // before this flight and in the same write (it used to go on its own
    // when the server's flight came in several reads). Nothing has been
    // sealed under the client handshake key yet: it starts over at 0.
    if (dummy_change_cipher_spec_due(!offer_.session_id.empty())) {
        env_.records.set_write_protection(std::nullopt);
        send_dummy_change_cipher_spec();
        use_write_secret(secrets_->client);
    }
    // Our flight, under the client handshake key (RFC 8446 §4.4).
    if (cert_requested_) {
        send_certificate(!client_scheme_);
        if (client_scheme_)
            if (auto ec = send_certificate_verify(*client_scheme_))
                return ec;
    }
    send_finished(secrets_->client);
    use_write_secret(client_traffic_secret_);
    derive_resumption_master();
    if (resumed_)
        adopt_session_identity(env_, *offer_.psk);
    finish_handshake(group_, hello_retry_);
    return {};
}

} // namespace

error_code hand_over_tls13_client(environment& env, transcript&& t, client_offer&& offer,
                                  const wire::server_hello& sh, bytes_view message, successor_ptr& successor)
{
    return hand_over(successor, &tls13_client::on_server_hello, sh, message, env, std::move(t), std::move(offer));
}

} // namespace mtls::handshake
