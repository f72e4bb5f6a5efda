// What a certificate says about its owner: mtls::certificate_info.

#include "pki_internal.hpp"

#include "hash.hpp"

#include <mtls/certificate_info.hpp>

#include <arpa/inet.h>

#include <algorithm>

#include <boost/system/system_error.hpp>

namespace mtls {
namespace crypto::detail {
namespace {

constexpr char hex_digits[] = "0123456789ABCDEF";

void append_hex(std::string& out, std::byte b)
{
    const auto v = std::to_integer<unsigned>(b);
    out += hex_digits[v >> 4];
    out += hex_digits[v & 0xF];
}

// RFC 5280 §4.1.2.2 asks for a positive serial, but negative ones exist:
// OpenSSL prints those as "-" and the magnitude (the two's complement).
std::string serial_text(bytes_view serial)
{
    std::vector<std::byte> magnitude(serial.begin(), serial.end());
    std::string out;
    if (!magnitude.empty() && (std::to_integer<unsigned>(magnitude.front()) & 0x80) != 0) {
        out = "-";
        bool carry = true;
        for (auto it = magnitude.rbegin(); it != magnitude.rend(); ++it) {
            unsigned v = (~std::to_integer<unsigned>(*it) & 0xFF) + (carry ? 1 : 0);
            carry = v > 0xFF;
            *it = std::byte(static_cast<std::uint8_t>(v));
        }
    }
    auto first = magnitude.begin();
    while (magnitude.end() - first > 1 && *first == std::byte{0})
        ++first; // DER's sign byte
    std::for_each(first, magnitude.end(), [&](std::byte b) { append_hex(out, b); });
    return out;
}

// The clock counts nanoseconds (years 1678 to 2262), certificates years 0 to
// 9999: RFC 5280 §4.1.2.5 even asks for 99991231235959Z as "no expiry".
// Dates outside the clock's range saturate at its ends.
std::chrono::system_clock::time_point time_point_of(const mbedtls_x509_time& t)
{
    using namespace std::chrono;
    const year_month_day date{year{t.year}, month{static_cast<unsigned>(t.mon)}, day{static_cast<unsigned>(t.day)}};
    const sys_seconds when = sys_days{date} + hours{t.hour} + minutes{t.min} + seconds{t.sec};
    // Truncated towards zero, so both ends convert back exactly.
    const auto earliest = time_point_cast<seconds>(system_clock::time_point::min());
    const auto latest = time_point_cast<seconds>(system_clock::time_point::max());
    return time_point_cast<system_clock::duration>(std::clamp(when, earliest, latest));
}

// Text of a 4- or 16-byte iPAddress; empty for other lengths (a leaf's SAN
// holds one address, RFC 5280 §4.2.1.6; 8 and 32 bytes are name constraints).
std::string ip_text(bytes_view ip)
{
    std::array<char, INET6_ADDRSTRLEN> text{};
    const int family = ip.size() == 4 ? AF_INET : ip.size() == 16 ? AF_INET6 : 0;
    if (family == 0 || inet_ntop(family, ip.data(), text.data(), text.size()) == nullptr)
        return {};
    return text.data();
}

} // namespace

error_code describe(const mbedtls_x509_crt& crt, certificate_info& info)
{
    info = {};
    std::size_t count = 0;
    std::size_t total = 0;
    const bool within_limits = for_each_san(crt, [&](san_kind kind, bytes_view value) {
        if (++count > max_certificate_names || (total += value.size()) > max_certificate_name_bytes)
            return false;
        const std::string text(reinterpret_cast<const char*>(value.data()), value.size());
        switch (kind) {
        case san_kind::rfc822_name: info.email_addresses.push_back(text); break;
        case san_kind::dns_name: info.dns_names.push_back(text); break;
        case san_kind::uri: info.uris.push_back(text); break;
        case san_kind::ip_address:
            if (auto ip = ip_text(value); !ip.empty())
                info.ip_addresses.push_back(std::move(ip));
            break;
        }
        return true;
    });
    if (!within_limits) {
        info = {};
        return error::bad_certificate;
    }
    info.subject = dn_text(crt.subject);
    info.issuer = dn_text(crt.issuer);
    info.serial = serial_text(view(crt.serial));
    info.not_before = time_point_of(crt.valid_from);
    info.not_after = time_point_of(crt.valid_to);
    digest(mbedtls_provider(), hash_alg::sha256, view(crt.raw), info.sha256_fingerprint);
    return {};
}

} // namespace crypto::detail

certificate_info parse_certificate_info(std::span<const std::byte> der, error_code& ec)
{
    certificate_info info;
    const auto c = crypto::certificate::parse_der(der, ec);
    if (!ec)
        ec = c.describe(info);
    return info;
}

std::string fingerprint_text(std::span<const std::byte> fingerprint)
{
    std::string out;
    for (std::byte b : fingerprint) {
        if (!out.empty())
            out += ':';
        crypto::detail::append_hex(out, b);
    }
    return out;
}

certificate_info verify_context::info(error_code& ec) const
{
    return parse_certificate_info(der_, ec);
}

certificate_info verify_context::info() const
{
    error_code ec;
    auto i = info(ec);
    if (ec)
        throw boost::system::system_error(ec, "mtls::verify_context::info");
    return i;
}

} // namespace mtls
