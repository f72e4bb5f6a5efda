#ifndef MTLS_CERTIFICATE_INFO_HPP
#define MTLS_CERTIFICATE_INFO_HPP

/// @file
/// `mtls::certificate_info`: what a certificate says about its owner, and
/// `mtls::peer_identity`: an identity a peer's certificate must carry
/// (README: "Peer identity").

#include <mtls/error.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mtls {

/// The most subject alternative names parse_certificate_info accepts in one
/// certificate, and the most bytes they may hold together: a certificate
/// with more is refused rather than copied without bound.
///@{
inline constexpr std::size_t max_certificate_names = 1024;
inline constexpr std::size_t max_certificate_name_bytes = 64 * 1024;
///@}

/// The fields of an X.509 certificate that identify its owner and issuer.
/// Names are the bytes the certificate carries, not checked for syntax.
struct certificate_info {
    /// Distinguished names as text, e.g. "CN=client, O=example".
    ///@{
    std::string subject;
    std::string issuer;
    ///@}
    /// The serial number in upper-case hex, as `openssl x509 -serial` prints
    /// it (without "serial="): the integer's bytes, without DER's leading zero
    /// byte, "-" in front of a negative one.
    std::string serial;
    /// Validity; a date the clock cannot represent (before 1678 or after
    /// 2262 with libstdc++'s nanoseconds, e.g. RFC 5280's 99991231235959Z
    /// for "no expiry") is its time_point::min() or max().
    ///@{
    std::chrono::system_clock::time_point not_before;
    std::chrono::system_clock::time_point not_after;
    ///@}
    /// Subject alternative names by kind (RFC 5280 §4.2.1.6), in certificate
    /// order: dNSName, iPAddress as text (IPv4 dotted, IPv6 in the RFC 5952
    /// form; other lengths are left out), uniformResourceIdentifier and
    /// rfc822Name.
    ///@{
    std::vector<std::string> dns_names;
    std::vector<std::string> ip_addresses;
    std::vector<std::string> uris;
    std::vector<std::string> email_addresses;
    ///@}
    /// SHA-256 of the certificate's DER.
    std::array<std::byte, 32> sha256_fingerprint{};
};

/// The fields of one DER certificate. On failure `ec` is error::bad_certificate
/// (it does not parse, or its names exceed max_certificate_names or
/// max_certificate_name_bytes) and the result is empty.
certificate_info parse_certificate_info(std::span<const std::byte> der, error_code& ec);

/// A fingerprint as `openssl x509 -fingerprint` prints it: upper-case hex
/// bytes separated by colons ("AB:01:...").
std::string fingerprint_text(std::span<const std::byte> fingerprint);

/// Whether `uri` matches `pattern`, following RFC 3986: the scheme and the
/// host compare case-insensitively (§3.1, §3.2.2, §6.2.2.1), the rest byte
/// for byte (no percent-decoding). A pattern path segment "*" matches
/// exactly one path segment that is not empty, ".", or "..", and never a
/// '/'; "*" is allowed nowhere else. A URI with a query or fragment, one
/// with bytes outside printable ASCII, or one with a different number of
/// segments (a trailing '/' makes one more) never matches. Example:
/// "spiffe://example.org/ns/*/sa/billing" matches
/// "spiffe://EXAMPLE.org/ns/prod/sa/billing" but neither
/// ".../ns/prod/eu/sa/billing" nor ".../ns//sa/billing" nor ".../SA/billing".
bool uri_matches(std::string_view pattern, std::string_view uri) noexcept;

/// An identity a peer's certificate must carry (context::set_required_peer_identities).
class peer_identity {
public:
    /// Which certificate field an identity is matched against.
    enum class kind {
        dns, ///< a dNSName subject alternative name
        uri, ///< a uniformResourceIdentifier subject alternative name
    };

    /// A dNSName SAN matching `name` as a host name is matched (RFC 6125: any
    /// case, a trailing dot ignored, a left-most "*" label in the certificate
    /// matching one label). The name itself holds no wildcard.
    static peer_identity dns(std::string name) { return {kind::dns, std::move(name)}; }
    /// A uniformResourceIdentifier SAN matching `pattern` (see uri_matches).
    static peer_identity uri(std::string pattern) { return {kind::uri, std::move(pattern)}; }

    /// What dns() or uri() made this identity from.
    ///@{
    kind type() const noexcept { return kind_; }
    const std::string& value() const noexcept { return value_; }
    ///@}
    /// Whether a certificate with these fields carries this identity.
    bool matches(const certificate_info& info) const noexcept;
    /// Whether this identity is well formed: a DNS name of 1 to 253 bytes
    /// without '*', or a URI pattern "scheme:..." of printable ASCII without
    /// query or fragment, with "*" only as whole path segments after an authority.
    bool valid() const noexcept;

private:
    peer_identity(kind k, std::string v) : kind_(k), value_(std::move(v)) {}
    kind kind_;
    std::string value_;
};

} // namespace mtls

#endif
