#ifndef MTLS_CONTEXT_HPP
#define MTLS_CONTEXT_HPP

/// @file
/// `mtls::context`: credentials, trust anchors and policy shared by streams.

#include <mtls/detail/config.hpp>

#include <mtls/certificate_info.hpp>
#include <mtls/error.hpp>
#include <mtls/session.hpp>
#include <mtls/types.hpp>
#include <mtls/verify.hpp>

#include <boost/asio/buffer.hpp>
// What the overloads without error_code& throw, so callers can catch it.
#include <boost/system/system_error.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace mtls {

/// Password for an encrypted private key; the argument is the maximum length.
using password_callback = std::function<std::string(std::size_t max_length)>;

namespace detail {
struct context_impl;

/// What `boost::asio::buffer` returns (`const_buffer`, `mutable_buffer`,
/// `const_buffers_1`). A template parameter, so that a braced list such as
/// `{}` still goes to the `std::span` overloads.
template <class Buffer>
concept asio_buffer = std::is_convertible_v<const Buffer&, boost::asio::const_buffer>;

inline std::span<const std::byte> buffer_bytes(const boost::asio::const_buffer& b) noexcept
{
    return {static_cast<const std::byte*>(b.data()), b.size()};
}
} // namespace detail

class context;

/// What a server's CertificateRequest asked for, shown to a client's
/// certificate selection callback. The spans are valid during the call only.
struct certificate_request_info {
    /// DER distinguished names of the CAs the server accepts (RFC 8446
    /// §4.2.4, RFC 5246 §7.4.4); empty: the server named none.
    std::vector<std::span<const std::byte>> authorities;
    /// The signature schemes the server accepts in CertificateVerify.
    std::vector<signature_scheme> signature_schemes;
    /// The chains configured on the context, in order: each as DER, its own
    /// certificate first.
    std::vector<std::vector<std::span<const std::byte>>> chains;
};

/// Client: picks the index into `chains` to authenticate with, or nullopt to
/// send no certificate. A chain whose key cannot sign any of the server's
/// signature schemes is not sent.
using client_certificate_callback = std::function<std::optional<std::size_t>(const certificate_request_info&)>;

/// Server: the context whose certificates, trust anchors and verify settings
/// serve a client that asked for `server_name`; nullopt leaves the choice to
/// the table (`add_server_name`), then the default.
using server_name_callback = std::function<std::optional<context>(std::string_view server_name)>;

/// Server: the ALPN protocol to use among those the client offered (RFC 7301
/// §3.2). Return one of `offered`; an empty string to go on without ALPN;
/// nullopt (or a name not offered) to refuse with no_application_protocol.
using alpn_select_callback = std::function<std::optional<std::string>(const std::vector<std::string>& offered)>;

/// Whose order decides the cipher suite a server picks among those both ends
/// allow (context::set_cipher_preference). A client always offers its
/// set_cipher_suites order; this setting matters only to a server.
enum class cipher_preference : std::uint8_t {
    /// The server's set_cipher_suites order (the default, and what mtls has
    /// always done): OpenSSL's SSL_OP_CIPHER_SERVER_PREFERENCE, rustls's
    /// `ignore_client_order = true`. By default AES-128-GCM, then AES-256-GCM,
    /// then ChaCha20-Poly1305.
    server,
    /// The client's order: OpenSSL's and rustls's default.
    client,
    /// The server's order with the suites whose AEAD costs the context's
    /// crypto provider the least CPU per byte moved first, ties kept in the
    /// server's order. With mbedTLS 2.28 that is ChaCha20-Poly1305, then
    /// AES-128-GCM, then AES-256-GCM, whether or not AES-NI is present; with
    /// OpenSSL 3 it is AES-128-GCM, then AES-256-GCM, then ChaCha20-Poly1305
    /// (README, "Cipher suites"; measured by bench/aead_bench.cpp). The
    /// order is a fixed table, not a timing taken at start-up, so every
    /// server of a fleet picks the same suite for the same hello. Unlike
    /// SSL_OP_PRIORITIZE_CHACHA it follows the server's cost, not the
    /// client's first choice.
    fastest,
};

/// Credentials, trust anchors and policy for TLS streams and engines.
///
/// Mirrors `boost::asio::ssl::context` (docs/migrating-from-asio-ssl.md maps
/// each of its members). Configure it first, then create streams
/// from it; a context is cheap to copy (copies share one configuration) and may
/// be used by many streams on many threads at once.
///
/// Credentials may be replaced while streams run (README: "Credential
/// rotation"): own certificates and keys, trust anchors, verify mode, callback
/// and depth, CRLs, server names, and the client certificate callback. Each
/// handshake works with the credentials current when it starts; a running
/// connection is never affected. Other settings are meant to be made before
/// the context is used.
///
/// Defaults are secure: TLS 1.2 and 1.3 (the highest both ends speak wins),
/// AEAD suites with ECDHE only, extended master secret required in TLS 1.2,
/// and `verify_peer` for clients. A server verifies
/// client certificates only when asked (`verify_peer`), and requires them with
/// `verify_peer | verify_fail_if_no_peer_cert` (or `verify_fail_if_no_peer_cert`
/// alone, which implies `verify_peer`, unlike OpenSSL).
/// Member functions that load material throw `boost::system::system_error` on
/// failure; the `error_code&` overloads report it instead. The errors name
/// the mistake: error::key_mismatch, error::bad_local_certificate,
/// error::not_pem, error::pem_loaded_as_der, an errno for a file that cannot
/// be read, ...; the throwing overloads that read files put the path in
/// what(), e.g. "mtls::context::use_private_key_file: /etc/tls/key.pem: ...".
///
/// A chain without its key, or a key without its chain, fails every
/// handshake before its first message (error::certificate_without_key,
/// error::key_without_certificate), and a server without any certificate
/// fails with error::no_certificate: neither end goes on without the
/// certificate it was given.
class MTLS_API context {
public:
    /// `boost::asio::ssl::context::file_format`, so that `context::pem`
    /// and `context::asn1` read as they do with Asio.
    using file_format = mtls::file_format;
    /// DER (`asio::ssl::context::asn1`).
    static constexpr file_format asn1 = file_format::asn1;
    /// PEM (`asio::ssl::context::pem`).
    static constexpr file_format pem = file_format::pem;
    /// Why a password is asked for, as `asio::ssl::context::password_purpose`;
    /// mtls only reads keys, so callbacks always get for_reading.
    enum password_purpose {
        for_reading, ///< to read (decrypt) a key
        for_writing, ///< to write (encrypt) one; mtls never asks for this
    };

    /// A context with the secure defaults above and no credentials, whose
    /// crypto provider is named by the environment variable
    /// MTLS_CRYPTO_PROVIDER ("mbedtls" or "openssl"), or mbedTLS when it is
    /// unset or empty, so a deployment or a test run can switch providers
    /// without code changes. Throws system_error with
    /// error::crypto_provider_unavailable when the variable names a provider
    /// this build lacks or no provider at all: a typo never falls back.
    context();
    /// A context doing its cryptography with provider `p`; throws
    /// system_error with error::crypto_provider_unavailable when this build
    /// lacks it (see mtls::available). Suites, groups and signature schemes
    /// that `p` does not implement are not offered, and setters drop them.
    explicit context(crypto_provider p);
    /// The provider this context's handshakes and keys use.
    crypto_provider provider() const noexcept;

    /// This end's certificate chain, leaf first (PEM: several certificates
    /// in one buffer; DER: one), from memory or a file. A chain and a key
    /// load in either order; the second must match the first, else
    /// error::key_mismatch and nothing changes. A chain for another key than
    /// a complete chain and key had drops that key, as OpenSSL does, so the
    /// two can be replaced one after the other (use_certified_key does it in
    /// one step).
    ///@{
    void use_certificate_chain(std::span<const std::byte> data, file_format fmt = file_format::pem);
    void use_certificate_chain(std::span<const std::byte> data, file_format fmt, error_code& ec);
    void use_certificate_chain_file(const std::string& path);
    void use_certificate_chain_file(const std::string& path, error_code& ec);
    ///@}
    /// This end's private key (RSA or EC; PEM or DER), from memory or a file.
    /// Encrypted keys ask the password callback.
    ///@{
    void use_private_key(std::span<const std::byte> data, file_format fmt = file_format::pem);
    void use_private_key(std::span<const std::byte> data, file_format fmt, error_code& ec);
    void use_private_key_file(const std::string& path, file_format fmt = file_format::pem);
    void use_private_key_file(const std::string& path, file_format fmt, error_code& ec);
    ///@}
    /// Replaces every chain and key of this context with `chain` and `key` in
    /// one step, so no handshake sees a new chain with an old key: the call
    /// for rotating short-lived certificates. `key` must match the chain.
    ///@{
    void use_certified_key(std::span<const std::byte> chain, std::span<const std::byte> key,
                           file_format fmt = file_format::pem);
    void use_certified_key(std::span<const std::byte> chain, std::span<const std::byte> key, file_format fmt,
                           error_code& ec);
    void use_certified_key_file(const std::string& chain_path, const std::string& key_path);
    void use_certified_key_file(const std::string& chain_path, const std::string& key_path, error_code& ec);
    ///@}
    /// Another chain and key besides the first. A server uses the first
    /// whose key signs with a scheme the client accepts (and, in TLS 1.2,
    /// fits a suite both offer), e.g. ECDSA first and RSA for older clients.
    /// A client answering a CertificateRequest takes the first chain
    /// with a certificate issued by (or being) one of the server's
    /// certificate_authorities, and a key fitting the server's signature
    /// schemes; with several chains and none matching, it sends none (RFC 8446
    /// §4.4.2.3, RFC 5246 §7.4.6). A client with a single chain sends it
    /// whatever the hints say, as OpenSSL does.
    ///@{
    void add_certified_key(std::span<const std::byte> chain, std::span<const std::byte> key,
                           file_format fmt = file_format::pem);
    void add_certified_key(std::span<const std::byte> chain, std::span<const std::byte> key, file_format fmt,
                           error_code& ec);
    void add_certified_key_file(const std::string& chain_path, const std::string& key_path);
    void add_certified_key_file(const std::string& chain_path, const std::string& key_path, error_code& ec);
    ///@}
    /// Client: decides which chain answers a CertificateRequest instead of
    /// the rule above.
    void set_client_certificate_callback(client_certificate_callback cb);
    /// Supplies the password for encrypted keys loaded after this call (PKCS#8
    /// with PBES2 or PKCS#12 PBE, PEM or DER, and traditional encrypted PEM);
    /// called only for a key that is encrypted. Without it such a key fails
    /// with error::key_password_missing, with a wrong one key_password_wrong.
    void set_password_callback(password_callback cb);

    /// Trust anchors for verifying peers: every certificate in `data` (PEM)
    /// or the one certificate (DER), or every certificate in a PEM file.
    ///@{
    void add_certificate_authority(std::span<const std::byte> data, file_format fmt = file_format::pem);
    void add_certificate_authority(std::span<const std::byte> data, file_format fmt, error_code& ec);
    void load_verify_file(const std::string& path);
    void load_verify_file(const std::string& path, error_code& ec);
    ///@}
    /// Every certificate file in a directory (as mbedTLS reads them).
    ///@{
    void add_verify_path(const std::string& dir);
    void add_verify_path(const std::string& dir, error_code& ec);
    ///@}
    /// The system's trust store: Debian's bundle
    /// /etc/ssl/certs/ca-certificates.crt, or the directory /etc/ssl/certs
    /// without it. As with OpenSSL, the environment variable SSL_CERT_FILE
    /// names another bundle file and SSL_CERT_DIR other directories (a
    /// ':'-separated list), each replacing its default; unlike OpenSSL, a
    /// file or directory named there that cannot be read is an error (named
    /// in what()), and with SSL_CERT_FILE alone the default directory is not
    /// read.
    ///@{
    void set_default_verify_paths();
    void set_default_verify_paths(error_code& ec);
    ///@}
    /// Takes `source`'s credentials in one step: its chains and keys, trust
    /// anchors, CRLs, verify mode, callback and depth, peer identity
    /// requirements, server names and client certificate callback. Build a
    /// fresh context from the new files, then hand it over: handshakes see
    /// either all of the old material or all of the new.
    void set_credentials_from(const context& source);

    // Server name indication (RFC 6066 §3), server side.
    /// Clients asking for `name` get the certificates, trust anchors and
    /// verify settings of `per_name`; everything else (versions, suites,
    /// ALPN, sessions) stays this context's. `name` is a DNS name, matched
    /// without regard to case, or "*.domain" for one more leading label. A
    /// later call for the same name replaces it. `per_name` must not be this
    /// context or hold it.
    void add_server_name(std::string name, const context& per_name);
    /// Decides per requested name instead of the table; nullopt falls back to
    /// the table and then to the default.
    void set_server_name_callback(server_name_callback cb);
    /// A client asking for a name that neither the callback nor the table
    /// knows: refused with unrecognized_name when true; served with this
    /// context's own certificates when false (the default). A client that
    /// sends no server_name always gets the default.
    void set_reject_unknown_server_names(bool reject);

    // Revocation (README: "Revocation (CRLs)"). Each certificate of a verified
    // peer chain is checked against the CRLs its issuer signed. Safe to call
    // while streams run: a handshake uses the set in place when it verifies
    // the peer; established connections are not checked again.
    /// CRLs in PEM (several per buffer) or DER.
    ///@{
    void add_crl(std::span<const std::byte> data, file_format fmt = file_format::pem);
    void add_crl(std::span<const std::byte> data, file_format fmt, error_code& ec);
    ///@}
    /// A CRL file (PEM or DER); reload_crls() reads it again.
    ///@{
    void add_crl_file(const std::string& path);
    void add_crl_file(const std::string& path, error_code& ec);
    ///@}
    /// Every regular file in `dir`, each holding CRLs; reload_crls() reads
    /// the directory again, so files may be added and removed there.
    ///@{
    void add_crl_path(const std::string& dir);
    void add_crl_path(const std::string& dir, error_code& ec);
    ///@}
    /// Reads every CRL file and directory given so far again (CRLs given as
    /// bytes stay) and replaces the set at once; when anything fails to read
    /// or parse, the set in use stays and the error is reported.
    ///@{
    void reload_crls();
    void reload_crls(error_code& ec);
    ///@}

    // Policy.
    /// Whether and how the peer's certificate is verified (see verify_peer,
    /// verify_fail_if_no_peer_cert, which implies verify_peer).
    void set_verify_mode(verify_mode mode);
    /// Called for each certificate of the peer's chain, anchor first; it may
    /// accept a certificate that failed built-in checks or refuse one that
    /// passed (see verify_context).
    void set_verify_callback(verify_callback cb);
    /// The most intermediate CA certificates allowed between the peer's
    /// certificate and a trust anchor, as OpenSSL's (and Asio's
    /// `set_verify_depth`) depth counts them: depth 2 allows the peer's
    /// certificate, two intermediates and the anchor. A longer path fails with
    /// error::certificate_chain_too_long, which the verify callback may
    /// override; a peer that sends more than depth + 2 certificates (its own,
    /// the intermediates and the anchor) is refused before any is parsed or
    /// shown to the callback. The default is max_verify_depth (7) rather than
    /// OpenSSL's 100; negative values act as 0, values above
    /// max_verify_depth as max_verify_depth.
    void set_verify_depth(int depth);
    /// Identities the peer's certificate must carry, any one of them: a DNS
    /// name or a URI pattern such as "spiffe://example.org/ns/*/sa/billing"
    /// (see peer_identity, uri_matches). Checked after chain verification,
    /// by both roles and in both versions; a peer whose certificate carries
    /// none is refused with error::peer_identity_mismatch (alert
    /// access_denied), one that sends no certificate with
    /// error::peer_certificate_required. A server with identities asks every
    /// client for a certificate, whatever the verify mode. The check applies
    /// under verify_none too, but an unverified certificate can claim any
    /// name: pair it with verify_peer. A session resumes only when its peer
    /// certificate satisfies the identities set now. Empty (the default):
    /// no requirement. Throws boost::system::system_error
    /// (error::invalid_configuration) for an identity that is not valid().
    void set_required_peer_identities(std::vector<peer_identity> identities);
    /// The lowest and highest protocol versions this end speaks (default
    /// TLS 1.2 to TLS 1.3).
    ///@{
    void set_min_version(tls_version v);
    void set_max_version(tls_version v);
    ///@}
    /// Cipher suites in preference order; unknown or unsupported ones are dropped.
    void set_cipher_suites(std::vector<cipher_suite> suites);
    /// Server: whose order picks the suite among those both ends allow
    /// (default cipher_preference::server). A server never picks a suite the
    /// client did not offer or that its own set_cipher_suites leaves out, and
    /// in TLS 1.2 only one its certificate key can authenticate. Throws
    /// boost::system::system_error (error::invalid_configuration) for a value
    /// that is not an enumerator.
    void set_cipher_preference(cipher_preference preference);
    /// Key exchange groups in preference order.
    void set_groups(std::vector<named_group> groups);
    /// Signature schemes this end accepts from the peer, in preference order.
    void set_signature_schemes(std::vector<signature_scheme> schemes);
    /// ALPN (RFC 7301): a client offers these application protocols in this
    /// order; a server picks the first of its list that the client offers,
    /// and refuses a client whose list shares none (no_application_protocol).
    /// Each name is 1 to 255 bytes (e.g. "h2", "http/1.1"); empty: no ALPN.
    void set_alpn_protocols(std::vector<std::string> protocols);
    /// Server: chooses the protocol instead of the preference list.
    void set_alpn_select_callback(alpn_select_callback cb);
    /// Debugging only: receives the secrets of each handshake as lines of the
    /// NSS key log format (`LABEL <client_random hex> <secret hex>`, no
    /// newline), which Wireshark and tshark decrypt captures with
    /// (`tls.keylog_file`); OpenSSL's `SSL_CTX_set_keylog_callback`. TLS 1.2:
    /// CLIENT_RANDOM with the master secret, in full and resumed handshakes;
    /// TLS 1.3: the handshake and first application traffic secrets and
    /// EXPORTER_SECRET (later generations follow from them, RFC 8446 §7.2).
    /// WARNING: each line lets whoever holds it read that connection, past and
    /// future; never enable it in production, and keep what you store of it
    /// as secret as the private key. The line's memory is wiped after the call,
    /// so copy what you keep. Called on the thread running the handshake, from
    /// several threads at once when streams run on several; must not throw.
    /// An empty function (the default) turns it off.
    void set_keylog_callback(std::function<void(std::string_view line)> callback);
    /// RFC 7627. On by default; turning it off is for testing legacy peers.
    void set_require_extended_master_secret(bool required);
    /// TLS 1.3 middlebox compatibility (RFC 8446 §D.4): a non-empty legacy
    /// session id and a dummy ChangeCipherSpec each way. On by default.
    void set_middlebox_compat(bool enabled);
    /// TLS 1.3: records protected under one sending key before the stream
    /// updates it on its own (KeyUpdate, RFC 8446 §4.6.3). The default stays
    /// well inside the AEAD limits of RFC 8446 §5.5; lower it to exercise
    /// key updates. Values above the default or 0 keep the default.
    void set_key_update_limit(std::uint64_t records);
    /// Largest Certificate message accepted from the peer, in bytes (OpenSSL's
    /// `max_cert_list`); a longer one fails before its body is read. Default
    /// 100 KiB; 0 keeps the default; at most 2^24 - 1.
    void set_max_certificate_list(std::size_t bytes);

    // Session resumption (README: "Session resumption").
    /// Server: issue session tickets (RFC 5077 in TLS 1.2, RFC 8446 §4.6.1 in
    /// TLS 1.3). Client: ask for them in TLS 1.2 (TLS 1.3 servers send them
    /// unasked). On by default.
    void set_session_tickets(bool enabled);
    /// Server, TLS 1.3: NewSessionTickets sent after each handshake, ahead of
    /// the first data the server writes. Default 2, at most 16; 0 sends none.
    void set_tls13_ticket_count(unsigned count);
    /// How long a session may be resumed: the tickets' lifetime, the life of a
    /// session store entry, and how often generated ticket keys rotate.
    /// Default 2 hours; at most (and 0 means) 7 days (RFC 8446 §4.6.1).
    void set_session_lifetime(std::chrono::seconds lifetime);
    /// Server, TLS 1.2: where sessions are kept by session id. Default: a
    /// `make_memory_session_store()` per context; nullptr turns resumption
    /// by session id off (tickets are not affected).
    void set_session_store(std::shared_ptr<session_store> store);
    /// Server: the keys tickets are sealed with, as 48-byte records (a 16-byte
    /// name, then a 32-byte AES-256-GCM key): the first seals, all open, at
    /// most 8. Servers given the same keys accept each other's tickets; to
    /// rotate, put a new record first and keep the old ones for a lifetime.
    /// Without this call, a random key per context that rotates every session
    /// lifetime. Safe to call while streams run; the keys are wiped when dropped.
    ///@{
    void set_ticket_keys(std::span<const std::byte> records);
    void set_ticket_keys(std::span<const std::byte> records, error_code& ec);
    ///@}
    /// Client: keep the sessions servers give, by host name and port (see
    /// `tls_stream::set_host_name`), for up to `servers` servers, and resume
    /// with them without `set_session`. Off (0) by default.
    void set_client_session_cache(std::size_t servers);

    // Asio's spellings (docs/migrating-from-asio-ssl.md): overloads with the
    // arguments `boost::asio::ssl::context` takes, so that code written for it
    // compiles unchanged, and `(data, error_code&)` forms reading PEM. Each
    // does what the member of the same name above does; a buffer (what
    // `boost::asio::buffer` returns) holds the data itself, as in Asio.

    /// As use_certificate_chain above, reading PEM (Asio reads only PEM here).
    ///@{
    template <detail::asio_buffer Buffer>
    void use_certificate_chain(const Buffer& chain)
    {
        use_certificate_chain(detail::buffer_bytes(chain), file_format::pem);
    }
    template <detail::asio_buffer Buffer>
    void use_certificate_chain(const Buffer& chain, error_code& ec)
    {
        use_certificate_chain(detail::buffer_bytes(chain), file_format::pem, ec);
    }
    void use_certificate_chain(std::span<const std::byte> data, error_code& ec);
    ///@}
    /// A single certificate, the first in `data` or the file as OpenSSL's
    /// `SSL_CTX_use_certificate` reads it: use_certificate_chain with that
    /// certificate alone, so it is sent without intermediates.
    ///@{
    void use_certificate(std::span<const std::byte> data, file_format fmt = file_format::pem);
    void use_certificate(std::span<const std::byte> data, file_format fmt, error_code& ec);
    void use_certificate(std::span<const std::byte> data, error_code& ec);
    template <detail::asio_buffer Buffer>
    void use_certificate(const Buffer& certificate, file_format fmt)
    {
        use_certificate(detail::buffer_bytes(certificate), fmt);
    }
    template <detail::asio_buffer Buffer>
    void use_certificate(const Buffer& certificate, file_format fmt, error_code& ec)
    {
        use_certificate(detail::buffer_bytes(certificate), fmt, ec);
    }
    void use_certificate_file(const std::string& path, file_format fmt = file_format::pem);
    void use_certificate_file(const std::string& path, file_format fmt, error_code& ec);
    ///@}
    /// As use_private_key and use_private_key_file above; without a format,
    /// PEM.
    ///@{
    template <detail::asio_buffer Buffer>
    void use_private_key(const Buffer& key, file_format fmt)
    {
        use_private_key(detail::buffer_bytes(key), fmt);
    }
    template <detail::asio_buffer Buffer>
    void use_private_key(const Buffer& key, file_format fmt, error_code& ec)
    {
        use_private_key(detail::buffer_bytes(key), fmt, ec);
    }
    void use_private_key(std::span<const std::byte> data, error_code& ec);
    void use_private_key_file(const std::string& path, error_code& ec);
    ///@}
    /// As use_certified_key and add_certified_key above, reading PEM.
    ///@{
    void use_certified_key(std::span<const std::byte> chain, std::span<const std::byte> key, error_code& ec);
    void add_certified_key(std::span<const std::byte> chain, std::span<const std::byte> key, error_code& ec);
    ///@}
    /// As add_certificate_authority above, reading PEM, one certificate or
    /// more (Asio reads only PEM here).
    ///@{
    template <detail::asio_buffer Buffer>
    void add_certificate_authority(const Buffer& ca)
    {
        add_certificate_authority(detail::buffer_bytes(ca), file_format::pem);
    }
    template <detail::asio_buffer Buffer>
    void add_certificate_authority(const Buffer& ca, error_code& ec)
    {
        add_certificate_authority(detail::buffer_bytes(ca), file_format::pem, ec);
    }
    void add_certificate_authority(std::span<const std::byte> data, error_code& ec);
    ///@}
    /// As add_crl above, reading PEM.
    void add_crl(std::span<const std::byte> data, error_code& ec);
    /// As set_password_callback above, also in Asio's shape
    /// `std::string(std::size_t max_length, password_purpose)`, which is
    /// always asked for_reading. Never fails; `ec` is cleared.
    ///@{
    template <class Callback>
        requires std::is_invocable_r_v<std::string, Callback&, std::size_t, password_purpose>
    void set_password_callback(Callback cb)
    {
        set_password_callback(password_callback(
            [cb = std::move(cb)](std::size_t max_length) mutable { return cb(max_length, for_reading); }));
    }
    template <class Callback>
        requires std::is_invocable_r_v<std::string, Callback&, std::size_t, password_purpose>
    void set_password_callback(Callback cb, error_code& ec)
    {
        set_password_callback(std::move(cb));
        ec = {};
    }
    void set_password_callback(password_callback cb, error_code& ec);
    ///@}
    /// As set_verify_mode, set_verify_callback and set_verify_depth above.
    /// They never fail; `ec` is cleared.
    ///@{
    void set_verify_mode(verify_mode mode, error_code& ec);
    void set_verify_callback(verify_callback cb, error_code& ec);
    void set_verify_depth(int depth, error_code& ec);
    ///@}

    /// Implementation access for the engine; not part of the stable API.
    const detail::context_impl& impl() const noexcept { return *impl_; }

private:
    detail::context_impl& mut();
    std::shared_ptr<detail::context_impl> impl_;
};

} // namespace mtls

#endif
