// The context's credentials: own chains and keys, trust anchors, server
// names, CRLs and verify settings. Each setter publishes a new snapshot
// (context_impl::update_credentials), so all of them are safe while streams run.

#include "context_files.hpp"
#include "context_impl.hpp"

#include <mtls/context.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string_view>
#include <utility>

namespace mtls {
namespace {

using bytes = std::span<const std::byte>;
using detail::file_contents;
using detail::throw_if;

std::vector<crypto::certificate> parse_own_chain(bytes data, file_format fmt, error_code& ec)
{
    auto chain = crypto::certificate::parse_all(data, fmt, ec);
    ec = detail::local_certificate_error(ec);
    if (!ec && chain.front().public_key_type() == crypto::key_type::unsupported)
        ec = error::invalid_configuration;
    return chain;
}

crypto::private_key parse_key(const detail::context_impl& m, bytes data, file_format fmt, error_code& ec)
{
    auto key = crypto::private_key::parse(*m.crypto, data, fmt, {}, ec);
    if (ec == error::key_password_missing && m.password) {
        // Encrypted: ask for the password only now, and wipe it after.
        std::string pw = m.password(1024);
        key = crypto::private_key::parse(*m.crypto, data, fmt, pw, ec);
        crypto::secure_zero(pw.data(), pw.size());
        // The callback is set; it answered with an empty password.
        if (ec == error::key_password_missing)
            ec = error::key_password_wrong;
    }
    if (!ec && key.type() == crypto::key_type::unsupported)
        ec = error::invalid_configuration;
    return key;
}

// Which input of a chain and key an error is about.
enum class culprit { chain, key, both };

// A chain and its key, checked to belong together.
std::shared_ptr<detail::certified_key> parse_certified_key(const detail::context_impl& m, bytes chain, bytes key,
                                                           file_format fmt, error_code& ec, culprit& at)
{
    auto out = std::make_shared<detail::certified_key>();
    at = culprit::chain;
    out->chain = parse_own_chain(chain, fmt, ec);
    if (ec)
        return nullptr;
    at = culprit::key;
    out->key = std::make_shared<const crypto::private_key>(parse_key(m, key, fmt, ec));
    if (ec)
        return nullptr;
    at = culprit::both;
    if (!out->key->matches(out->chain.front())) {
        ec = error::key_mismatch;
        return nullptr;
    }
    return out;
}

// use_certified_key (`add` false) or add_certified_key.
void store_certified_key(detail::context_impl& m, std::shared_ptr<const detail::certified_key> k, bool add)
{
    m.update_credentials([&](detail::credentials& c) {
        if (add)
            c.keys.push_back(std::move(k));
        else
            c.keys.assign(1, std::move(k));
    });
}

// Loads a chain file and its key file; returns what an error is about (a
// path, or both), for the throwing overloads to name.
std::string load_certified_key_files(detail::context_impl& m, const std::string& chain_path,
                                     const std::string& key_path, bool add, error_code& ec)
{
    file_contents chain;
    file_contents key;
    if ((ec = chain.read(chain_path)))
        return chain_path;
    if ((ec = key.read(key_path)))
        return key_path;
    culprit at{};
    auto k = parse_certified_key(m, chain.view(), key.view(), file_format::pem, ec, at);
    if (k)
        store_certified_key(m, std::move(k), add);
    switch (at) {
    case culprit::chain: return chain_path;
    case culprit::key: return key_path;
    case culprit::both: break;
    }
    return chain_path + ", " + key_path;
}

void set_first(detail::credentials& c, std::shared_ptr<const detail::certified_key> k)
{
    if (c.keys.empty())
        c.keys.push_back(std::move(k));
    else
        c.keys.front() = std::move(k);
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
    ec = mut().update_credentials([&](detail::credentials& c) {
        auto next = std::make_shared<detail::certified_key>();
        next->chain = std::move(chain);
        const detail::certified_key* first = c.keys.empty() ? nullptr : c.keys.front().get();
        if (first && first->key && first->key->matches(next->chain.front()))
            next->key = first->key;
        else if (first && first->key && first->chain.empty())
            return error_code(error::key_mismatch); // the key was loaded first, for another certificate
        // Replacing a whole chain and key, as OpenSSL does: a chain for
        // another key drops the old key, and the new key follows. Until it
        // does, handshakes fail with certificate_without_key.
        set_first(c, std::move(next));
        return error_code{};
    });
}

void context::use_certificate_chain_file(const std::string& path)
{
    error_code ec;
    use_certificate_chain_file(path, ec);
    throw_if(ec, "mtls::context::use_certificate_chain_file", path);
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
    auto key = std::make_shared<const crypto::private_key>(parse_key(mut(), data, fmt, ec));
    if (ec)
        return;
    ec = mut().update_credentials([&](detail::credentials& c) {
        auto next = std::make_shared<detail::certified_key>();
        if (!c.keys.empty())
            next->chain = c.keys.front()->chain;
        if (!next->chain.empty() && !key->matches(next->chain.front()))
            return error_code(error::key_mismatch);
        next->key = std::move(key);
        set_first(c, std::move(next));
        return error_code{};
    });
}

void context::use_private_key_file(const std::string& path, file_format fmt)
{
    error_code ec;
    use_private_key_file(path, fmt, ec);
    throw_if(ec, "mtls::context::use_private_key_file", path);
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
    culprit at{};
    if (auto k = parse_certified_key(mut(), chain, key, fmt, ec, at))
        store_certified_key(mut(), std::move(k), false);
}

void context::use_certified_key_file(const std::string& chain_path, const std::string& key_path)
{
    error_code ec;
    const auto at = load_certified_key_files(mut(), chain_path, key_path, false, ec);
    throw_if(ec, "mtls::context::use_certified_key_file", at);
}

void context::use_certified_key_file(const std::string& chain_path, const std::string& key_path, error_code& ec)
{
    load_certified_key_files(mut(), chain_path, key_path, false, ec);
}

void context::add_certified_key(bytes chain, bytes key, file_format fmt)
{
    error_code ec;
    add_certified_key(chain, key, fmt, ec);
    throw_if(ec, "mtls::context::add_certified_key");
}

void context::add_certified_key(bytes chain, bytes key, file_format fmt, error_code& ec)
{
    culprit at{};
    if (auto k = parse_certified_key(mut(), chain, key, fmt, ec, at))
        store_certified_key(mut(), std::move(k), true);
}

void context::add_certified_key_file(const std::string& chain_path, const std::string& key_path)
{
    error_code ec;
    const auto at = load_certified_key_files(mut(), chain_path, key_path, true, ec);
    throw_if(ec, "mtls::context::add_certified_key_file", at);
}

void context::add_certified_key_file(const std::string& chain_path, const std::string& key_path, error_code& ec)
{
    load_certified_key_files(mut(), chain_path, key_path, true, ec);
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
    return detail::local_certificate_error(m.update_credentials([&](detail::credentials& c) {
        auto next = std::make_shared<crypto::trust_store>(c.anchors->clone());
        if (error_code ec = add(*next))
            return ec;
        c.anchors = std::move(next);
        return error_code{};
    }));
}

std::string environment_variable(const char* name)
{
    const char* v = std::getenv(name); // NOLINT(concurrency-mt-unsafe): mtls never sets the environment
    return v != nullptr ? v : "";
}

// The trust store set_default_verify_paths reads, as OpenSSL finds it: the
// bundle file and directories SSL_CERT_FILE and SSL_CERT_DIR (a ':'-separated
// list) name replace Debian's. Returns the path an error is about.
std::string load_default_verify_paths(detail::context_impl& m, error_code& ec)
{
    static const std::string default_bundle = "/etc/ssl/certs/ca-certificates.crt";
    static const std::string default_dir = "/etc/ssl/certs";
    std::string bundle = environment_variable("SSL_CERT_FILE");
    std::vector<std::string> dirs;
    const std::string dir_list = environment_variable("SSL_CERT_DIR");
    for (std::size_t start = 0; start <= dir_list.size();) {
        const auto end = std::min(dir_list.find(':', start), dir_list.size());
        if (end > start)
            dirs.push_back(dir_list.substr(start, end - start));
        start = end + 1;
    }
    std::error_code sec;
    if (bundle.empty() && std::filesystem::is_regular_file(default_bundle, sec))
        bundle = default_bundle;
    // The default directory holds what the bundle does: read only without one.
    if (bundle.empty() && dirs.empty())
        dirs.push_back(default_dir);
    std::string failed;
    ec = add_anchors(m, [&](crypto::trust_store& t) {
        error_code e;
        if (!bundle.empty() && (e = t.add_file(bundle)))
            failed = bundle;
        for (std::size_t i = 0; !e && i < dirs.size(); ++i)
            if ((e = t.add_directory(dirs[i])))
                failed = dirs[i];
        return e;
    });
    return failed;
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
    ec = detail::local_certificate_error(ec);
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
    throw_if(ec, "mtls::context::load_verify_file", path);
}

void context::load_verify_file(const std::string& path, error_code& ec)
{
    ec = add_anchors(mut(), [&](crypto::trust_store& t) { return t.add_file(path); });
}

void context::add_verify_path(const std::string& dir)
{
    error_code ec;
    add_verify_path(dir, ec);
    throw_if(ec, "mtls::context::add_verify_path", dir);
}

void context::add_verify_path(const std::string& dir, error_code& ec)
{
    ec = add_anchors(mut(), [&](crypto::trust_store& t) { return t.add_directory(dir); });
}

void context::set_default_verify_paths()
{
    error_code ec;
    const auto at = load_default_verify_paths(mut(), ec);
    throw_if(ec, "mtls::context::set_default_verify_paths", at);
}

void context::set_default_verify_paths(error_code& ec)
{
    load_default_verify_paths(mut(), ec);
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
    throw_if(ec, "mtls::context::add_crl_file", path);
}

void context::add_crl_file(const std::string& path, error_code& ec)
{
    ec = impl_->current_credentials()->crls->add_file(path);
}

void context::add_crl_path(const std::string& dir)
{
    error_code ec;
    add_crl_path(dir, ec);
    throw_if(ec, "mtls::context::add_crl_path", dir);
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
