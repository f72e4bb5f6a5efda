#include "handshake/resumption.hpp"

#include "wire/codec.hpp"

namespace mtls::handshake {

detail::session_state make_session(const environment& env, tls_version v, cipher_suite suite, bytes_view secret)
{
    detail::session_state s;
    s.version = v;
    s.suite = suite;
    s.secret.assign(secret);
    s.issued = env.now();
    s.lifetime = env.ctx.session_lifetime;
    s.server_name = env.info.server_name;
    s.alpn = env.info.alpn;
    s.peer_certificates = env.info.peer_certificates;
    s.peer_subject = env.info.peer_subject;
    return s;
}

namespace {

/// Wipes a buffer that held a serialised session (it carries the secret).
struct wiped_buffer {
    std::vector<std::byte> bytes;
    ~wiped_buffer() { crypto::secure_zero(bytes.data(), bytes.size()); }
};

} // namespace

bool seal_ticket(const environment& env, const detail::session_state& s, std::vector<std::byte>& ticket)
{
    if (!detail::storable(s))
        return false;
    wiped_buffer plain;
    detail::encode_session(plain.bytes, s);
    // A ticket is at most 2^16-1 bytes (RFC 5077 §3.3, RFC 8446 §4.6.1);
    // ours leave room for the rest of the NewSessionTicket within the 64 KiB
    // a receiver takes (wire::max_body_size).
    constexpr std::size_t room_for_other_fields = 64;
    if (plain.bytes.size() + detail::ticket_overhead > detail::max_session_ticket_size - room_for_other_fields)
        return false;
    env.ctx.tickets->seal(plain.bytes, ticket, env.now());
    return true;
}

std::optional<detail::session_state> open_ticket(const environment& env, bytes_view ticket)
{
    wiped_buffer plain;
    if (!env.ctx.tickets->open(ticket, plain.bytes, env.now()))
        return std::nullopt;
    detail::session_state s;
    if (detail::parse_session(plain.bytes, s))
        return std::nullopt;
    return s;
}

namespace {

// The CRLs in use now might refuse the chain the session was made with: a
// revoked peer must not ride on an old session, so a full handshake decides
// (declining a session is always allowed: RFC 5246 §7.4.1.2, RFC 8446 §4.6.1).
bool revoked_since(const environment& env, const detail::session_state& s)
{
    if (!(env.mode & verify_peer) || s.peer_certificates.empty())
        return false;
    const auto crls = env.creds->crls->current();
    return crls && crls->may_refuse(s.peer_certificates);
}

} // namespace

bool session_has_required_identity(const environment& env, const detail::session_state& s)
{
    if (env.creds->required_identities.empty())
        return true;
    const auto info = leaf_info(s.peer_certificates);
    return info && has_required_identity(env, *info);
}

bool server_may_resume(const environment& env, const detail::session_state& s, tls_version v,
                       std::string_view server_name)
{
    if (s.version != v || s.expired(env.now()) || s.server_name != server_name)
        return false;
    // RFC 8446 §4.6.1, §4.2.10: resumed under the application protocol it was made with.
    if (s.alpn != env.info.alpn)
        return false;
    if (revoked_since(env, s))
        return false;
    // A server that requires client certificates never resumes a session
    // that had none: the client would be let in unauthenticated.
    if ((env.mode & verify_fail_if_no_peer_cert) && s.peer_certificates.empty())
        return false;
    return session_has_required_identity(env, s);
}

const detail::session_state* session_to_offer(const environment& env)
{
    const auto* s = env.offered_session.get();
    if (!s || s->expired(env.now()) || s->server_name != env.host || !allows(env.ctx, s->version) ||
        revoked_since(env, *s))
        return nullptr;
    // RFC 7627 §5.3: a session without extended master secret is never resumed.
    if (s->version == tls_version::tls12 && !s->extended_master_secret)
        return nullptr;
    // The server's certificate must still carry an identity required now.
    if (!session_has_required_identity(env, *s))
        return nullptr;
    for (auto suite : suites_for(env.ctx, s->version))
        if (suite->id == s->suite)
            return s;
    return nullptr;
}

void adopt_session_identity(environment& env, const detail::session_state& s)
{
    env.info.resumed = true;
    env.info.peer_certificates = s.peer_certificates;
    env.info.peer_subject = s.peer_subject;
    env.info.peer_certificate_info = leaf_info(s.peer_certificates);
}

} // namespace mtls::handshake
