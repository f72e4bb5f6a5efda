// Revocation (RFC 5280 §5) between two engines, both versions: CRLs from the
// context revoke a client's or a server's certificate or an intermediate CA
// of its chain; CRLs that cannot be relied on fail closed; reloading replaces
// the set for later handshakes only; bad CRL input is an error, not a crash.

#define BOOST_TEST_MODULE engine_crl
#include <boost/test/unit_test.hpp>

#include "support/certs.hpp"
#include "support/pump.hpp"

#include "crypto/pki.hpp"

#include <boost/system/system_error.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include <unistd.h>

using namespace mtls;
using namespace mtls::test;

namespace {

namespace fs = std::filesystem;


/// A server trusting ca.pem that requires a client certificate, with `crls`.
context server_with_crls(tls_version v, std::initializer_list<std::string_view> crls)
{
    auto ctx = versioned(server_context_requiring_client_cert(), v);
    for (auto f : crls)
        ctx.add_crl_file(cert_path(f));
    return ctx;
}

context client_with(tls_version v, std::string_view credential)
{
    return versioned(client_context(credential), v);
}

bytes read_file(std::string_view name)
{
    std::ifstream f(cert_path(name), std::ios::binary);
    BOOST_TEST_REQUIRE(f.good(), "cannot open " << name);
    std::vector<char> raw((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    bytes out(raw.size());
    std::transform(raw.begin(), raw.end(), out.begin(), [](char c) { return static_cast<std::byte>(c); });
    return out;
}

bytes text(std::string_view s)
{
    bytes out(s.size());
    std::transform(s.begin(), s.end(), out.begin(), [](char c) { return static_cast<std::byte>(c); });
    return out;
}

/// A fresh, empty directory that is removed again; its name holds the
/// process id, so that test runs of several builds at once keep apart.
struct scratch_dir {
    explicit scratch_dir(std::string_view name)
        : path(fs::temp_directory_path() / (std::string(name) + "-" + std::to_string(::getpid())))
    {
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~scratch_dir() { fs::remove_all(path); }
    /// Replaces `name` in the directory with the test PKI's file `from`.
    std::string put(std::string_view name, std::string_view from) const
    {
        const auto to = path / name;
        fs::copy_file(cert_path(from), to, fs::copy_options::overwrite_existing);
        return to.string();
    }
    fs::path path;
};

/// A server whose CRLs come from one file, at first a copy of `first`.
struct server_with_crl_file {
    server_with_crl_file(tls_version v, std::string_view name, std::string_view first)
        : dir(name), file(dir.put("current.crl", first)), ctx(server_with_crls(v, {}))
    {
        ctx.add_crl_file(file);
    }
    scratch_dir dir;
    std::string file;
    context ctx;
};

/// Handshakes `client` with `server`; true when both ends completed.
bool connects(const context& client, const context& server)
{
    engine_pair p(client, server);
    return p.handshake();
}

/// The server refused the client's chain as revoked and told it so.
void check_client_revoked(const context& client, const context& server)
{
    engine_pair p(client, server);
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.server, error::certificate_revoked, p.client, alert::certificate_revoked);
}

} // namespace

BOOST_AUTO_TEST_SUITE(refusals)

BOOST_AUTO_TEST_CASE(a_revoked_client_certificate_is_refused)
{
    BOOST_TEST(make_error_code(error::certificate_revoked).message() == "peer certificate revoked");
    BOOST_TEST(alert_for(error::certificate_revoked) == alert::certificate_revoked);
    for (auto v : versions) {
        BOOST_TEST_CONTEXT(to_string(v))
        {
            check_client_revoked(client_with(v, "client-revoked-chain"), server_with_crls(v, {"int-crl.pem"}));
            // Among CRLs of other issuers too.
            check_client_revoked(client_with(v, "client-revoked-chain"),
                                 server_with_crls(v, {"ca-crl-empty.pem", "int-crl.pem"}));
        }
    }
}

BOOST_AUTO_TEST_CASE(a_client_chain_through_a_revoked_intermediate_is_refused)
{
    for (auto v : versions) {
        BOOST_TEST_CONTEXT(to_string(v))
        {
            check_client_revoked(client_with(v, "client-under-revoked-chain"), server_with_crls(v, {"ca-crl.pem"}));
        }
    }
}

BOOST_AUTO_TEST_CASE(a_revoked_server_certificate_is_refused_by_the_client)
{
    for (auto v : versions) {
        BOOST_TEST_CONTEXT(to_string(v))
        {
            auto client = client_with(v, "");
            client.add_crl_file(cert_path("int-crl.pem"));
            engine_pair p(client, versioned(server_context("server-revoked-chain"), v));
            BOOST_TEST(!p.handshake());
            MTLS_CHECK_FAILURE(p.client, error::certificate_revoked, p.server, alert::certificate_revoked);

            engine_pair without(client_with(v, ""), versioned(server_context("server-revoked-chain"), v));
            MTLS_REQUIRE_HANDSHAKE(without);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(acceptance)

BOOST_AUTO_TEST_CASE(chains_no_crl_lists_are_accepted)
{
    for (auto v : versions) {
        BOOST_TEST_CONTEXT(to_string(v))
        {
            // The revoked ones without CRLs, or with their issuers' CRLs from
            // before the revocation.
            BOOST_TEST(connects(client_with(v, "client-revoked-chain"), server_with_crls(v, {})));
            BOOST_TEST(connects(client_with(v, "client-revoked-chain"), server_with_crls(v, {"int-crl-empty.pem"})));
            BOOST_TEST(connects(client_with(v, "client-under-revoked-chain"), server_with_crls(v, {})));
            BOOST_TEST(
                connects(client_with(v, "client-under-revoked-chain"), server_with_crls(v, {"ca-crl-empty.pem"})));
            // Neighbours of the revoked ones, under the CRLs that revoke those.
            BOOST_TEST(
                connects(client_with(v, "client-crl-ok-chain"), server_with_crls(v, {"int-crl.pem", "ca-crl.pem"})));
            BOOST_TEST(connects(client_with(v, "client-ecdsa"), server_with_crls(v, {"int-crl.pem", "ca-crl.pem"})));
        }
    }
}

BOOST_AUTO_TEST_CASE(crls_from_memory_pem_bundles_and_der)
{
    for (auto v : versions) {
        BOOST_TEST_CONTEXT(to_string(v))
        {
            auto bundle = read_file("int-crl-empty.pem");
            const auto ca_crl = read_file("ca-crl.pem");
            bundle.insert(bundle.end(), ca_crl.begin(), ca_crl.end());
            auto pem = server_with_crls(v, {});
            pem.add_crl(bundle);
            check_client_revoked(client_with(v, "client-under-revoked-chain"), pem);
            BOOST_TEST(connects(client_with(v, "client-revoked-chain"), pem));

            auto der = server_with_crls(v, {});
            der.add_crl(read_file("int-crl.der"), file_format::asn1);
            check_client_revoked(client_with(v, "client-revoked-chain"), der);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(unreliable_crls)

BOOST_AUTO_TEST_CASE(fail_closed)
{
    struct row {
        const char* crl;
        error err;
    };
    for (auto [crl, err] :
         {row{"int-crl-expired.pem", error::crl_expired}, row{"int-crl-future.pem", error::crl_not_yet_valid},
          row{"int-crl-forged.pem", error::crl_untrusted}}) {
        for (auto v : versions) {
            BOOST_TEST_CONTEXT(crl << ", " << to_string(v))
            {
                engine_pair p(client_with(v, "client-crl-ok-chain"), server_with_crls(v, {crl}));
                BOOST_TEST(!p.handshake());
                MTLS_CHECK_FAILURE(p.server, err, p.client, alert::certificate_unknown);
                // Chains through other issuers do not depend on that CRL.
                BOOST_TEST(connects(client_with(v, "client-ecdsa"), server_with_crls(v, {crl})));
            }
        }
    }
    BOOST_TEST(make_error_code(error::crl_expired).message() == "certificate revocation list expired");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(verify_callback)

BOOST_AUTO_TEST_CASE(sees_the_revocation_and_may_override_it)
{
    for (auto v : versions) {
        BOOST_TEST_CONTEXT(to_string(v))
        {
            for (auto [credential, crl, depth] : {std::tuple{"client-revoked-chain", "int-crl.pem", 0},
                                                  std::tuple{"client-under-revoked-chain", "ca-crl.pem", 1}}) {
                std::vector<int> revoked_at;
                engine_pair p(client_with(v, credential), server_with_crls(v, {crl}));
                p.server.set_verify_callback([&](bool preverified, verify_context& vc) {
                    if (!preverified) {
                        BOOST_TEST(describe(vc.error()) == describe(make_error_code(error::certificate_revoked)));
                        revoked_at.push_back(vc.depth());
                    }
                    return true;
                });
                MTLS_REQUIRE_HANDSHAKE(p);
                BOOST_TEST(revoked_at == std::vector<int>{depth}, boost::test_tools::per_element());
                BOOST_TEST(p.exchange(pattern(10), pattern(10)));
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(may_override_an_expired_crl)
{
    engine_pair p(client_with(tls_version::tls13, "client-crl-ok-chain"),
                  server_with_crls(tls_version::tls13, {"int-crl-expired.pem"}));
    bool saw = false;
    p.server.set_verify_callback([&](bool preverified, verify_context& vc) {
        saw = saw || error_cause(vc.error()) == error::crl_expired;
        return preverified || error_cause(vc.error()) == error::crl_expired;
    });
    MTLS_REQUIRE_HANDSHAKE(p);
    BOOST_TEST(saw);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(reload)

BOOST_AUTO_TEST_CASE(a_reloaded_file_revokes_later_handshakes_only)
{
    for (auto v : versions) {
        BOOST_TEST_CONTEXT(to_string(v))
        {
            server_with_crl_file crl(v, "mtls-engine-crl-test-file", "int-crl-empty.pem");
            auto& server = crl.ctx;
            const auto& dir = crl.dir;
            const auto client = client_with(v, "client-revoked-chain");

            engine_pair running(client, server);
            MTLS_REQUIRE_HANDSHAKE(running);
            dir.put("current.crl", "int-crl.pem");
            // Files are read when given and on reload, not per handshake.
            BOOST_TEST(connects(client, server));
            server.reload_crls();
            check_client_revoked(client, server);
            // The connection made before goes on.
            BOOST_TEST(running.exchange(pattern(100), pattern(100)));
        }
    }
}

BOOST_AUTO_TEST_CASE(a_session_made_before_a_revocation_is_not_resumed)
{
    for (auto v : versions) {
        BOOST_TEST_CONTEXT(to_string(v))
        {
            for (bool server_revoked : {false, true}) {
                // Either end checks the other's chain against its CRL file.
                const scratch_dir dir("mtls-engine-crl-test-resume");
                const auto file = dir.put("current.crl", "int-crl-empty.pem");
                auto client = client_with(v, server_revoked ? "client-ecdsa" : "client-revoked-chain");
                auto server = versioned(
                    server_context_requiring_client_cert(server_revoked ? "server-revoked-chain" : "server-ecdsa"), v);
                (server_revoked ? client : server).add_crl_file(file);

                engine_pair full(client, server);
                MTLS_REQUIRE_HANDSHAKE(full);
                BOOST_TEST_REQUIRE(full.exchange(pattern(10), pattern(10))); // TLS 1.3 tickets come with data
                const auto s = full.client.session();
                BOOST_TEST_REQUIRE(!s.empty());
                engine_pair resumed(client, server);
                resumed.client.set_session(s);
                MTLS_REQUIRE_HANDSHAKE(resumed);
                BOOST_TEST(resumed.server.info().resumed);

                dir.put("current.crl", "int-crl.pem");
                (server_revoked ? client : server).reload_crls();
                engine_pair refused(client, server);
                refused.client.set_session(s);
                BOOST_TEST(!refused.handshake());
                BOOST_TEST(!refused.server.info().resumed);
                if (server_revoked)
                    MTLS_CHECK_FAILURE(refused.client, error::certificate_revoked, refused.server,
                                       alert::certificate_revoked);
                else
                    MTLS_CHECK_FAILURE(refused.server, error::certificate_revoked, refused.client,
                                       alert::certificate_revoked);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(reloads_while_another_thread_handshakes)
{
    const auto v = tls_version::tls13;
    server_with_crl_file crl(v, "mtls-engine-crl-test-threads", "int-crl-empty.pem");
    auto& server = crl.ctx;
    const auto& dir = crl.dir;
    const auto client = client_with(v, "client-revoked-chain");
    constexpr int rounds = 20;
    // Each handshake sees one whole set: it connects or is refused as revoked.
    std::vector<std::pair<bool, error_code>> outcomes;
    std::thread handshakes([&] {
        for (int i = 0; i < rounds; ++i) {
            engine_pair p(client, server);
            p.start();
            const bool settled = p.pump();
            outcomes.emplace_back(settled && p.handshake_ok(), p.server.error());
        }
    });
    for (int i = 0; i < rounds; ++i) {
        dir.put("current.crl", i % 2 == 0 ? "int-crl.pem" : "int-crl-empty.pem");
        server.reload_crls();
    }
    handshakes.join();
    BOOST_TEST_REQUIRE(outcomes.size() == std::size_t{rounds});
    for (const auto& [ok, ec] : outcomes)
        BOOST_TEST((ok || error_cause(ec) == error::certificate_revoked), describe(ec));
    // The last reload left the empty CRL in place.
    BOOST_TEST(connects(client, server));
}

BOOST_AUTO_TEST_CASE(a_reloaded_directory_takes_new_and_dropped_files)
{
    const auto v = tls_version::tls13;
    const scratch_dir dir("mtls-engine-crl-test-dir");
    dir.put("ca.crl", "ca-crl-empty.pem");
    auto server = server_with_crls(v, {});
    server.add_crl_path(dir.path.string());
    const auto client = client_with(v, "client-revoked-chain");
    BOOST_TEST(connects(client, server));

    dir.put("intermediate.crl", "int-crl.pem");
    server.reload_crls();
    check_client_revoked(client, server);

    fs::remove(dir.path / "intermediate.crl");
    server.reload_crls();
    BOOST_TEST(connects(client, server));
}

BOOST_AUTO_TEST_CASE(a_failed_reload_keeps_the_crls_in_use)
{
    const auto v = tls_version::tls13;
    server_with_crl_file crl(v, "mtls-engine-crl-test-failed", "int-crl.pem");
    auto& server = crl.ctx;
    const auto& dir = crl.dir;
    const auto& file = crl.file;
    // Given as bytes: kept by every reload.
    server.add_crl(read_file("ca-crl.pem"));
    const auto client = client_with(v, "client-revoked-chain");
    check_client_revoked(client, server);

    std::ofstream(file, std::ios::trunc) << "-----BEGIN X509 CRL-----\ntruncated\n";
    error_code ec;
    server.reload_crls(ec);
    BOOST_TEST(ec == error::bad_crl);
    check_client_revoked(client, server);
    fs::remove(file);
    BOOST_CHECK_THROW(server.reload_crls(), boost::system::system_error);
    check_client_revoked(client, server);

    dir.put("current.crl", "int-crl-empty.pem");
    server.reload_crls();
    BOOST_TEST(connects(client, server));
    check_client_revoked(client_with(v, "client-under-revoked-chain"), server);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(bad_input)

BOOST_AUTO_TEST_CASE(a_crl_list_takes_all_or_nothing)
{
    crypto::crl_list list;
    auto bundle = read_file("int-crl.pem");
    const auto good = bundle.size();
    const auto second = read_file("ca-crl.pem");
    bundle.insert(bundle.end(), second.begin(), second.end());
    BOOST_TEST(list.add(bundle, file_format::pem) == error_code{});
    BOOST_TEST(list.size() == 2u);
    bundle[good + 60] = std::byte{'!'}; // inside the second CRL's base64
    crypto::crl_list partial;
    BOOST_TEST(partial.add(bundle, file_format::pem) == error::bad_crl);
    BOOST_TEST(partial.size() == 0u);

    const scratch_dir dir("mtls-engine-crl-test-list");
    dir.put("a.crl", "int-crl.pem");
    dir.put("b.crl", "ca.pem");
    BOOST_TEST(partial.add_directory(dir.path.string()) == error::bad_crl);
    BOOST_TEST(partial.size() == 0u);
    fs::remove(dir.path / "b.crl");
    BOOST_TEST(partial.add_directory(dir.path.string()) == error_code{});
    BOOST_TEST(partial.size() == 1u);
    const crypto::crl_list copy(list);
    BOOST_TEST(copy.size() == 2u);
}

BOOST_AUTO_TEST_CASE(gives_errors_and_adds_nothing)
{
    auto server = server_with_crls(tls_version::tls13, {});
    error_code ec;
    server.add_crl(text("garbage"), file_format::pem, ec);
    BOOST_TEST(ec == error::bad_crl);
    server.add_crl({}, file_format::pem, ec);
    BOOST_TEST(ec == error::bad_crl);
    server.add_crl({}, file_format::asn1, ec);
    BOOST_TEST(ec == error::bad_crl);
    server.add_crl(read_file("ca.pem"), file_format::pem, ec);
    BOOST_TEST(ec == error::bad_crl);
    server.add_crl(read_file("ca.der"), file_format::asn1, ec);
    BOOST_TEST(ec == error::bad_crl);
    auto der = read_file("int-crl.der");
    der.resize(der.size() / 2);
    server.add_crl(der, file_format::asn1, ec);
    BOOST_TEST(ec == error::bad_crl);
    // A bundle with one broken CRL fails as a whole.
    auto bundle = read_file("int-crl.pem");
    const auto broken_at = bundle.size() + 60; // inside the second CRL's base64
    const auto second = read_file("ca-crl.pem");
    bundle.insert(bundle.end(), second.begin(), second.end());
    bundle[broken_at] = std::byte{'!'};
    server.add_crl(bundle, file_format::pem, ec);
    BOOST_TEST(ec == error::bad_crl);

    server.add_crl_file(cert_path("no-such.crl"), ec);
    BOOST_TEST(ec == boost::system::errc::no_such_file_or_directory);
    server.add_crl_file(cert_path("ca.key"), ec);
    BOOST_TEST(ec == error::bad_crl);
    server.add_crl_path(cert_path("no-such-dir"), ec);
    BOOST_TEST(ec.failed());
    const scratch_dir dir("mtls-engine-crl-test-bad");
    server.add_crl_path(dir.path.string(), ec);
    BOOST_TEST(ec == error::bad_crl); // holds no CRL
    dir.put("a.crl", "int-crl.pem");
    dir.put("b.crl", "ca.pem");
    server.add_crl_path(dir.path.string(), ec);
    BOOST_TEST(ec == error::bad_crl);

    BOOST_CHECK_THROW(server.add_crl(text("garbage")), boost::system::system_error);
    BOOST_CHECK_THROW(server.add_crl_file(cert_path("no-such.crl")), boost::system::system_error);
    BOOST_CHECK_THROW(server.add_crl_path(cert_path("no-such-dir")), boost::system::system_error);
    // Nothing of the above was added; reload has no sources to fail on.
    BOOST_TEST(connects(client_with(tls_version::tls13, "client-revoked-chain"), server));
    server.reload_crls();
    BOOST_TEST(connects(client_with(tls_version::tls13, "client-revoked-chain"), server));
}

BOOST_AUTO_TEST_SUITE_END()
