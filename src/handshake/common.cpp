#include "handshake/common.hpp"

#include "crypto/aead_speed.hpp"
#include "crypto/random.hpp"
#include "crypto/secret.hpp"

#include <algorithm>
#include <string>

namespace mtls::handshake {

void environment::random(mutable_bytes out) const
{
    if (hooks.random)
        hooks.random(out);
    else
        ctx.crypto->random(out);
}

void environment::keep_session(std::shared_ptr<const detail::session_state> s)
{
    if (!detail::storable(*s))
        return; // e.g. a host name longer than a server_name may be
    if (ctx.client_sessions && !session_key.empty())
        ctx.client_sessions->put(session_key, s);
    resumable_session = std::move(s);
}

void environment::use_credentials(std::shared_ptr<const detail::credentials> c)
{
    creds = std::move(c);
    mode = mode_override ? *mode_override
           : creds->mode ? *creds->mode
                         : (side == role::client ? verify_peer : verify_none);
    // Unlike OpenSSL, where it does nothing without verify_peer: asked for
    // alone, a server would accept anonymous clients.
    if (mode & verify_fail_if_no_peer_cert)
        mode |= verify_peer;
    // A required identity needs a certificate to be found in.
    if (!creds->required_identities.empty())
        mode |= verify_fail_if_no_peer_cert;
    callback = callback_override ? *callback_override : creds->callback;
    own = nullptr;
}

namespace {

error_code alpn_from_callback(environment& env, const std::vector<std::string_view>& offered)
{
    const std::vector<std::string> names(offered.begin(), offered.end());
    const auto chosen = env.ctx.alpn_select(names);
    if (!chosen || (!chosen->empty() && std::find(names.begin(), names.end(), *chosen) == names.end()))
        return error::no_application_protocol;
    env.info.alpn = *chosen;
    return {};
}

} // namespace

error_code choose_alpn(environment& env, const wire::hello_extensions& client_hello)
{
    if (!client_hello.alpn)
        return {};
    const auto& offered = *client_hello.alpn;
    if (env.ctx.alpn_select)
        return alpn_from_callback(env, offered);
    if (env.ctx.alpn.empty())
        return {};
    for (const auto& ours : env.ctx.alpn) {
        if (std::find(offered.begin(), offered.end(), ours) != offered.end()) {
            env.info.alpn = ours;
            return {};
        }
    }
    return error::no_application_protocol;
}

error_code accept_alpn(environment& env, const wire::hello_extensions& server_ext)
{
    if (!server_ext.alpn)
        return {};
    const auto selected = server_ext.alpn->front(); // exactly one (the parser's rule)
    if (std::find(env.ctx.alpn.begin(), env.ctx.alpn.end(), selected) == env.ctx.alpn.end())
        return error::alpn_not_offered;
    env.info.alpn.assign(selected);
    return {};
}

bool has_required_identity(const environment& env, const certificate_info& info) noexcept
{
    const auto& required = env.creds->required_identities;
    return required.empty() ||
           std::any_of(required.begin(), required.end(), [&](const peer_identity& id) { return id.matches(info); });
}

std::optional<certificate_info> leaf_info(const std::vector<std::vector<std::byte>>& chain)
{
    if (chain.empty())
        return std::nullopt;
    error_code ec;
    auto info = parse_certificate_info(chain.front(), ec);
    if (ec)
        return std::nullopt;
    return info;
}

std::uint64_t environment::now_ms() const
{
    const auto t = hooks.clock ? hooks.clock() : std::chrono::system_clock::now();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
    return ms < 0 ? 0 : static_cast<std::uint64_t>(ms);
}

std::vector<const suite_info*> suites_for(const detail::context_impl& ctx, tls_version v)
{
    std::vector<const suite_info*> out;
    for (auto id : ctx.suites)
        if (auto s = find_suite(static_cast<std::uint16_t>(id)); s && s->version == v)
            out.push_back(s);
    return out;
}

std::vector<const suite_info*> server_suite_order(const detail::context_impl& ctx, tls_version v,
                                                  const std::vector<std::uint16_t>& offered)
{
    const auto ours = suites_for(ctx, v);
    auto id_of = [](const suite_info* s) { return static_cast<std::uint16_t>(s->id); };
    std::vector<const suite_info*> out;
    if (ctx.suite_preference == cipher_preference::client) {
        for (auto id : offered) {
            auto s = std::find_if(ours.begin(), ours.end(), [&](auto x) { return id_of(x) == id; });
            if (s != ours.end())
                out.push_back(*s);
        }
        return out;
    }
    for (auto s : ours)
        if (contains(offered, id_of(s)))
            out.push_back(s);
    if (ctx.suite_preference == cipher_preference::fastest)
        std::stable_sort(out.begin(), out.end(), [provider = ctx.crypto->id()](auto a, auto b) {
            return crypto::aead_cost_rank(provider, a->aead) < crypto::aead_cost_rank(provider, b->aead);
        });
    return out;
}

namespace {

/// Lower-case hex of `b` appended to `out`, without a table lookup indexed by
/// secret bytes.
void append_hex(std::string& out, bytes_view b)
{
    for (auto x : b) {
        for (int n : {std::to_integer<int>(x) >> 4, std::to_integer<int>(x) & 0xf})
            out.push_back(static_cast<char>(n + '0' + (((9 - n) >> 8) & ('a' - '0' - 10))));
    }
}

} // namespace

void module_base::log_secret(std::string_view label, bytes_view s) const
{
    log_secret_to_test_hook(label, s);
    if (!env_.ctx.keylog)
        return;
    // NSS key log format: LABEL <client_random> <secret>, both in hex. Sized
    // up front so that no reallocation leaves an unwiped copy behind.
    std::string line;
    line.reserve(label.size() + 2 + 2 * (env_.client_random.size() + s.size()));
    struct wipe {
        std::string& text;
        ~wipe() { crypto::secure_zero(text.data(), text.size()); }
    } wipe_line{line};
    line.append(label).push_back(' ');
    append_hex(line, env_.client_random);
    line.push_back(' ');
    append_hex(line, s);
    env_.ctx.keylog(line);
}

std::vector<bytes_view> module_base::own_chain() const
{
    std::vector<bytes_view> ders;
    if (env_.own == nullptr)
        return ders;
    ders.reserve(env_.own->chain.size());
    for (const auto& c : env_.own->chain)
        ders.push_back(c.der());
    return ders;
}

crypto::key_share module_base::make_key_share(named_group g) const
{
    if (env_.hooks.ephemeral_private_key) {
        auto key = env_.hooks.ephemeral_private_key(g);
        if (!key.empty())
            return crypto::key_share::from_private(crypto(), g, key);
    }
    return crypto::key_share::generate(crypto(), g);
}

static_assert(wire::max_certificate_entries >= max_verify_depth + 2,
              "a Certificate message must hold the deepest chain mtls verifies");

error_code module_base::accept_peer_chain(const std::vector<bytes_view>& chain, role peer_role)
{
    // Counted before any certificate is parsed: the peer's certificate, at
    // most verify_depth intermediates and the anchor itself.
    const auto depth = env_.creds->verify_depth;
    if ((env_.mode & verify_peer) && chain.size() > static_cast<std::size_t>(depth) + 2)
        return error::certificate_chain_too_long;
    std::vector<crypto::certificate> certs;
    certs.reserve(chain.size());
    for (auto der : chain) {
        error_code ec;
        auto c = crypto::certificate::parse_der(der, ec);
        if (ec)
            return error::bad_certificate;
        certs.push_back(std::move(c));
    }
    if (certs.front().public_key_type() == crypto::key_type::unsupported)
        return error::unsupported_certificate;
    if (env_.mode & verify_peer) {
        auto host = peer_role == role::server ? std::string_view(env_.host) : std::string_view();
        const auto crls = env_.creds->crls->current(); // this handshake's set, whatever reloads follow
        if (auto ec = crypto::verify_chain(crypto(), certs, *env_.creds->anchors, peer_role, host, env_.callback, depth,
                                           crls.get()))
            return ec;
    }
    certificate_info leaf;
    if (auto ec = certs.front().describe(leaf))
        return ec;
    // RFC 8446 §6.2, RFC 5246 §7.2.2: a valid certificate, refused by access
    // control (access_denied). Checked whatever the verify mode.
    if (!has_required_identity(env_, leaf))
        return error::peer_identity_mismatch;
    auto& info = env_.info;
    info.peer_certificates.clear();
    for (auto der : chain)
        info.peer_certificates.emplace_back(der.begin(), der.end());
    info.peer_subject = certs.front().subject();
    info.peer_certificate_info = std::move(leaf);
    peer_leaf_ = std::move(certs.front());
    return {};
}

error_code module_base::check_peer_signature(const wire::signed_data& sig, bytes_view content, bool tls12,
                                             error_code bad_signature) const
{
    if (!contains(env_.ctx.schemes, sig.scheme) ||
        !crypto::key_matches_scheme(peer_leaf_.public_key_type(), sig.scheme, tls12))
        return error::illegal_parameter;
    if (!peer_leaf_.verify_signature(crypto(), sig.scheme, content, sig.signature))
        return bad_signature;
    return {};
}

} // namespace mtls::handshake
