#ifndef MTLS_BENCH_COMPARE_LIBS_HPP
#define MTLS_BENCH_COMPARE_LIBS_HPP

// The two libraries mtls_bench_compare sets side by side, behind one shape so
// that every figure runs the same code for both: `mtls_lib` (mtls::tls_stream,
// over either crypto provider) and `asio_ssl_lib` (boost::asio::ssl::stream
// over OpenSSL). Both are set up
// alike: one TLS version, one cipher suite, X25519 key exchange, the test
// PKI's ECDSA P-256 certificates, mutual authentication required by the
// server, the client checking the server's name; groups X25519 then P-256
// (TLS 1.2 offers P-256 for the certificates' sake, RFC 8422 §5.1.1: the key
// exchange is X25519 either way); everything else (session
// tickets, two TLS 1.3 tickets per connection, buffer sizes) as each ships.

#include "compare_transport.hpp"

#include <mtls/context.hpp>
#include <mtls/session.hpp>
#include <mtls/tls_stream.hpp>
#include <mtls/types.hpp>

#include <boost/asio/ssl.hpp>
#include <openssl/ssl.h>

#include <array>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mtls::bench {

/// A cipher suite both libraries can be limited to.
struct suite_choice {
    std::string_view label; // short, for figure names
    mtls::tls_version version;
    mtls::cipher_suite id;
    const char* openssl;   // OpenSSL's name for SSL_CTX_set_ciphersuites / set_cipher_list
    std::string_view iana; // what both report once it is negotiated
};

inline constexpr std::array<suite_choice, 6> suites{{
    {"aes128gcm", mtls::tls_version::tls13, mtls::cipher_suite::tls_aes_128_gcm_sha256, "TLS_AES_128_GCM_SHA256",
     "TLS_AES_128_GCM_SHA256"},
    {"aes256gcm", mtls::tls_version::tls13, mtls::cipher_suite::tls_aes_256_gcm_sha384, "TLS_AES_256_GCM_SHA384",
     "TLS_AES_256_GCM_SHA384"},
    {"chacha20", mtls::tls_version::tls13, mtls::cipher_suite::tls_chacha20_poly1305_sha256,
     "TLS_CHACHA20_POLY1305_SHA256", "TLS_CHACHA20_POLY1305_SHA256"},
    {"aes128gcm", mtls::tls_version::tls12, mtls::cipher_suite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256,
     "ECDHE-ECDSA-AES128-GCM-SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"},
    {"aes256gcm", mtls::tls_version::tls12, mtls::cipher_suite::tls_ecdhe_ecdsa_with_aes_256_gcm_sha384,
     "ECDHE-ECDSA-AES256-GCM-SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"},
    {"chacha20", mtls::tls_version::tls12, mtls::cipher_suite::tls_ecdhe_ecdsa_with_chacha20_poly1305_sha256,
     "ECDHE-ECDSA-CHACHA20-POLY1305", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"},
}};

/// "tls12" or "tls13".
inline std::string_view version_label(mtls::tls_version v)
{
    return v == mtls::tls_version::tls13 ? "tls13" : "tls12";
}

struct mtls_lib {
    static constexpr std::string_view name = "mtls";
    using stream = mtls::tls_stream<counted_socket>;
    using session = mtls::session;
    static constexpr auto client_role = mtls::tls_stream_base::client;
    static constexpr auto server_role = mtls::tls_stream_base::server;

    struct config {
        mtls::context client;
        mtls::context server;
    };

    /// Both ends doing their cryptography with `provider`.
    static config make_config(const std::string& certs, const suite_choice& s, mtls::crypto_provider provider)
    {
        const auto side = [&](const std::string& credential) {
            mtls::context ctx{provider};
            ctx.set_min_version(s.version);
            ctx.set_max_version(s.version);
            ctx.set_cipher_suites({s.id});
            ctx.set_groups({mtls::named_group::x25519, mtls::named_group::secp256r1});
            ctx.use_certificate_chain_file(certs + "/" + credential + ".pem");
            ctx.use_private_key_file(certs + "/" + credential + ".key");
            ctx.load_verify_file(certs + "/ca.pem");
            return ctx;
        };
        config c{side("client-ecdsa"), side("server-ecdsa")};
        c.server.set_verify_mode(mtls::verify_peer | mtls::verify_fail_if_no_peer_cert);
        return c;
    }
    static void prepare_client(stream& s, const session& offer)
    {
        s.set_host_name("localhost");
        if (offer)
            s.set_session(offer);
    }
    static session take_session(stream& s) { return s.session(); }
    static void end_without_close_notify(stream&) {}
    static bool has(const session& s) { return static_cast<bool>(s); }
    static bool resumed(stream& s) { return s.info().resumed; }
    static std::string suite(stream& s) { return std::string(to_string(s.info().suite)); }
};

struct asio_ssl_lib {
    static constexpr std::string_view name = "asio::ssl";
    using stream = asio::ssl::stream<counted_socket>;
    using session = std::shared_ptr<SSL_SESSION>;
    static constexpr auto client_role = asio::ssl::stream_base::client;
    static constexpr auto server_role = asio::ssl::stream_base::server;

    struct config {
        asio::ssl::context client;
        asio::ssl::context server;
    };

    static config make_config(const std::string& certs, const suite_choice& s)
    {
        config c{asio::ssl::context(asio::ssl::context::tls_client),
                 asio::ssl::context(asio::ssl::context::tls_server)};
        set_up(c.client, certs, "client-ecdsa", s);
        set_up(c.server, certs, "server-ecdsa", s);
        c.server.set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
        // OpenSSL refuses to resume a session of a server that verifies
        // clients unless the context names its sessions.
        static constexpr unsigned char id[] = "mtls_bench_compare";
        check(SSL_CTX_set_session_id_context(c.server.native_handle(), id, sizeof id - 1), "session id context");
        return c;
    }
    static void prepare_client(stream& s, const session& offer)
    {
        check(static_cast<int>(SSL_set_tlsext_host_name(s.native_handle(), "localhost")), "server name");
        s.set_verify_callback(asio::ssl::host_name_verification("localhost"));
        if (offer)
            check(SSL_set_session(s.native_handle(), offer.get()), "SSL_set_session");
    }
    static session take_session(stream& s) { return {SSL_get1_session(s.native_handle()), SSL_SESSION_free}; }
    /// OpenSSL marks the session of a connection freed without close_notify
    /// as not resumable (ssl_clear_bad_session); these connections end
    /// without one on purpose, the same for both libraries.
    static void end_without_close_notify(stream& s)
    {
        SSL_set_shutdown(s.native_handle(), SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    }
    static bool has(const session& s) { return s != nullptr; }
    static bool resumed(stream& s) { return SSL_session_reused(s.native_handle()) == 1; }
    static std::string suite(stream& s)
    {
        const SSL_CIPHER* cipher = SSL_get_current_cipher(s.native_handle());
        return cipher != nullptr ? SSL_CIPHER_standard_name(cipher) : "none";
    }

private:
    static void check(int ok, const char* what)
    {
        if (ok != 1)
            throw std::runtime_error(std::string("OpenSSL set-up failed: ") + what);
    }
    static void set_up(asio::ssl::context& ctx, const std::string& certs, const std::string& credential,
                       const suite_choice& s)
    {
        SSL_CTX* native = ctx.native_handle();
        const int version = s.version == mtls::tls_version::tls13 ? TLS1_3_VERSION : TLS1_2_VERSION;
        check(static_cast<int>(SSL_CTX_set_min_proto_version(native, version)), "min version");
        check(static_cast<int>(SSL_CTX_set_max_proto_version(native, version)), "max version");
        if (s.version == mtls::tls_version::tls13)
            check(SSL_CTX_set_ciphersuites(native, s.openssl), "TLS 1.3 suite");
        else
            check(SSL_CTX_set_cipher_list(native, s.openssl), "TLS 1.2 suite");
        check(static_cast<int>(SSL_CTX_set1_groups_list(native, "X25519:P-256")), "groups");
        ctx.use_certificate_chain_file(certs + "/" + credential + ".pem");
        ctx.use_private_key_file(certs + "/" + credential + ".key", asio::ssl::context::pem);
        ctx.load_verify_file(certs + "/ca.pem");
        ctx.set_verify_mode(asio::ssl::verify_peer);
    }
};

} // namespace mtls::bench

#endif
