// What a handshake does with missing or half-loaded own credentials, and the
// verify mode traps, both versions: a server without a certificate fails
// with no_certificate (alert handshake_failure, RFC 8446 §4.4.2.2, RFC 5246
// §7.4.2), before reading the ClientHello when it has no server names; a
// chain without its key or a key without its chain fails before the first
// message, so a client never silently sends no certificate;
// verify_fail_if_no_peer_cert alone acts as verify_peer |
// verify_fail_if_no_peer_cert; set_default_verify_paths honours
// SSL_CERT_FILE and SSL_CERT_DIR.

#define BOOST_TEST_MODULE engine_own_credentials
#include <boost/test/unit_test.hpp>

#include "support/certs.hpp"
#include "support/pump.hpp"

#include "context_impl.hpp"

#include <boost/system/system_error.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <unistd.h>

using namespace mtls;
using namespace mtls::test;

namespace {

namespace fs = std::filesystem;

/// A server context with the test CA and no chain or key yet.
context bare_server(tls_version v)
{
    context ctx;
    ctx.load_verify_file(cert_path("ca.pem"));
    return versioned(ctx, v);
}

/// Whether `out` (an engine's output) holds a handshake record.
bool holds_handshake(std::span<const std::byte> out)
{
    bytes buf(out.begin(), out.end());
    const auto records = split_records(buf);
    return std::any_of(records.begin(), records.end(), [](const record& r) { return r.type == content::handshake; });
}

/// Sets an environment variable for one scope and restores it after.
class scoped_env {
public:
    scoped_env(const char* name, const std::string& value) : name_(name)
    {
        if (const char* old = std::getenv(name))
            old_ = old;
        ::setenv(name, value.c_str(), 1);
    }
    scoped_env(const scoped_env&) = delete;
    scoped_env& operator=(const scoped_env&) = delete;
    ~scoped_env()
    {
        if (old_)
            ::setenv(name_, old_->c_str(), 1);
        else
            ::unsetenv(name_);
    }

private:
    const char* name_;
    std::optional<std::string> old_;
};

/// A directory of its own under the temporary directory, removed at the end.
struct scratch_dir {
    fs::path path;

    explicit scratch_dir(const std::string& name)
        : path(fs::temp_directory_path() / ("mtls-own-credentials-" + std::to_string(::getpid()) + "-" + name))
    {
        fs::remove_all(path);
        fs::create_directories(path);
    }
    scratch_dir(const scratch_dir&) = delete;
    scratch_dir& operator=(const scratch_dir&) = delete;
    ~scratch_dir()
    {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

/// A client trusting what set_default_verify_paths finds, handshaking with
/// a server whose certificate the private test CA issued.
error_code client_error_with_default_paths()
{
    context client;
    error_code ec;
    client.set_default_verify_paths(ec);
    engine_pair p(client, server_context());
    p.handshake();
    return cause_code(p.client.error());
}

} // namespace

/// Starting `e`'s handshake fails it at once, with `code`, whose message says `text`.
#define CHECK_FAILS_AT_START(e, code, text)                                                                            \
    do {                                                                                                               \
        (e).start_handshake();                                                                                         \
        BOOST_TEST((e).failed());                                                                                      \
        BOOST_TEST(describe((e).error()) == describe(make_error_code(code)));                                          \
        BOOST_TEST(contains((e).error().message(), text), (e).error().message());                                      \
    } while (false)

BOOST_AUTO_TEST_SUITE(server_without_certificate)

BOOST_AUTO_TEST_CASE(fails_before_reading_the_client_hello)
{
    for (auto v : versions) {
        BOOST_TEST_CONTEXT(to_string(v))
        {
            engine_pair p(versioned(client_context(), v), bare_server(v));
            // Nothing from the client yet: the server knows already.
            CHECK_FAILS_AT_START(p.server, error::no_certificate, "no certificate and private key configured");
            p.client.start_handshake();
            p.pump();
            MTLS_CHECK_FAILURE(p.server, error::no_certificate, p.client, alert::handshake_failure);
        }
    }
}

BOOST_AUTO_TEST_CASE(with_server_names_fails_for_a_name_it_has_no_certificate_for)
{
    for (auto v : versions) {
        BOOST_TEST_CONTEXT(to_string(v))
        {
            auto server = bare_server(v);
            server.add_server_name("localhost", server_context());
            {
                engine_pair p(versioned(client_context(), v), server);
                MTLS_REQUIRE_HANDSHAKE(p);
            }
            engine_pair p(versioned(client_context(), v), server);
            p.client.set_host_name("unknown.test");
            BOOST_TEST(!p.handshake());
            MTLS_CHECK_FAILURE(p.server, error::no_certificate, p.client, alert::handshake_failure);
        }
    }
}

BOOST_AUTO_TEST_CASE(a_server_name_with_a_chain_and_no_key)
{
    for (auto v : versions) {
        BOOST_TEST_CONTEXT(to_string(v))
        {
            context half;
            half.use_certificate_chain_file(cert_path("server-ecdsa.pem"));
            auto server = server_context();
            server.add_server_name("localhost", half);
            engine_pair p(versioned(client_context(), v), versioned(server, v));
            BOOST_TEST(!p.handshake());
            MTLS_CHECK_FAILURE(p.server, error::certificate_without_key, p.client, alert::internal_error);
        }
    }
}

BOOST_AUTO_TEST_CASE(a_chain_without_its_key_or_a_key_without_its_chain)
{
    context chain_only;
    chain_only.use_certificate_chain_file(cert_path("server-ecdsa.pem"));
    context key_only;
    key_only.use_private_key_file(cert_path("server-ecdsa.key"));
    engine_pair chain_pair(client_context(), chain_only);
    CHECK_FAILS_AT_START(chain_pair.server, error::certificate_without_key,
                         "a certificate is configured without its private key");
    engine_pair key_pair(client_context(), key_only);
    CHECK_FAILS_AT_START(key_pair.server, error::key_without_certificate,
                         "a private key is configured without its certificate");
}

BOOST_AUTO_TEST_SUITE_END()

// Trap 1: such a client used to send no certificate, silently.
BOOST_AUTO_TEST_SUITE(client_with_half_its_credentials)

BOOST_AUTO_TEST_CASE(fails_before_the_client_hello)
{
    auto chain_only = client_context();
    chain_only.use_certificate_chain_file(cert_path("client-ecdsa.pem"));
    engine_pair chain_pair(chain_only, server_context_requiring_client_cert());
    CHECK_FAILS_AT_START(chain_pair.client, error::certificate_without_key,
                         "a certificate is configured without its private key");
    BOOST_TEST(!holds_handshake(chain_pair.client.output()));

    auto key_only = client_context();
    key_only.use_private_key_file(cert_path("client-ecdsa.key"));
    engine_pair key_pair(key_only, server_context_requiring_client_cert());
    CHECK_FAILS_AT_START(key_pair.client, error::key_without_certificate,
                         "a private key is configured without its certificate");
    BOOST_TEST(!holds_handshake(key_pair.client.output()));
}

BOOST_AUTO_TEST_CASE(a_chain_replaced_without_its_new_key_fails_until_the_key_comes)
{
    auto client = client_context("client-ecdsa");
    client.use_certificate_chain_file(cert_path("client-rsa.pem")); // drops the ECDSA key
    {
        engine_pair p(client, server_context_requiring_client_cert());
        BOOST_TEST(!p.handshake());
        BOOST_TEST(describe(p.client.error()) == describe(make_error_code(error::certificate_without_key)));
    }
    client.use_private_key_file(cert_path("client-rsa.key"));
    engine_pair p(client, server_context_requiring_client_cert());
    MTLS_REQUIRE_HANDSHAKE(p);
}

BOOST_AUTO_TEST_SUITE_END()

// Trap 2: OpenSSL ignores SSL_VERIFY_FAIL_IF_NO_PEER_CERT without
// SSL_VERIFY_PEER, so such a server accepts anonymous clients.
BOOST_AUTO_TEST_SUITE(fail_if_no_peer_cert_alone)

BOOST_AUTO_TEST_CASE(refuses_a_client_without_a_certificate)
{
    for (auto v : versions) {
        BOOST_TEST_CONTEXT(to_string(v))
        {
            auto server = server_context();
            server.set_verify_mode(verify_fail_if_no_peer_cert);
            engine_pair p(versioned(client_context(), v), versioned(server, v));
            BOOST_TEST(!p.handshake());
            // RFC 8446 §4.4.2.4: certificate_required; RFC 5246 §7.4.6: handshake_failure.
            MTLS_CHECK_FAILURE(p.server, error::peer_certificate_required, p.client,
                               v == tls_version::tls13 ? alert::certificate_required : alert::handshake_failure);
            BOOST_TEST(contains(p.server.error().message(), "peer sent no certificate but one is required"));
        }
    }
}

BOOST_AUTO_TEST_CASE(verifies_the_certificate_it_asks_for)
{
    for (auto v : versions) {
        BOOST_TEST_CONTEXT(to_string(v))
        {
            auto server = server_context();
            server.set_verify_mode(verify_fail_if_no_peer_cert);
            {
                engine_pair p(versioned(client_context("client-ecdsa"), v), versioned(server, v));
                MTLS_REQUIRE_HANDSHAKE(p);
                BOOST_TEST(p.server.info().peer_subject == "CN=mtls test client");
            }
            engine_pair p(versioned(client_context("client-untrusted"), v), versioned(server, v));
            BOOST_TEST(!p.handshake());
            MTLS_CHECK_FAILURE(p.server, error::certificate_untrusted, p.client, alert::unknown_ca);
        }
    }
}

BOOST_AUTO_TEST_CASE(set_on_the_engine_alone_too)
{
    engine_pair p(client_context(), server_context());
    p.server.set_verify_mode(verify_fail_if_no_peer_cert);
    BOOST_TEST(!p.handshake());
    BOOST_TEST(describe(cause_code(p.server.error())) == describe(make_error_code(error::peer_certificate_required)));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(default_verify_paths)

BOOST_AUTO_TEST_CASE(the_private_ca_is_not_trusted_by_default)
{
    ::unsetenv("SSL_CERT_FILE");
    ::unsetenv("SSL_CERT_DIR");
    BOOST_TEST(describe(client_error_with_default_paths()) == describe(make_error_code(error::certificate_untrusted)));
}

BOOST_AUTO_TEST_CASE(ssl_cert_file_replaces_the_bundle)
{
    ::unsetenv("SSL_CERT_DIR");
    const scoped_env file("SSL_CERT_FILE", cert_path("ca.pem"));
    BOOST_TEST(describe(client_error_with_default_paths()) == "success");
}

BOOST_AUTO_TEST_CASE(ssl_cert_dir_is_a_list_of_directories)
{
    ::unsetenv("SSL_CERT_FILE");
    const scratch_dir other("other");
    const scratch_dir ours("ours");
    fs::copy_file(cert_path("other-ca.pem"), other.path / "other-ca.pem");
    fs::copy_file(cert_path("ca.pem"), ours.path / "ca.pem");
    {
        const scoped_env dir("SSL_CERT_DIR", other.path.string());
        BOOST_TEST(describe(client_error_with_default_paths()) ==
                   describe(make_error_code(error::certificate_untrusted)));
    }
    const scoped_env dir("SSL_CERT_DIR", other.path.string() + ":" + ours.path.string());
    BOOST_TEST(describe(client_error_with_default_paths()) == "success");
}

BOOST_AUTO_TEST_CASE(a_path_that_does_not_load_is_named)
{
    ::unsetenv("SSL_CERT_DIR");
    const scratch_dir empty("empty");
    const auto missing = (empty.path / "missing.pem").string();
    context ctx;
    {
        const scoped_env file("SSL_CERT_FILE", missing);
        try {
            ctx.set_default_verify_paths();
            BOOST_FAIL("expected system_error");
        } catch (const boost::system::system_error& e) {
            BOOST_TEST((e.code() == boost::system::errc::no_such_file_or_directory), describe(e.code()));
            BOOST_TEST(contains(e.what(), "mtls::context::set_default_verify_paths: " + missing + ": "), e.what());
        }
    }
    const scoped_env file("SSL_CERT_FILE", cert_path("ca.pem"));
    const scoped_env dir("SSL_CERT_DIR", empty.path.string()); // holds no certificate
    error_code ec;
    ctx.set_default_verify_paths(ec);
    BOOST_TEST(describe(ec) == describe(make_error_code(error::bad_local_certificate)));
    try {
        ctx.set_default_verify_paths();
        BOOST_FAIL("expected system_error");
    } catch (const boost::system::system_error& e) {
        BOOST_TEST(contains(e.what(), "mtls::context::set_default_verify_paths: " + empty.path.string() + ": " +
                                          "certificate given to the context cannot be parsed"),
                   e.what());
    }
    BOOST_TEST(ctx.impl().current_credentials()->anchors->empty());
}

BOOST_AUTO_TEST_SUITE_END()
