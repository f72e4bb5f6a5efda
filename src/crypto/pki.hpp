#ifndef MTLS_SRC_CRYPTO_PKI_HPP
#define MTLS_SRC_CRYPTO_PKI_HPP

// Private keys, certificates, signatures and chain verification.

#include "provider.hpp"

#include <mtls/certificate_info.hpp>
#include <mtls/error.hpp>
#include <mtls/types.hpp>
#include <mtls/verify.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mtls::crypto {

/// Whether a key of type `k` can produce or check signatures of `s`. For TLS
/// 1.3 ECDSA schemes name the curve (§4.2.3); in TLS 1.2 they name only the
/// hash, so `tls12` relaxes the curve match.
bool key_matches_scheme(key_type k, signature_scheme s, bool tls12) noexcept;

class certificate;
class crl_list;

/// A private key loaded from PEM (optionally encrypted) or DER.
class private_key {
public:
    /// `password` (empty: none) is used only for an encrypted key. On failure
    /// `ec` names the mistake (error::key_password_wrong, not_pem, ...) and
    /// the result is empty. Parsing is the same for every provider; `p`
    /// then holds the key and makes its signatures (bad_private_key when it
    /// cannot use it).
    static private_key parse(const provider& p, bytes_view data, file_format fmt, std::string_view password,
                             error_code& ec);

    private_key();
    private_key(private_key&&) noexcept;
    private_key& operator=(private_key&&) noexcept;
    ~private_key();

    explicit operator bool() const noexcept { return st_ != nullptr; }
    key_type type() const noexcept;
    /// Signs `message` (hashed here with the scheme's hash) with randomness
    /// from the CSPRNG (ECDSA, PSS). Empty on failure.
    std::vector<std::byte> sign(signature_scheme s, bytes_view message) const;
    /// The certificate carries this key's public half.
    bool matches(const certificate& c) const;

private:
    struct state;
    std::unique_ptr<state> st_;
};

/// One parsed X.509 certificate.
class certificate {
public:
    /// Every certificate in a PEM bundle, or the one DER certificate. Empty
    /// result with `ec` set when nothing parses: error::not_pem for PEM
    /// without a PEM block, error::pem_loaded_as_der for PEM given as DER,
    /// else error::bad_certificate.
    static std::vector<certificate> parse_all(bytes_view data, file_format fmt, error_code& ec);
    /// One DER certificate; `ec` = error::bad_certificate when it does not parse.
    static certificate parse_der(bytes_view der, error_code& ec);

    certificate();
    certificate(certificate&&) noexcept;
    certificate& operator=(certificate&&) noexcept;
    certificate(const certificate&);
    certificate& operator=(const certificate&);
    ~certificate();

    explicit operator bool() const noexcept { return st_ != nullptr; }
    bytes_view der() const noexcept;
    /// Subject DN as text, e.g. "CN=client, O=mtls test".
    std::string subject() const;
    /// Subject DN as DER, for certificate_authorities / CertificateRequest.
    bytes_view subject_der() const noexcept;
    /// Issuer DN as DER, to match against certificate_authorities.
    bytes_view issuer_der() const noexcept;
    key_type public_key_type() const noexcept;
    /// Checks `signature` of `message` (hashed here) under the certificate's
    /// key, with `p`'s arithmetic.
    bool verify_signature(const provider& p, signature_scheme s, bytes_view message, bytes_view signature) const;
    /// The DER SubjectPublicKeyInfo.
    bytes_view public_key_der() const noexcept;
    /// RFC 6125: DNS-ID match with one left-most wildcard label ("*" alone,
    /// two or more labels after it; partial wildcards match nothing), or an
    /// IPv4/IPv6 literal (IPv6 optionally in brackets) against iPAddress SANs
    /// of the same length. CN is consulted only without any SAN.
    bool matches_host(std::string_view host) const;
    /// The certificate's fields into `info`; error::bad_certificate when its
    /// names exceed max_certificate_names or max_certificate_name_bytes.
    error_code describe(certificate_info& info) const;

private:
    struct state;
    std::unique_ptr<state> st_;
};

/// Trust anchors.
class trust_store {
public:
    trust_store();
    trust_store(trust_store&&) noexcept;
    trust_store& operator=(trust_store&&) noexcept;
    ~trust_store();

    /// A store holding the same anchors: setters change a copy, so a
    /// handshake's snapshot never changes under it.
    trust_store clone() const;
    void add(const certificate& c);
    error_code add_file(const std::string& path);
    error_code add_directory(const std::string& dir);
    bool empty() const noexcept;
    /// Subject DNs (DER) of the anchors, in the order added.
    std::vector<bytes_view> subjects() const;

private:
    friend error_code verify_chain(const provider&, const std::vector<certificate>&, const trust_store&, role,
                                   std::string_view, const verify_callback&, int, const crl_list*);
    struct state;
    std::unique_ptr<state> st_;
};

/// Certificate revocation lists (RFC 5280 §5). Built once, then only read:
/// verification needs no lock, so one list may serve many threads.
class crl_list {
public:
    crl_list();
    crl_list(const crl_list& other); // re-parses other's CRLs
    crl_list& operator=(const crl_list&) = delete;
    ~crl_list();

    /// Every CRL of a PEM bundle, or one DER CRL. All or nothing: when any
    /// block fails to parse, nothing is added and `ec` is error::bad_crl.
    error_code add(bytes_view data, file_format fmt);
    /// A file in PEM (several CRLs allowed) or DER.
    error_code add_file(const std::string& path);
    /// Every regular file of `dir`, which must each hold CRLs: a truncated
    /// file must not silently drop revocations. All or nothing, as add().
    error_code add_directory(const std::string& dir);
    /// Copies of every CRL of `other`.
    void append(const crl_list& other);
    std::size_t size() const noexcept;
    /// Whether verifying `chain` (DER, as a session keeps it) again could fail
    /// on these CRLs: a CRL naming a certificate's issuer lists it or is out
    /// of its validity, or a certificate does not parse. No signature is
    /// checked: this only decides whether a session may still be resumed.
    bool may_refuse(const std::vector<std::vector<std::byte>>& chain) const;

private:
    friend error_code verify_chain(const provider&, const std::vector<certificate>&, const trust_store&, role,
                                   std::string_view, const verify_callback&, int, const crl_list*);
    struct state;
    std::unique_ptr<state> st_;
};

/// Verifies a peer chain (its certificate first) against `anchors` at the
/// current time, with `p` checking the certificate and CRL signatures.
/// `peer_role` is the role of the certificate's owner, which selects the
/// extended key usage required (serverAuth or clientAuth) and
/// digitalSignature in keyUsage when present. A non-empty `host` is matched
/// with certificate::matches_host. `cb`, when set, is called per certificate
/// and may override the outcome. A path with more than `max_depth`
/// intermediates between the peer's certificate and the anchor fails with
/// certificate_chain_too_long (`max_depth` is clamped to 0..max_verify_depth).
/// Errors: certificate_untrusted, certificate_expired,
/// certificate_not_yet_valid, certificate_bad_purpose,
/// certificate_host_mismatch, certificate_chain_too_long,
/// certificate_rejected, bad_certificate.
///
/// With `crls` (null or empty: no revocation checking), each certificate of
/// the path is also checked against the CRLs its issuer signed, anchors
/// issuing to the peer's top certificate included: certificate_revoked when
/// listed. Fail closed: when the issuer's CRL is past its nextUpdate, not yet
/// valid, or its signature does not verify under the issuer's key (or the
/// issuer lacks cRLSign), the certificate fails with crl_expired,
/// crl_not_yet_valid or crl_untrusted, as OpenSSL's CRL checking does. A
/// certificate whose issuer has no CRL in `crls` is not checked.
error_code verify_chain(const provider& p, const std::vector<certificate>& chain, const trust_store& anchors,
                        role peer_role, std::string_view host, const verify_callback& cb,
                        int max_depth = max_verify_depth, const crl_list* crls = nullptr);

/// Signatures made and checked and chains verified by this thread so far:
/// tests count them to show that a resumed handshake does none.
std::uint64_t public_key_operations() noexcept;

/// Certificate and CRL signatures that verify_chain had a provider other
/// than mbedTLS check, on this thread so far: tests count them to show that
/// mbedTLS's arithmetic is not used.
std::uint64_t provider_signature_checks() noexcept;

} // namespace mtls::crypto

#endif
