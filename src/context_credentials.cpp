// The context's credentials: own chains and keys, trust anchors, server
// names, CRLs and verify settings. Each setter publishes a new snapshot
// (context_impl::update_credentials), so all of them are safe while streams run.

#include "context_files.hpp"
#include "context_impl.hpp"

#include <mtls/context.hpp>

#include <algorithm>
#include <filesystem>
#include <utility>

namespace mtls {
namespace {

using bytes = std::span<const std::byte>;
using detail::file_contents;
using detail::throw_if;

std::vector<crypto::certificate> parse_own_chain(bytes data, file_format fmt, error_code& ec)
{
    auto chain = crypto::certificate::parse_all(data, fmt, ec);
    if (!ec && chain.front().public_key_type() == crypto::key_type::unsupported)
        ec = error::invalid_configuration;
    return chain;
}

crypto::private_key parse_key(const password_callback& password, bytes data, file_format fmt, error_code& ec)
{
    auto key = crypto::private_key::parse(data, fmt, {}, ec);
    if (ec == error::key_password_missing && password) {
        // Encrypted: ask for the password only now, and wipe it after.
        std::string pw = password(1024);
        key = crypto::private_key::parse(data, fmt, pw, ec);
        crypto::secure_zero(pw.data(), pw.size());
        // The callback is set; it answered with an empty password.
        if (ec == error::key_password_missing)
            ec = error::key_password_wrong;
    }
    if (!ec && key.type() == crypto::key_type::unsupported)
        ec = error::invalid_configuration;
    return key;
}

// A chain and its key, checked to belong together.
std::shared_ptr<detail::certified_key> parse_certified_key(const password_callback& password, bytes chain, bytes key,
                                                           file_format fmt, error_code& ec)
{
    auto out = std::make_shared<detail::certified_key>();
    out->chain = parse_own_chain(chain, fmt, ec);
    if (!ec)
        out->key = std::make_shared<const crypto::private_key>(parse_key(password, key, fmt, ec));
    if (!ec && !out->key->matches(out->chain.front()))
        ec = error::invalid_configuration;
    return ec ? nullptr : out;
}

void set_first(detail::credentials& c, std::shared_ptr<const detail::certified_key> k)
{
    if (c.keys.empty())
        c.keys.push_back(std::move(k));
    else
        c.keys.front() = std::move(k);
}

// Reads a chain file and a key file, then hands both to `use`.
template <class Use>
void with_files(const std::string& chain_path, const std::string& key_path, error_code& ec, Use&& use)
{
    file_contents chain;
    file_contents key;
    ec = chain.read(chain_path);
    if (!ec)
        ec = key.read(key_path);
    if (!ec)
        use(chain.view(), key.view());
}

} // namespace

// --- own credentials -------------------------------------------------------------

void context::use_certificate_chain(bytes data, file_format fmt)
{
    error_code ec;
    use_certificate_chain(data, fmt, ec);
    throw_if(ec, "mtls::context::use_certificate_chain");
}

void context::use_certificate_chain(bytes data, file_format fmt, error_code& ec)
{
    auto chain = parse_own_chain(data, fmt, ec);
    if (ec)
        return;
    mut().update_credentials([&](detail::credentials& c) {
        auto next = std::make_shared<detail::certified_key>();
        next->chain = std::move(chain);
        // As OpenSSL does: a new certificate whose key differs drops the old
        // key, so that a chain and key can be replaced in either order.
        if (!c.keys.empty() && c.keys.front()->key && c.keys.front()->key->matches(next->chain.front()))
            next->key = c.keys.front()->key;
        set_first(c, std::move(next));
    });
}

void context::use_certificate_chain_file(const std::string& path)
{
    error_code ec;
    use_certificate_chain_file(path, ec);
    throw_if(ec, "mtls::context::use_certificate_chain_file");
}

void context::use_certificate_chain_file(const std::string& path, error_code& ec)
{
    file_contents f;
    ec = f.read(path);
    if (!ec)
        use_certificate_chain(f.view(), file_format::pem, ec);
}

void context::use_private_key(bytes data, file_format fmt)
{
    error_code ec;
    use_private_key(data, fmt, ec);
    throw_if(ec, "mtls::context::use_private_key");
}

void context::use_private_key(bytes data, file_format fmt, error_code& ec)
{
    auto key = std::make_shared<const crypto::private_key>(parse_key(mut().password, data, fmt, ec));
    if (ec)
        return;
    ec = mut().update_credentials([&](detail::credentials& c) {
        auto next = std::make_shared<detail::certified_key>();
        if (!c.keys.empty())
            next->chain = c.keys.front()->chain;
        if (!next->chain.empty() && !key->matches(next->chain.front()))
            return error_code(error::invalid_configuration);
        next->key = std::move(key);
        set_first(c, std::move(next));
        return error_code{};
    });
}

void context::use_private_key_file(const std::string& path, file_format fmt)
{
    error_code ec;
    use_private_key_file(path, fmt, ec);
    throw_if(ec, "mtls::context::use_private_key_file");
}

void context::use_private_key_file(const std::string& path, file_format fmt, error_code& ec)
{
    file_contents f;
    ec = f.read(path);
    if (!ec)
        use_private_key(f.view(), fmt, ec);
}

void context::use_certified_key(bytes chain, bytes key, file_format fmt)
{
    error_code ec;
    use_certified_key(chain, key, fmt, ec);
    throw_if(ec, "mtls::context::use_certified_key");
}

void context::use_certified_key(bytes chain, bytes key, file_format fmt, error_code& ec)
{
    auto k = parse_certified_key(mut().password, chain, key, fmt, ec);
    if (k)
        mut().update_credentials([&](detail::credentials& c) { c.keys.assign(1, std::move(k)); });
}

void context::use_certified_key_file(const std::string& chain_path, const std::string& key_path)
{
    error_code ec;
    use_certified_key_file(chain_path, key_path, ec);
    throw_if(ec, "mtls::context::use_certified_key_file");
}

void context::use_certified_key_file(const std::string& chain_path, const std::string& key_path, error_code& ec)
{
    with_files(chain_path, key_path, ec,
               [&](bytes chain, bytes key) { use_certified_key(chain, key, file_format::pem, ec); });
}

void context::add_certified_key(bytes chain, bytes key, file_format fmt)
{
    error_code ec;
    add_certified_key(chain, key, fmt, ec);
    throw_if(ec, "mtls::context::add_certified_key");
}

void context::add_certified_key(bytes chain, bytes key, file_format fmt, error_code& ec)
{
    auto k = parse_certified_key(mut().password, chain, key, fmt, ec);
    if (k)
        mut().update_credentials([&](detail::credentials& c) { c.keys.push_back(std::move(k)); });
}

void context::add_certified_key_file(const std::string& chain_path, const std::string& key_path)
{
    error_code ec;
    add_certified_key_file(chain_path, key_path, ec);
    throw_if(ec, "mtls::context::add_certified_key_file");
}

void context::add_certified_key_file(const std::string& chain_path, const std::string& key_path, error_code& ec)
{
    with_files(chain_path, key_path, ec,
               [&](bytes chain, bytes key) { add_certified_key(chain, key, file_format::pem, ec); });
}

void context::set_client_certificate_callback(client_certificate_callback cb)
{
    mut().update_credentials([&](detail::credentials& c) { c.choose_client_certificate = std::move(cb); });
}

void context::set_credentials_from(const context& source)
{
    auto taken = source.impl_->current_credentials();
    mut().update_credentials([&](detail::credentials& c) { c = *taken; });
}

void context::set_password_callback(password_callback cb)
{
    mut().password = std::move(cb);
}

// --- trust anchors -----------------------------------------------------------------

namespace {

// Adds to a copy of the current anchors, then publishes it.
template <class Add>
error_code add_anchors(detail::context_impl& m, Add&& add)
{
    return m.update_credentials([&](detail::credentials& c) {
        auto next = std::make_shared<crypto::trust_store>(c.anchors->clone());
        if (error_code ec = add(*next))
            return ec;
        c.anchors = std::move(next);
        return error_code{};
    });
}

} // namespace

void context::add_certificate_authority(bytes data, file_format fmt)
{
    error_code ec;
    add_certificate_authority(data, fmt, ec);
    throw_if(ec, "mtls::context::add_certificate_authority");
}

void context::add_certificate_authority(bytes data, file_format fmt, error_code& ec)
{
    const auto certs = crypto::certificate::parse_all(data, fmt, ec);
    if (ec)
        return;
    ec = add_anchors(mut(), [&](crypto::trust_store& t) {
        for (const auto& c : certs)
            t.add(c);
        return error_code{};
    });
}

void context::load_verify_file(const std::string& path)
{
    error_code ec;
    load_verify_file(path, ec);
    throw_if(ec, "mtls::context::load_verify_file");
}

void context::load_verify_file(const std::string& path, error_code& ec)
{
    ec = add_anchors(mut(), [&](crypto::trust_store& t) { return t.add_file(path); });
}

void context::add_verify_path(const std::string& dir)
{
    error_code ec;
    add_verify_path(dir, ec);
    throw_if(ec, "mtls::context::add_verify_path");
}

void context::add_verify_path(const std::string& dir, error_code& ec)
{
    ec = add_anchors(mut(), [&](crypto::trust_store& t) { return t.add_directory(dir); });
}

void context::set_default_verify_paths()
{
    error_code ec;
    set_default_verify_paths(ec);
    throw_if(ec, "mtls::context::set_default_verify_paths");
}

void context::set_default_verify_paths(error_code& ec)
{
    // Debian's bundle; the directory form when the bundle is absent.
    static const std::string bundle = "/etc/ssl/certs/ca-certificates.crt";
    static const std::string dir = "/etc/ssl/certs";
    std::error_code sec;
    const bool use_bundle = std::filesystem::is_regular_file(bundle, sec);
    ec = add_anchors(mut(),
                     [&](crypto::trust_store& t) { return use_bundle ? t.add_file(bundle) : t.add_directory(dir); });
}

// --- server names -------------------------------------------------------------------

void context::add_server_name(std::string name, const context& per_name)
{
    if (name.empty() || per_name.impl_ == impl_)
        throw_if(error::invalid_configuration, "mtls::context::add_server_name");
    std::transform(name.begin(), name.end(), name.begin(),
                   [](char ch) { return ch >= 'A' && ch <= 'Z' ? static_cast<char>(ch - 'A' + 'a') : ch; });
    mut().update_credentials([&](detail::credentials& c) {
        auto same = std::find_if(c.server_names.begin(), c.server_names.end(),
                                 [&](const auto& entry) { return entry.first == name; });
        if (same != c.server_names.end())
            same->second = per_name;
        else
            c.server_names.emplace_back(std::move(name), per_name);
    });
}

void context::set_server_name_callback(server_name_callback cb)
{
    mut().update_credentials([&](detail::credentials& c) { c.server_name_cb = std::move(cb); });
}

void context::set_reject_unknown_server_names(bool reject)
{
    mut().update_credentials([&](detail::credentials& c) { c.reject_unknown_server_names = reject; });
}

// --- revocation --------------------------------------------------------------------

void context::add_crl(bytes data, file_format fmt)
{
    error_code ec;
    add_crl(data, fmt, ec);
    throw_if(ec, "mtls::context::add_crl");
}

void context::add_crl(bytes data, file_format fmt, error_code& ec)
{
    ec = impl_->current_credentials()->crls->add(data, fmt);
}

void context::add_crl_file(const std::string& path)
{
    error_code ec;
    add_crl_file(path, ec);
    throw_if(ec, "mtls::context::add_crl_file");
}

void context::add_crl_file(const std::string& path, error_code& ec)
{
    ec = impl_->current_credentials()->crls->add_file(path);
}

void context::add_crl_path(const std::string& dir)
{
    error_code ec;
    add_crl_path(dir, ec);
    throw_if(ec, "mtls::context::add_crl_path");
}

void context::add_crl_path(const std::string& dir, error_code& ec)
{
    ec = impl_->current_credentials()->crls->add_directory(dir);
}

void context::reload_crls()
{
    error_code ec;
    reload_crls(ec);
    throw_if(ec, "mtls::context::reload_crls");
}

void context::reload_crls(error_code& ec)
{
    ec = impl_->current_credentials()->crls->reload();
}

// --- policy -------------------------------------------------------------------------

void context::set_verify_mode(verify_mode mode)
{
    mut().update_credentials([&](detail::credentials& c) { c.mode = mode; });
}

void context::set_verify_callback(verify_callback cb)
{
    mut().update_credentials([&](detail::credentials& c) { c.callback = std::move(cb); });
}

void context::set_verify_depth(int depth)
{
    mut().update_credentials([&](detail::credentials& c) { c.verify_depth = std::clamp(depth, 0, max_verify_depth); });
}
void context::set_required_peer_identities(std::vector<peer_identity> identities)
{
    for (const auto& id : identities)
        if (!id.valid())
            throw_if(error::invalid_configuration, "mtls::context::set_required_peer_identities");
    mut().update_credentials([&](detail::credentials& c) { c.required_identities = std::move(identities); });
}

} // namespace mtls
