// The certificate description and identity matching of peer identity:
// parse_certificate_info (mbedTLS's parser, then the subjectAltName walk and
// its limits) and uri_matches. The first input byte picks which: even, the
// rest is a DER certificate; odd, the rest is a URI pattern and a URI
// separated by the first newline. Beyond "no crash": a parsed certificate
// keeps to the limits and its fingerprint is the SHA-256 of its bytes, and
// every well-formed name without '*' is an identity the certificate carries.

#include "fuzz_support.hpp"

#include "crypto/hash.hpp"

#include <mtls/certificate_info.hpp>

#include <algorithm>
#include <array>
#include <string>
#include <string_view>

using namespace mtls;

namespace {

void check_certificate(fuzz::bytes_view der)
{
    error_code ec;
    const auto info = parse_certificate_info(der, ec);
    if (ec)
        return;
    const std::size_t names =
        info.dns_names.size() + info.ip_addresses.size() + info.uris.size() + info.email_addresses.size();
    if (names > max_certificate_names)
        fuzz::oracle_failure("more names than max_certificate_names");
    std::array<std::byte, 32> expected{};
    crypto::digest(crypto::mbedtls_provider(), crypto::hash_alg::sha256, der, expected);
    if (expected != info.sha256_fingerprint)
        fuzz::oracle_failure("the fingerprint is not the SHA-256 of the certificate");
    if (fingerprint_text(info.sha256_fingerprint).size() != 32 * 3 - 1)
        fuzz::oracle_failure("fingerprint_text is not 32 hex pairs");
    for (const auto& d : info.dns_names) {
        const auto id = peer_identity::dns(d);
        if (d.find('*') == std::string::npos && id.valid() && !id.matches(info))
            fuzz::oracle_failure("a DNS name does not match its own certificate");
    }
    for (const auto& u : info.uris) {
        const auto id = peer_identity::uri(u);
        if (u.find('*') == std::string::npos && id.valid() && !id.matches(info))
            fuzz::oracle_failure("a URI does not match its own certificate");
    }
}

void check_pattern(std::string_view input)
{
    const auto newline = input.find('\n');
    const auto pattern = input.substr(0, newline);
    const auto uri = newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);
    const bool matched = uri_matches(pattern, uri);
    if (matched && uri.find_first_of("?#") != std::string_view::npos)
        fuzz::oracle_failure("a URI with a query or fragment matched");
    const bool literal = pattern.find('*') == std::string_view::npos;
    if (literal && peer_identity::uri(std::string(pattern)).valid() && !uri_matches(pattern, pattern))
        fuzz::oracle_failure("a valid pattern without '*' does not match itself");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    fuzz::cursor in(data, size);
    const bool certificate = in.u8() % 2 == 0;
    const fuzz::bytes body = in.rest(); // exact size: ASan flags any read past it
    if (certificate)
        check_certificate(body);
    else
        check_pattern({reinterpret_cast<const char*>(body.data()), body.size()});
    return 0;
}
