#include "handshake/credentials.hpp"

#include "handshake/common.hpp"

#include <algorithm>

namespace mtls::handshake {
namespace {

char lower(char c) noexcept
{
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool equal_ignoring_case(std::string_view a, std::string_view b) noexcept
{
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

// "*.domain" covers exactly one more leading label (RFC 6125 §6.4.3 style).
bool matches_pattern(std::string_view pattern, std::string_view name) noexcept
{
    if (equal_ignoring_case(pattern, name))
        return true;
    if (pattern.size() < 3 || pattern.substr(0, 2) != "*.")
        return false;
    const auto dot = name.find('.');
    return dot != 0 && dot != std::string_view::npos && equal_ignoring_case(pattern.substr(1), name.substr(dot));
}

const context* find_server_name(const detail::credentials& c, std::string_view name)
{
    for (const auto& [pattern, ctx] : c.server_names)
        if (equal_ignoring_case(pattern, name))
            return &ctx;
    for (const auto& [pattern, ctx] : c.server_names)
        if (matches_pattern(pattern, name))
            return &ctx;
    return nullptr;
}

// Whether a certificate of `chain` was issued by, or is, a CA the peer named.
bool issued_by_one_of(const detail::certified_key& k, const std::vector<bytes_view>& authorities)
{
    auto named = [&](bytes_view dn) {
        return std::any_of(authorities.begin(), authorities.end(),
                           [&](bytes_view a) { return std::equal(a.begin(), a.end(), dn.begin(), dn.end()); });
    };
    return std::any_of(k.chain.begin(), k.chain.end(),
                       [&](const crypto::certificate& c) { return named(c.issuer_der()) || named(c.subject_der()); });
}

// A chain without its key or a key without its chain (use_certificate_chain
// or use_private_key alone).
error_code incomplete(const detail::credentials& c)
{
    for (const auto& k : c.keys) {
        if (!k->chain.empty() && !k->key)
            return error::certificate_without_key;
        if (k->key && k->chain.empty())
            return error::key_without_certificate;
    }
    return {};
}

std::optional<std::size_t> client_key_from_callback(const environment& env, const std::vector<bytes_view>& authorities,
                                                    const std::vector<signature_scheme>& server_schemes)
{
    certificate_request_info request;
    request.authorities.assign(authorities.begin(), authorities.end());
    request.signature_schemes = server_schemes;
    for (const auto& k : env.creds->keys) {
        auto& ders = request.chains.emplace_back();
        for (const auto& c : k->chain)
            ders.push_back(c.der());
    }
    auto chosen = env.creds->choose_client_certificate(request);
    if (chosen && *chosen >= env.creds->keys.size())
        return std::nullopt;
    return chosen;
}

} // namespace

error_code check_own_credentials(const environment& env)
{
    const auto& c = *env.creds;
    if (auto ec = incomplete(c))
        return ec;
    // Without server names the server has nothing else to authenticate with.
    if (env.side == role::server && c.server_names.empty() && !c.server_name_cb)
        return missing_server_key(c);
    return {};
}

error_code missing_server_key(const detail::credentials& c)
{
    if (std::any_of(c.keys.begin(), c.keys.end(), [](const auto& k) { return k->usable(); }))
        return {};
    if (auto ec = incomplete(c))
        return ec;
    // RFC 8446 §4.4.2.2, RFC 5246 §7.4.2: a server always sends a certificate.
    return error::no_certificate;
}

error_code select_server_name(environment& env, std::optional<std::string_view> server_name)
{
    if (!server_name)
        return {};
    const auto& c = *env.creds;
    std::optional<context> chosen;
    if (c.server_name_cb)
        chosen = c.server_name_cb(*server_name);
    if (!chosen)
        if (const context* found = find_server_name(c, *server_name))
            chosen = *found;
    if (chosen) {
        env.use_credentials(chosen->impl().current_credentials());
        return {};
    }
    // RFC 6066 §3: a server that does not recognise the name may refuse
    // with unrecognized_name, or go on.
    return c.reject_unknown_server_names ? error::unrecognized_server_name : error_code{};
}

std::optional<signature_scheme> pick_scheme(const std::vector<signature_scheme>& ours, crypto::key_type k,
                                            const std::vector<signature_scheme>& peer, bool tls12)
{
    for (auto s : ours)
        if (crypto::key_matches_scheme(k, s, tls12) && contains(peer, s))
            return s;
    return std::nullopt;
}

error_code choose_server_key(environment& env, const std::vector<signature_scheme>& client_schemes, bool tls12,
                             const std::function<bool(crypto::key_type)>& fits, signature_scheme& scheme)
{
    env.own = nullptr;
    for (const auto& k : env.creds->keys) {
        if (!k->usable())
            continue;
        const auto type = k->key->type();
        if (!fits(type))
            continue;
        if (auto s = pick_scheme(env.ctx.schemes, type, client_schemes, tls12)) {
            env.own = k.get();
            scheme = *s;
            return {};
        }
    }
    if (auto ec = missing_server_key(*env.creds))
        return ec;
    return error::no_shared_signature_scheme;
}

std::optional<signature_scheme> choose_client_key(environment& env, const std::vector<bytes_view>& authorities,
                                                  const std::vector<signature_scheme>& server_schemes, bool tls12,
                                                  const std::function<bool(crypto::key_type)>& fits)
{
    env.own = nullptr;
    const auto& keys = env.creds->keys;
    auto usable = [&](const detail::certified_key& k) -> std::optional<signature_scheme> {
        if (!k.usable() || !fits(k.key->type()))
            return std::nullopt;
        return pick_scheme(env.ctx.schemes, k.key->type(), server_schemes, tls12);
    };
    auto take = [&](const detail::certified_key& k) {
        auto s = usable(k);
        if (s)
            env.own = &k;
        return s;
    };
    if (env.creds->choose_client_certificate) {
        const auto index = client_key_from_callback(env, authorities, server_schemes);
        return index ? take(*keys[*index]) : std::nullopt;
    }
    // A single chain goes out whatever the hints say, as with OpenSSL.
    if (keys.size() == 1)
        return take(*keys.front());
    for (const auto& k : keys)
        if ((authorities.empty() || issued_by_one_of(*k, authorities)) && usable(*k))
            return take(*k);
    return std::nullopt;
}

} // namespace mtls::handshake
