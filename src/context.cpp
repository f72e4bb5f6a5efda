#include "context_files.hpp"
#include "context_impl.hpp"

#include "crypto/vocabulary.hpp"
#include "session/session_state.hpp"

#include <mtls/context.hpp>

#include <boost/system/system_error.hpp>

#include <algorithm>
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

context::context() : impl_(std::make_shared<detail::context_impl>()) {}

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
    mut().suites = keep_supported(suites, detail::default_cipher_suites());
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
    mut().groups = keep_supported(groups, detail::default_groups());
}

void context::set_signature_schemes(std::vector<signature_scheme> schemes)
{
    mut().schemes = keep_supported(schemes, detail::default_signature_schemes());
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
