// Host name and IP address matching of certificates (RFC 6125), and the
// identities a peer may be required to carry (DNS names, URI patterns).

#include "pki_internal.hpp"

#include <mtls/certificate_info.hpp>

#include <mbedtls/oid.h>

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <optional>

namespace mtls::crypto {
namespace detail {
namespace {

char lower(char c) noexcept
{
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) noexcept
{
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

std::string_view strip_trailing_dot(std::string_view s) noexcept
{
    if (!s.empty() && s.back() == '.')
        s.remove_suffix(1);
    return s;
}

} // namespace

// RFC 6125 §6.4.3: a wildcard only as the whole left-most label, matching
// exactly one label, with at least two labels after it (so never directly
// under a top-level domain: "*.test" matches nothing). Partial wildcards
// ("f*.example.test"), which §6.4.3 item 3 leaves optional, match nothing, as
// in browsers and RFC 9525 §6.3.
bool dns_matches(std::string_view pattern, std::string_view host) noexcept
{
    pattern = strip_trailing_dot(pattern);
    if (pattern.empty() || host.empty())
        return false;
    if (pattern.size() > 2 && pattern[0] == '*' && pattern[1] == '.') {
        const std::string_view suffix = pattern.substr(1); // ".example.test"
        // Two labels after the wildcard, none of them empty.
        if (suffix.find('.', 1) == std::string_view::npos || suffix.find("..") != std::string_view::npos)
            return false;
        if (suffix.find('*') != std::string_view::npos)
            return false;
        const std::size_t dot = host.find('.');
        if (dot == 0 || dot == std::string_view::npos)
            return false;
        return iequals(host.substr(dot), suffix);
    }
    if (pattern.find('*') != std::string_view::npos)
        return false;
    return iequals(pattern, host);
}

bool crt_matches_host(const mbedtls_x509_crt& crt, std::string_view host)
{
    const bool bracketed = host.size() >= 2 && host.front() == '[' && host.back() == ']';
    if (bracketed)
        host = host.substr(1, host.size() - 2);
    if (host.empty())
        return false;

    // An IP literal matches only iPAddress SANs, byte for byte and of the
    // same length (RFC 6125 §1.7.2, RFC 5280 §4.2.1.6): an IPv4 address never
    // matches a 16-byte SAN that starts with its bytes, nor the reverse.
    const std::string host_str(host);
    std::array<unsigned char, 16> ip{};
    std::size_t ip_len = 0;
    if (!bracketed && inet_pton(AF_INET, host_str.c_str(), ip.data()) == 1)
        ip_len = 4;
    else if (inet_pton(AF_INET6, host_str.c_str(), ip.data()) == 1)
        ip_len = 16;
    else if (bracketed)
        return false; // brackets only enclose IPv6 literals (RFC 3986 §3.2.2)

    const bool has_san = (crt.ext_types & MBEDTLS_X509_EXT_SUBJECT_ALT_NAME) != 0;
    const std::string_view dns_host = strip_trailing_dot(host);
    if (ip_len == 0 && dns_host.find('*') != std::string_view::npos)
        return false;

    if (has_san) {
        const bytes_view ip_bytes(reinterpret_cast<const std::byte*>(ip.data()), ip_len);
        // The walk stops (returns false) at the first name that matches.
        return !for_each_san(crt, [&](san_kind kind, bytes_view value) {
            if (ip_len != 0)
                return !(kind == san_kind::ip_address &&
                         std::equal(value.begin(), value.end(), ip_bytes.begin(), ip_bytes.end()));
            const std::string_view name(reinterpret_cast<const char*>(value.data()), value.size());
            return !(kind == san_kind::dns_name && dns_matches(name, dns_host));
        });
    }
    if (ip_len != 0)
        return false;
    // RFC 6125 §6.4.4: the CN only when there is no subjectAltName at all.
    for (const mbedtls_x509_name* n = &crt.subject; n != nullptr; n = n->next) {
        if (n->oid.p != nullptr && MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &n->oid) == 0 &&
            dns_matches({reinterpret_cast<const char*>(n->val.p), n->val.len}, dns_host))
            return true;
    }
    return false;
}

} // namespace detail

} // namespace mtls::crypto

namespace mtls {
namespace {

using crypto::detail::dns_matches;
using crypto::detail::iequals;
using crypto::detail::strip_trailing_dot;

bool printable_ascii(std::string_view s) noexcept
{
    return std::all_of(s.begin(), s.end(), [](char c) { return c > ' ' && c < '\x7f'; });
}

// RFC 3986 §3: scheme ":" ["//" authority] path; no query or fragment here.
struct uri_parts {
    std::string_view scheme;
    bool has_authority = false;
    std::string_view userinfo; // before '@', case-sensitive
    std::string_view host_port;
    std::string_view path;
};

std::optional<uri_parts> split_uri(std::string_view u) noexcept
{
    if (!printable_ascii(u) || u.find_first_of("?#") != std::string_view::npos)
        return std::nullopt;
    const auto colon = u.find(':');
    // §3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
    auto scheme_char = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '-' ||
               c == '.';
    };
    if (colon == 0 || colon == std::string_view::npos || !std::all_of(u.begin(), u.begin() + colon, scheme_char) ||
        (u[0] >= '0' && u[0] <= '9') || u[0] == '+' || u[0] == '-' || u[0] == '.')
        return std::nullopt;
    uri_parts p;
    p.scheme = u.substr(0, colon);
    std::string_view rest = u.substr(colon + 1);
    if (rest.starts_with("//")) {
        rest.remove_prefix(2);
        const auto slash = rest.find('/');
        std::string_view authority = rest.substr(0, slash);
        p.path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
        p.has_authority = true;
        if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
            p.userinfo = authority.substr(0, at + 1);
            authority.remove_prefix(at + 1);
        }
        p.host_port = authority;
    } else {
        p.path = rest;
    }
    return p;
}

// Segment by segment; a pattern segment "*" takes one segment that is not
// empty and not a dot-segment (RFC 3986 §3.3), so it cannot stand for a
// path that normalises elsewhere.
bool path_matches(std::string_view pattern, std::string_view path) noexcept
{
    for (;;) {
        const auto pe = pattern.find('/');
        const auto ue = path.find('/');
        const auto ps = pattern.substr(0, pe);
        const auto us = path.substr(0, ue);
        if (ps == "*") {
            if (us.empty() || us == "." || us == "..")
                return false;
        } else if (ps != us) {
            return false;
        }
        if (pe == std::string_view::npos || ue == std::string_view::npos)
            return pe == ue;
        pattern.remove_prefix(pe + 1);
        path.remove_prefix(ue + 1);
    }
}

// "*" only as whole path segments after an authority.
bool wildcards_well_placed(const uri_parts& p) noexcept
{
    const auto npos = std::string_view::npos;
    if (p.scheme.find('*') != npos || p.userinfo.find('*') != npos || p.host_port.find('*') != npos)
        return false;
    if (p.path.find('*') == npos)
        return true;
    if (!p.has_authority)
        return false;
    for (std::string_view rest = p.path;;) {
        const auto slash = rest.find('/');
        const auto segment = rest.substr(0, slash);
        if (segment.find('*') != npos && segment != "*")
            return false;
        if (slash == npos)
            return true;
        rest.remove_prefix(slash + 1);
    }
}

} // namespace

bool uri_matches(std::string_view pattern, std::string_view uri) noexcept
{
    const auto p = split_uri(pattern);
    const auto u = split_uri(uri);
    if (!p || !u || !wildcards_well_placed(*p))
        return false;
    // RFC 3986 §6.2.2.1: scheme and host are case-insensitive, the rest is not.
    return iequals(p->scheme, u->scheme) && p->has_authority == u->has_authority && p->userinfo == u->userinfo &&
           iequals(p->host_port, u->host_port) && path_matches(p->path, u->path);
}

bool peer_identity::matches(const certificate_info& info) const noexcept
{
    if (kind_ == kind::uri)
        return std::any_of(info.uris.begin(), info.uris.end(),
                           [&](const std::string& u) { return uri_matches(value_, u); });
    const std::string_view name = strip_trailing_dot(value_);
    if (name.find('*') != std::string_view::npos)
        return false;
    return std::any_of(info.dns_names.begin(), info.dns_names.end(),
                       [&](const std::string& d) { return dns_matches(d, name); });
}

bool peer_identity::valid() const noexcept
{
    if (kind_ == kind::dns) // RFC 1035 §2.3.4: at most 253 bytes written out; "." (the root) names no host
        return !strip_trailing_dot(value_).empty() && value_.size() <= 253 && printable_ascii(value_) &&
               value_.find('*') == std::string::npos;
    const auto p = split_uri(value_);
    return p && wildcards_well_placed(*p);
}

} // namespace mtls
