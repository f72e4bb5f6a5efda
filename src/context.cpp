#include "context_files.hpp"
#include "context_impl.hpp"

#include "crypto/vocabulary.hpp"
#include "session/session_state.hpp"

#include <mtls/context.hpp>

#include <boost/system/system_error.hpp>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <array>
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

bool provides(const crypto::provider& p, cipher_suite s)
{
    const crypto::suite_row* r = crypto::find_row(crypto::suites, s);
    return r != nullptr && p.supports(r->aead);
}

bool provides(const crypto::provider& p, named_group g)
{
    return p.supports(g);
}

bool provides(const crypto::provider& p, signature_scheme s)
{
    return p.supports(s);
}

} // namespace

template <class T>
std::vector<T> supported_by(const crypto::provider& p, const std::vector<T>& values)
{
    std::vector<T> out;
    for (const T& v : values)
        if (provides(p, v))
            out.push_back(v);
    return out;
}

template std::vector<cipher_suite> supported_by(const crypto::provider&, const std::vector<cipher_suite>&);
template std::vector<named_group> supported_by(const crypto::provider&, const std::vector<named_group>&);
template std::vector<signature_scheme> supported_by(const crypto::provider&, const std::vector<signature_scheme>&);

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

context_impl::context_impl(const crypto::provider& p)
    : crypto(&p), suites(supported_by(p, default_cipher_suites())), groups(supported_by(p, default_groups())),
      schemes(supported_by(p, default_signature_schemes())), sessions(make_memory_session_store()),
      tickets(std::make_shared<ticket_keys>(p, default_session_lifetime))
{
}

} // namespace detail

namespace {

using bytes = std::span<const std::byte>;
using detail::throw_if;

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

namespace {

// MTLS_CRYPTO_PROVIDER names the provider of default-constructed contexts.
crypto_provider provider_from_environment()
{
    const char* name = std::getenv("MTLS_CRYPTO_PROVIDER");
    crypto_provider p = crypto_provider::mbedtls;
    if (name != nullptr && *name != '\0' && !from_string(name, p))
        throw boost::system::system_error(make_error_code(error::crypto_provider_unavailable),
                                          std::string("MTLS_CRYPTO_PROVIDER=") + name);
    return p;
}

} // namespace

context::context() : context(provider_from_environment()) {}

context::context(crypto_provider p)
    : impl_(std::make_shared<detail::context_impl>(crypto::get_provider(p)))
{}

crypto_provider context::provider() const noexcept
{
    return impl_->crypto->id();
}

detail::context_impl& context::mut()
{
    return *impl_;
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
    mut().suites = keep_supported(suites, detail::supported_by(*impl_->crypto, detail::default_cipher_suites()));
}

void context::set_cipher_preference(cipher_preference preference)
{
    switch (preference) {
    case cipher_preference::server:
    case cipher_preference::client:
    case cipher_preference::fastest: mut().suite_preference = preference; return;
    }
    throw_if(error::invalid_configuration, "mtls::context::set_cipher_preference");
}

void context::set_groups(std::vector<named_group> groups)
{
    mut().groups = keep_supported(groups, detail::supported_by(*impl_->crypto, detail::default_groups()));
}

void context::set_signature_schemes(std::vector<signature_scheme> schemes)
{
    mut().schemes = keep_supported(schemes, detail::supported_by(*impl_->crypto, detail::default_signature_schemes()));
}


void context::set_alpn_protocols(std::vector<std::string> protocols)
{
    for (const auto& p : protocols)
        if (p.empty() || p.size() > 255) // RFC 7301 §3.1: ProtocolName<1..2^8-1>
            throw_if(error::invalid_configuration, "mtls::context::set_alpn_protocols");
    mut().alpn = std::move(protocols);
}

void context::set_alpn_select_callback(alpn_select_callback cb)
{
    mut().alpn_select = std::move(cb);
}

void context::set_keylog_callback(std::function<void(std::string_view line)> callback)
{
    mut().keylog = std::move(callback);
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
