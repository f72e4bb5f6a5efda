#ifndef MTLS_VERIFY_HPP
#define MTLS_VERIFY_HPP

/// @file
/// Certificate vocabulary: how keys and certificates are encoded, and how a
/// peer's chain is verified (mode, depth, callback). <mtls/context.hpp>
/// includes this header.

#include <mtls/detail/config.hpp>

#include <mtls/certificate_info.hpp>
#include <mtls/error.hpp>

// What the overloads without error_code& throw, so callers can catch it.
#include <boost/system/system_error.hpp>

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <utility>

namespace mtls {

/// Verification modes, combinable with `|` like `asio::ssl::verify_mode`.
using verify_mode = int;
/// Do not verify the peer's certificate (a server asks for none).
inline constexpr verify_mode verify_none = 0x00;
/// Verify the peer's certificate; a server asks the client for one.
inline constexpr verify_mode verify_peer = 0x01;
/// Fail when the peer sends no certificate (a server asks the client for one).
/// Implies verify_peer: unlike OpenSSL, where it does nothing without
/// SSL_VERIFY_PEER, `verify_fail_if_no_peer_cert` alone acts as
/// `verify_peer | verify_fail_if_no_peer_cert`, so that a server meant to
/// require client certificates never accepts anonymous clients.
inline constexpr verify_mode verify_fail_if_no_peer_cert = 0x02;

/// Encoding of keys and certificates handed to a context.
enum class file_format { asn1, pem };

/// What the verify callback sees for one certificate of the peer's chain.
/// Called once per certificate, from the trust anchor down to the peer's own
/// certificate (depth 0), like OpenSSL's and Asio's verify callbacks.
class MTLS_API verify_context {
public:
    /// Made by mtls for each certificate it shows the callback.
    verify_context(int depth, std::span<const std::byte> der, std::string subject, error_code error) noexcept
        : depth_(depth), der_(der), subject_(std::move(subject)), error_(error)
    {}

    /// 0 for the peer's own certificate, counting up towards the anchor.
    int depth() const noexcept { return depth_; }
    /// The certificate in DER.
    std::span<const std::byte> certificate() const noexcept { return der_; }
    /// The subject distinguished name as text, e.g. "CN=client, O=example".
    const std::string& subject() const noexcept { return subject_; }
    /// Why this certificate failed built-in verification; empty when it passed.
    error_code error() const noexcept { return error_; }
    /// The certificate's issuer, serial, validity, names and fingerprint,
    /// parsed on each call (see parse_certificate_info; the throwing form
    /// throws boost::system::system_error).
    ///@{
    certificate_info info() const;
    certificate_info info(error_code& ec) const;
    ///@}

private:
    int depth_;
    std::span<const std::byte> der_;
    std::string subject_;
    error_code error_;
};

/// `preverified` tells whether built-in verification accepted the certificate;
/// the return value decides. Returning true for a failed certificate overrides
/// the failure, as in OpenSSL.
using verify_callback = std::function<bool(bool preverified, verify_context& ctx)>;

/// The most intermediate CA certificates mtls verifies between the peer's
/// certificate and a trust anchor, and the default verify depth. mbedTLS walks
/// at most 8 intermediates; a peer may send one certificate past the depth
/// (see context::set_verify_depth), which must still be walked to be refused.
inline constexpr int max_verify_depth = 7;

} // namespace mtls

#endif
