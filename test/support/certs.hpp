#ifndef MTLS_TEST_SUPPORT_CERTS_HPP
#define MTLS_TEST_SUPPORT_CERTS_HPP

// Contexts built from the test PKI that gen_certs.sh makes in MTLS_TEST_CERTS.
// Include after <boost/test/unit_test.hpp>.

#include <mtls/context.hpp>
#include <mtls/types.hpp>

#include <array>
#include <cstdlib>
#include <string>
#include <string_view>

namespace mtls::test {

/// Where gen_certs.sh put the test PKI (MTLS_TEST_CERTS).
inline std::string certs_dir()
{
    const char* d = std::getenv("MTLS_TEST_CERTS");
    BOOST_TEST_REQUIRE(d != nullptr, "MTLS_TEST_CERTS must name the gen_certs.sh output");
    return d;
}

inline std::string cert_path(std::string_view file) { return certs_dir() + "/" + std::string(file); }

/// Loads `<name>.pem` (chain) and `<name>.key` into `ctx`.
inline void use_credential(context& ctx, std::string_view name)
{
    ctx.use_certificate_chain_file(cert_path(std::string(name) + ".pem"));
    ctx.use_private_key_file(cert_path(std::string(name) + ".key"));
}

/// Highest version the contexts below allow. The TLS 1.2 test files lower it
/// (with a global fixture) to exercise the 1.2 handshake message by message.
inline tls_version contexts_max_version = tls_version::tls13;

/// Global fixture of the TLS 1.2 test files: `BOOST_TEST_GLOBAL_FIXTURE(tls12_contexts);`.
struct tls12_contexts {
    tls12_contexts() { contexts_max_version = tls_version::tls12; }
};

/// A server with credential `name` that trusts ca.pem (for client certificates).
inline context server_context(std::string_view name = "server-ecdsa")
{
    context ctx;
    ctx.set_max_version(contexts_max_version);
    use_credential(ctx, name);
    ctx.load_verify_file(cert_path("ca.pem"));
    return ctx;
}

/// A server that requires a client certificate chaining to ca.pem.
inline context server_context_requiring_client_cert(std::string_view name = "server-ecdsa")
{
    auto ctx = server_context(name);
    ctx.set_verify_mode(verify_peer | verify_fail_if_no_peer_cert);
    return ctx;
}

/// A client trusting ca.pem; with credential `name` unless it is empty.
inline context client_context(std::string_view name = "")
{
    context ctx;
    ctx.set_max_version(contexts_max_version);
    if (!name.empty())
        use_credential(ctx, name);
    ctx.load_verify_file(cert_path("ca.pem"));
    return ctx;
}

/// Both versions, for tests that run once per version.
inline const std::array versions{tls_version::tls12, tls_version::tls13};

/// `ctx` limited to version `v`.
inline context versioned(context ctx, tls_version v)
{
    ctx.set_min_version(v);
    ctx.set_max_version(v);
    return ctx;
}

/// A client with client-ecdsa and a server requiring a client certificate,
/// both at version `v` only.
struct mutual_contexts {
    explicit mutual_contexts(tls_version v)
        : client(versioned(client_context("client-ecdsa"), v)),
          server(versioned(server_context_requiring_client_cert(), v))
    {
    }
    context client;
    context server;
};

/// `ctx` limited to TLS 1.3.
inline context only_tls13(context ctx)
{
    ctx.set_min_version(tls_version::tls13);
    ctx.set_max_version(tls_version::tls13);
    return ctx;
}

} // namespace mtls::test

#endif
