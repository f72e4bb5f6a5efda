// mtls::certificate_info: every field of certificates made by gen_certs.sh,
// compared with what `openssl x509` reports about them; the limits on names;
// and the URI patterns and DNS identities a peer may be required to carry.

#define BOOST_TEST_MODULE certificate_info
#include <boost/test/unit_test.hpp>

#include "support/certs.hpp"

#include <mtls/certificate_info.hpp>

#include <fstream>
#include <iterator>
#include <map>

using namespace mtls;
using namespace mtls::test;

namespace {

std::vector<std::byte> file_bytes(const std::string& name)
{
    std::ifstream f(cert_path(name), std::ios::binary);
    BOOST_TEST_REQUIRE(f.good(), "cannot read " << name);
    const std::vector<char> chars{std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
    const auto b = std::as_bytes(std::span(chars));
    return {b.begin(), b.end()};
}

/// The "key=value" lines gen_certs.sh saved from `openssl x509` for `name`.
std::map<std::string, std::string> openssl_says(const std::string& name)
{
    std::ifstream f(cert_path(name + ".openssl.txt"));
    BOOST_TEST_REQUIRE(f.good(), "cannot read the openssl output for " << name);
    std::map<std::string, std::string> out;
    for (std::string line; std::getline(f, line);)
        if (auto eq = line.find('='); eq != std::string::npos)
            out[line.substr(0, eq)] = line.substr(eq + 1);
    return out;
}

certificate_info parse(const std::string& der_file)
{
    error_code ec;
    auto info = parse_certificate_info(file_bytes(der_file), ec);
    BOOST_TEST_REQUIRE(!ec, der_file << ": " << ec.message());
    return info;
}

std::int64_t unix_seconds(std::chrono::system_clock::time_point t)
{
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

using names = std::vector<std::string>;

certificate_info with_uris(names uris)
{
    certificate_info info;
    info.uris = std::move(uris);
    return info;
}

} // namespace

BOOST_AUTO_TEST_SUITE(fields)

BOOST_AUTO_TEST_CASE(every_field_of_a_certificate_with_every_kind_of_name)
{
    const auto info = parse("client-identity.der");
    auto openssl = openssl_says("client-identity");
    BOOST_TEST(info.subject == "O=mtls test, CN=mtls identity client");
    BOOST_TEST(info.issuer == "CN=mtls test CA");
    BOOST_TEST(info.serial == openssl["serial"]); // DER's leading zero byte dropped
    BOOST_TEST(fingerprint_text(info.sha256_fingerprint) == openssl["sha256 Fingerprint"]);
    BOOST_TEST(unix_seconds(info.not_before) == std::stoll(openssl["startdate"]));
    BOOST_TEST(unix_seconds(info.not_after) == std::stoll(openssl["enddate"]));
    // In certificate order, each kind apart; the IPv6 address was written
    // as 2001:0db8:0:0::1 and comes back in the RFC 5952 form.
    BOOST_TEST(info.dns_names == (names{"identity.example.test", "*.identity.example.test"}),
               boost::test_tools::per_element());
    BOOST_TEST(info.ip_addresses == (names{"192.0.2.7", "2001:db8::1"}), boost::test_tools::per_element());
    BOOST_TEST(info.email_addresses == (names{"billing@example.test"}), boost::test_tools::per_element());
    BOOST_TEST(info.uris == (names{"spiffe://example.org/ns/prod/sa/billing", "https://example.test/a"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_negative_serial_as_openssl_prints_it)
{
    BOOST_TEST(parse("client-negative-serial.der").serial == openssl_says("client-negative-serial")["serial"]);
}

BOOST_AUTO_TEST_CASE(dates_beyond_the_clock_saturate)
{
    // notBefore 1600-01-01, notAfter 9999-12-31 23:59:59.
    const auto info = parse("client-forever.der");
    using clock = std::chrono::system_clock;
    const auto earliest = std::chrono::time_point_cast<std::chrono::seconds>(clock::time_point::min());
    const auto latest = std::chrono::time_point_cast<std::chrono::seconds>(clock::time_point::max());
    BOOST_TEST(unix_seconds(info.not_before) == unix_seconds(earliest));
    BOOST_TEST(unix_seconds(info.not_after) == unix_seconds(latest));
}

BOOST_AUTO_TEST_CASE(a_certificate_without_alternative_names)
{
    const auto info = parse("ca.der");
    BOOST_TEST(info.subject == "CN=mtls test CA");
    BOOST_TEST(info.issuer == info.subject);
    BOOST_TEST(info.dns_names.empty());
    BOOST_TEST(info.ip_addresses.empty());
    BOOST_TEST(info.uris.empty());
    BOOST_TEST(info.email_addresses.empty());
    BOOST_TEST(unix_seconds(info.not_before) < unix_seconds(info.not_after));
}

BOOST_AUTO_TEST_CASE(what_does_not_parse_is_a_bad_certificate)
{
    const auto der = file_bytes("client-identity.der");
    auto refused = [](std::span<const std::byte> b) {
        error_code ec;
        auto info = parse_certificate_info(b, ec);
        return ec == make_error_code(error::bad_certificate) && info.subject.empty() && info.uris.empty();
    };
    BOOST_TEST(refused({}));
    BOOST_TEST(refused(std::span(der).first(der.size() - 1)));
    auto longer = der;
    longer.push_back(std::byte{0});
    BOOST_TEST(refused(longer)); // one certificate, exactly
    auto garbage = der;
    garbage[0] = std::byte{0x31};
    BOOST_TEST(refused(garbage));
}

BOOST_AUTO_TEST_CASE(names_are_bounded)
{
    BOOST_TEST(parse("names-1024.der").dns_names.size() == max_certificate_names);
    for (const char* over : {"names-1025.der", "names-64k.der"}) {
        BOOST_TEST_CONTEXT(over)
        {
            error_code ec;
            auto info = parse_certificate_info(file_bytes(over), ec);
            BOOST_TEST(ec == make_error_code(error::bad_certificate));
            BOOST_TEST(info.dns_names.empty());
            BOOST_TEST(info.uris.empty());
        }
    }
}

BOOST_AUTO_TEST_CASE(fingerprint_text_form)
{
    const std::array<std::byte, 3> b{std::byte{0x0a}, std::byte{0xff}, std::byte{0x00}};
    BOOST_TEST(fingerprint_text(b) == "0A:FF:00");
    BOOST_TEST(fingerprint_text({}) == "");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(uri_patterns)

const std::string spiffe = "spiffe://example.org/ns/*/sa/billing";

BOOST_AUTO_TEST_CASE(a_wildcard_is_exactly_one_segment)
{
    BOOST_TEST(uri_matches(spiffe, "spiffe://example.org/ns/prod/sa/billing"));
    BOOST_TEST(uri_matches(spiffe, "spiffe://example.org/ns/*/sa/billing"));
    BOOST_TEST(!uri_matches(spiffe, "spiffe://example.org/ns/prod/eu/sa/billing")); // not across '/'
    BOOST_TEST(!uri_matches(spiffe, "spiffe://example.org/ns/sa/billing"));
    BOOST_TEST(!uri_matches(spiffe, "spiffe://example.org/ns//sa/billing")); // empty segment
    BOOST_TEST(!uri_matches(spiffe, "spiffe://example.org/ns/../sa/billing"));
    BOOST_TEST(!uri_matches(spiffe, "spiffe://example.org/ns/./sa/billing"));
    BOOST_TEST(!uri_matches(spiffe, "spiffe://example.org/ns/prod/sa/web"));
    BOOST_TEST(uri_matches("spiffe://example.org/*", "spiffe://example.org/a"));
    BOOST_TEST(!uri_matches("spiffe://example.org/*", "spiffe://example.org/"));
    BOOST_TEST(!uri_matches("spiffe://example.org/*", "spiffe://example.org"));
    BOOST_TEST(!uri_matches("spiffe://example.org/*", "spiffe://example.org/a/b"));
    BOOST_TEST(uri_matches("spiffe://example.org/*/*", "spiffe://example.org/a/b"));
}

BOOST_AUTO_TEST_CASE(scheme_and_host_ignore_case_the_path_does_not)
{
    BOOST_TEST(uri_matches(spiffe, "SPIFFE://Example.ORG/ns/prod/sa/billing"));
    BOOST_TEST(!uri_matches(spiffe, "spiffe://example.org/NS/prod/sa/billing"));
    BOOST_TEST(!uri_matches(spiffe, "spiffe://example.org/ns/prod/sa/Billing"));
    BOOST_TEST(!uri_matches(spiffe, "https://example.org/ns/prod/sa/billing"));
    BOOST_TEST(!uri_matches(spiffe, "spiffe://example.com/ns/prod/sa/billing"));
    BOOST_TEST(!uri_matches(spiffe, "spiffe://example.org:8443/ns/prod/sa/billing"));
    // userinfo is not part of the host: compared exactly.
    BOOST_TEST(uri_matches("https://Ann@example.org/x", "https://Ann@EXAMPLE.org/x"));
    BOOST_TEST(!uri_matches("https://Ann@example.org/x", "https://ann@example.org/x"));
    BOOST_TEST(!uri_matches("https://example.org/x", "https://ann@example.org/x"));
    // No percent-decoding.
    BOOST_TEST(!uri_matches(spiffe, "spiffe://example.org/ns/prod/sa/%62illing"));
}

BOOST_AUTO_TEST_CASE(trailing_slash_query_and_fragment)
{
    BOOST_TEST(!uri_matches(spiffe, "spiffe://example.org/ns/prod/sa/billing/"));
    BOOST_TEST(!uri_matches(spiffe + "/", "spiffe://example.org/ns/prod/sa/billing"));
    BOOST_TEST(uri_matches(spiffe + "/", "spiffe://example.org/ns/prod/sa/billing/"));
    BOOST_TEST(!uri_matches(spiffe, "spiffe://example.org/ns/prod/sa/billing?x=1"));
    BOOST_TEST(!uri_matches(spiffe, "spiffe://example.org/ns/prod/sa/billing#f"));
    BOOST_TEST(!uri_matches(spiffe, "spiffe://example.org/ns/pr?d/sa/billing"));
    BOOST_TEST(!uri_matches("https://e.test/a?b", "https://e.test/a?b"));
}

BOOST_AUTO_TEST_CASE(malformed_uris_and_patterns_match_nothing)
{
    BOOST_TEST(!uri_matches(spiffe, ""));
    BOOST_TEST(!uri_matches(spiffe, "spiffe://example.org/ns/prod/sa/billing\n"));
    BOOST_TEST(!uri_matches(spiffe, std::string("spiffe://example.org/ns/prod\0/sa/billing", 40)));
    BOOST_TEST(!uri_matches(spiffe, "spiffe://example.org/ns/pr od/sa/billing"));
    BOOST_TEST(!uri_matches("", ""));
    BOOST_TEST(!uri_matches(":x", ":x"));
    BOOST_TEST(!uri_matches("1a:x", "1a:x"));
    BOOST_TEST(uri_matches("urn:example:billing", "URN:example:billing"));
    BOOST_TEST(!uri_matches("urn:example:billing", "urn:example:Billing"));
    // '*' only as a whole segment after an authority.
    BOOST_TEST(!uri_matches("spiffe://example.org/ns/p*/sa/billing", "spiffe://example.org/ns/p*/sa/billing"));
    BOOST_TEST(!uri_matches("spiffe://*.org/ns", "spiffe://example.org/ns"));
    BOOST_TEST(!uri_matches("spiffe://*/ns", "spiffe://*/ns"));
    BOOST_TEST(!uri_matches("urn:*", "urn:x"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(identities)

BOOST_AUTO_TEST_CASE(uri_identity_against_certificate_uris)
{
    const auto id = peer_identity::uri("spiffe://example.org/ns/*/sa/billing");
    BOOST_TEST(id.matches(with_uris({"https://a.test/", "spiffe://example.org/ns/dev/sa/billing"})));
    BOOST_TEST(!id.matches(with_uris({"spiffe://example.org/ns/dev/sa/web"})));
    BOOST_TEST(!id.matches(with_uris({})));
    certificate_info dns_only;
    dns_only.dns_names = {"spiffe://example.org/ns/dev/sa/billing"}; // the kind counts
    BOOST_TEST(!id.matches(dns_only));
}

BOOST_AUTO_TEST_CASE(dns_identity_against_certificate_dns_names)
{
    const auto info = parse("client-identity.der");
    BOOST_TEST(peer_identity::dns("identity.example.test").matches(info));
    BOOST_TEST(peer_identity::dns("IDENTITY.example.test.").matches(info));
    BOOST_TEST(peer_identity::dns("svc.identity.example.test").matches(info)); // the certificate's wildcard
    BOOST_TEST(!peer_identity::dns("a.svc.identity.example.test").matches(info));
    BOOST_TEST(!peer_identity::dns("*.identity.example.test").matches(info));
    BOOST_TEST(!peer_identity::dns("192.0.2.7").matches(info)); // an iPAddress is not a DNS name
    BOOST_TEST(!peer_identity::dns("billing@example.test").matches(info));
    certificate_info uri_only = with_uris({"identity.example.test"});
    BOOST_TEST(!peer_identity::dns("identity.example.test").matches(uri_only));
}

BOOST_AUTO_TEST_CASE(validity)
{
    BOOST_TEST(peer_identity::uri("spiffe://example.org/ns/*/sa/billing").valid());
    BOOST_TEST(peer_identity::uri("urn:example:billing").valid());
    BOOST_TEST(!peer_identity::uri("spiffe://example.org/ns/p*").valid());
    BOOST_TEST(!peer_identity::uri("spiffe://example.org/ns?x").valid());
    BOOST_TEST(!peer_identity::uri("no scheme").valid());
    BOOST_TEST(!peer_identity::uri("").valid());
    BOOST_TEST(peer_identity::dns("billing.example.org").valid());
    BOOST_TEST(!peer_identity::dns("").valid());
    BOOST_TEST(!peer_identity::dns(".").valid()); // the root: fuzz_certificate found it matching nothing
    BOOST_TEST(!peer_identity::dns("*.example.org").valid());
    BOOST_TEST(!peer_identity::dns(std::string(254, 'a')).valid());
}

BOOST_AUTO_TEST_SUITE_END()
