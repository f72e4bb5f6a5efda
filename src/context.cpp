#include "context_impl.hpp"

#include "crypto/secret.hpp"
#include "crypto/vocabulary.hpp"
#include "session/session_state.hpp"

#include <mtls/context.hpp>

#include <boost/system/system_error.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <utility>

namespace mtls {
namespace detail {

namespace {

// The ids of a vocabulary table, in its order (the default preference order).
template <class Row, std::size_t N>
std::vector<decltype(Row::id)> ids_of(const std::array<Row, N>& table)
{
    std::vector<decltype(Row::id)> out;
    for (const Row& r : table)
        out.push_back(r.id);
    return out;
}

} // namespace

const std::vector<cipher_suite>& default_cipher_suites()
{
    static const std::vector<cipher_suite> suites = ids_of(crypto::suites);
    return suites;
}

const std::vector<named_group>& default_groups()
{
    static const std::vector<named_group> groups = ids_of(crypto::groups);
    return groups;
}

const std::vector<signature_scheme>& default_signature_schemes()
{
    static const std::vector<signature_scheme> schemes = ids_of(crypto::schemes);
    return schemes;
}

context_impl::context_impl()
    : suites(default_cipher_suites()), groups(default_groups()),
      schemes(default_signature_schemes()), sessions(make_memory_session_store()),
      tickets(std::make_shared<ticket_keys>(default_session_lifetime))
{
}

} // namespace detail

namespace {

using bytes = std::span<const std::byte>;

void throw_if(const error_code& ec, const char* what)
{
    if (ec)
        throw boost::system::system_error(ec, what);
}

// Key files are secret: the buffer is wiped when dropped.
class file_contents {
public:
    file_contents() = default;
    file_contents(const file_contents&) = delete;
    file_contents& operator=(const file_contents&) = delete;
    ~file_contents() { crypto::secure_zero(data_.data(), data_.size()); }

    error_code read(const std::string& path)
    {
        std::FILE* f = std::fopen(path.c_str(), "rb");
        if (f == nullptr)
            return {errno, boost::system::generic_category()};
        std::array<std::byte, 4096> chunk;
        std::size_t n = 0;
        while ((n = std::fread(chunk.data(), 1, chunk.size(), f)) != 0) {
            if (data_.size() + n > data_.capacity()) {
                // Grow by hand so no unwiped copy of a key is left behind.
                std::vector<std::byte> bigger;
                bigger.reserve(std::max<std::size_t>(2 * data_.capacity(), data_.size() + n));
                bigger.assign(data_.begin(), data_.end());
                crypto::secure_zero(data_.data(), data_.size());
                data_.swap(bigger);
            }
            data_.insert(data_.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(n));
        }
        crypto::secure_zero(chunk.data(), chunk.size());
        const bool failed = std::ferror(f) != 0;
        std::fclose(f);
        if (failed)
            return {EIO, boost::system::generic_category()};
        return {};
    }

    bytes view() const noexcept { return data_; }

private:
    std::vector<std::byte> data_;
};

// Keeps the values of `in` found in `supported`, first occurrence only.
template <class T>
std::vector<T> keep_supported(const std::vector<T>& in, const std::vector<T>& supported)
{
    std::vector<T> out;
    for (T v : in)
        if (std::find(supported.begin(), supported.end(), v) != supported.end() &&
            std::find(out.begin(), out.end(), v) == out.end())
            out.push_back(v);
    return out;
}

} // namespace

context::context() : impl_(std::make_shared<detail::context_impl>()) {}

detail::context_impl& context::mut()
{
    return *impl_;
}

// --- own credentials -------------------------------------------------------------

void context::use_certificate_chain(bytes data, file_format fmt)
{
    error_code ec;
    use_certificate_chain(data, fmt, ec);
    throw_if(ec, "mtls::context::use_certificate_chain");
}

void context::use_certificate_chain(bytes data, file_format fmt, error_code& ec)
{
    auto chain = crypto::certificate::parse_all(data, fmt, ec);
    if (ec)
        return;
    if (chain.front().public_key_type() == crypto::key_type::unsupported) {
        ec = error::invalid_configuration;
        return;
    }
    auto& m = mut();
    // As OpenSSL does: a new certificate whose key differs drops the old key,
    // so that a chain and key can be replaced in either order.
    if (m.key && !m.key.matches(chain.front()))
        m.key = crypto::private_key();
    m.chain = std::move(chain);
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
    auto& m = mut();
    auto key = crypto::private_key::parse(data, fmt, {}, ec);
    if (ec && m.password) {
        // Likely encrypted: ask for the password only now, and wipe it after.
        std::string pw = m.password(1024);
        key = crypto::private_key::parse(data, fmt, pw, ec);
        crypto::secure_zero(pw.data(), pw.size());
    }
    if (ec)
        return;
    if (key.type() == crypto::key_type::unsupported ||
        (!m.chain.empty() && !key.matches(m.chain.front()))) {
        ec = error::invalid_configuration;
        return;
    }
    m.key = std::move(key);
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

void context::set_password_callback(password_callback cb)
{
    mut().password = std::move(cb);
}

// --- trust anchors -----------------------------------------------------------------

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
    auto& m = mut();
    for (const auto& c : certs)
        m.anchors.add(c);
}

void context::load_verify_file(const std::string& path)
{
    error_code ec;
    load_verify_file(path, ec);
    throw_if(ec, "mtls::context::load_verify_file");
}

void context::load_verify_file(const std::string& path, error_code& ec)
{
    ec = mut().anchors.add_file(path);
}

void context::add_verify_path(const std::string& dir)
{
    error_code ec;
    add_verify_path(dir, ec);
    throw_if(ec, "mtls::context::add_verify_path");
}

void context::add_verify_path(const std::string& dir, error_code& ec)
{
    ec = mut().anchors.add_directory(dir);
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
    if (std::filesystem::is_regular_file(bundle, sec))
        ec = mut().anchors.add_file(bundle);
    else
        ec = mut().anchors.add_directory(dir);
}

// --- policy -------------------------------------------------------------------------

void context::set_verify_mode(verify_mode mode)
{
    mut().mode = mode;
}

void context::set_verify_callback(verify_callback cb)
{
    mut().callback = std::move(cb);
}

void context::set_verify_depth(int depth)
{
    mut().verify_depth = std::clamp(depth, 0, max_verify_depth);
}

void context::set_min_version(tls_version v)
{
    mut().min_version = v;
}

void context::set_max_version(tls_version v)
{
    mut().max_version = v;
}

void context::set_cipher_suites(std::vector<cipher_suite> suites)
{
    mut().suites = keep_supported(suites, detail::default_cipher_suites());
}

void context::set_groups(std::vector<named_group> groups)
{
    mut().groups = keep_supported(groups, detail::default_groups());
}

void context::set_signature_schemes(std::vector<signature_scheme> schemes)
{
    mut().schemes = keep_supported(schemes, detail::default_signature_schemes());
}

void context::set_required_peer_identities(std::vector<peer_identity> identities)
{
    for (const auto& id : identities)
        if (!id.valid())
            throw_if(error::invalid_configuration, "mtls::context::set_required_peer_identities");
    mut().required_identities = std::move(identities);
}

void context::set_alpn_protocols(std::vector<std::string> protocols)
{
    for (const auto& p : protocols)
        if (p.empty() || p.size() > 255) // RFC 7301 §3.1: ProtocolName<1..2^8-1>
            throw_if(error::invalid_configuration, "mtls::context::set_alpn_protocols");
    mut().alpn = std::move(protocols);
}

void context::set_require_extended_master_secret(bool required)
{
    mut().require_ems = required;
}

void context::set_middlebox_compat(bool enabled)
{
    mut().middlebox_compat = enabled;
}

void context::set_key_update_limit(std::uint64_t records)
{
    mut().key_update_limit = records == 0 || records > detail::default_key_update_limit
                                 ? detail::default_key_update_limit
                                 : records;
}

void context::set_max_certificate_list(std::size_t bytes)
{
    constexpr std::size_t largest = (std::size_t{1} << 24) - 1; // a uint24 length
    mut().max_certificate_list = bytes == 0 ? detail::default_max_certificate_list : std::min(bytes, largest);
}

void context::set_session_tickets(bool enabled)
{
    mut().session_tickets = enabled;
}

void context::set_tls13_ticket_count(unsigned count)
{
    mut().tls13_ticket_count = std::min(count, detail::max_tls13_ticket_count);
}

void context::set_session_lifetime(std::chrono::seconds lifetime)
{
    const auto seconds = lifetime.count();
    auto& m = mut();
    m.session_lifetime = seconds <= 0 || seconds > detail::max_session_lifetime
                             ? detail::max_session_lifetime
                             : static_cast<std::uint32_t>(seconds);
    m.tickets->set_rotation(m.session_lifetime);
}

void context::set_session_store(std::shared_ptr<session_store> store)
{
    mut().sessions = std::move(store);
}

void context::set_client_session_cache(std::size_t servers)
{
    mut().client_sessions = servers == 0 ? nullptr : std::make_shared<detail::client_session_cache>(servers);
}

void context::set_ticket_keys(bytes records)
{
    error_code ec;
    set_ticket_keys(records, ec);
    throw_if(ec, "mtls::context::set_ticket_keys");
}

void context::set_ticket_keys(bytes records, error_code& ec)
{
    ec = impl_->tickets->set(records); // locks itself: safe while streams run
}

} // namespace mtls
