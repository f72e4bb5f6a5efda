// Host name and IP address matching of certificates (RFC 6125).

#include "pki_internal.hpp"

#include <mbedtls/oid.h>

#include <arpa/inet.h>

#include <algorithm>
#include <array>

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

} // namespace

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

    constexpr int dns_name_tag = MBEDTLS_ASN1_CONTEXT_SPECIFIC | 2;
    constexpr int ip_address_tag = MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7;
    const bool has_san = (crt.ext_types & MBEDTLS_X509_EXT_SUBJECT_ALT_NAME) != 0;
    const std::string_view dns_host = strip_trailing_dot(host);
    if (ip_len == 0 && dns_host.find('*') != std::string_view::npos)
        return false;

    if (has_san) {
        for (const mbedtls_x509_sequence* s = &crt.subject_alt_names; s != nullptr; s = s->next) {
            const std::string_view value(reinterpret_cast<const char*>(s->buf.p), s->buf.len);
            if (ip_len != 0) {
                if (s->buf.tag == ip_address_tag && s->buf.len == ip_len &&
                    std::equal(ip.begin(), ip.begin() + static_cast<std::ptrdiff_t>(ip_len), s->buf.p))
                    return true;
            } else if (s->buf.tag == dns_name_tag && dns_matches(value, dns_host)) {
                return true;
            }
        }
        return false;
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
