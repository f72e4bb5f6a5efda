// Credential rotation while handshakes run on several threads (run under
// ThreadSanitizer by `scripts/test.sh --tsan`): certificates and keys, trust
// anchors, CRLs, verify settings and server names replaced on one thread
// while others handshake with the same contexts. Every handshake completes
// with one whole generation of credentials, never a mix.

#define BOOST_TEST_MODULE rotation_threads
#include <boost/test/unit_test.hpp>

#include "support/certs.hpp"
#include "support/pump.hpp"

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

using namespace mtls;
using namespace mtls::test;

namespace {

constexpr int handshaking_threads = 3;
constexpr int handshakes_per_thread = 8;

struct outcome {
    std::mutex mutex;
    std::vector<std::string> failures;
    std::vector<bytes> server_leaves;

    void fail(std::string what)
    {
        std::lock_guard lock(mutex);
        failures.push_back(std::move(what));
    }

    void record(const engine_pair& p)
    {
        std::lock_guard lock(mutex);
        if (!p.handshake_ok())
            failures.push_back("client: " + describe(p.client.error()) + "; server: " + describe(p.server.error()));
        else
            server_leaves.push_back(p.client.info().peer_certificates.at(0));
    }
};

/// Loads `name`'s chain and key into a throwaway context and returns its leaf.
bytes leaf_of(std::string_view name, const std::string& host = "localhost")
{
    engine_pair p(client_context(), server_context(name));
    p.client.set_host_name(host);
    BOOST_TEST_REQUIRE(p.handshake());
    return p.client.info().peer_certificates.at(0);
}

} // namespace

BOOST_AUTO_TEST_CASE(handshakes_while_credentials_rotate)
{
    const auto ecdsa = leaf_of("server-ecdsa");
    const auto rsa = leaf_of("server-rsa");
    auto server = server_context_requiring_client_cert();
    server.add_server_name("*.example.test", server_context("server-wildcard"));
    server.add_crl_file(cert_path("int-crl-empty.pem"));
    const auto client = client_context("client-ecdsa");
    outcome result;
    std::atomic<int> finished{0};
    // Paths made before the threads start: cert_path checks with Boost.Test,
    // whose macros are not thread-safe.
    const std::string ca = cert_path("ca.pem");
    const std::pair rsa_files{cert_path("server-rsa.pem"), cert_path("server-rsa.key")};
    const std::pair ecdsa_files{cert_path("server-ecdsa.pem"), cert_path("server-ecdsa.key")};
    const std::pair wildcard_files{cert_path("server-wildcard.pem"), cert_path("server-wildcard.key")};
    auto wildcard = [&] {
        context w;
        w.use_certified_key_file(wildcard_files.first, wildcard_files.second);
        w.load_verify_file(ca);
        return w;
    };

    std::vector<std::thread> threads;
    for (int t = 0; t < handshaking_threads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < handshakes_per_thread; ++i) {
                engine_pair p(client, server);
                if (i % 2 == 1)
                    p.client.set_host_name("a.example.test");
                // start + pump rather than handshake(): Boost.Test's macros
                // are for the main thread only.
                p.start();
                if (!p.pump())
                    result.fail("a handshake did not settle");
                result.record(p);
                // Established connections keep working whatever rotates.
                if (p.handshake_ok() && !p.exchange(pattern(64, static_cast<unsigned>(t)), pattern(64)))
                    result.fail("an established connection stopped working");
            }
            ++finished;
        });
    }

    // Rotate until every handshaking thread is done: the loop is bounded by
    // their fixed work, not by time.
    for (int round = 0; finished.load() < handshaking_threads; ++round) {
        const auto& [chain, key] = round % 2 == 0 ? rsa_files : ecdsa_files;
        server.use_certified_key_file(chain, key);
        server.reload_crls();
        server.set_verify_mode(verify_peer | verify_fail_if_no_peer_cert);
        server.add_server_name("*.example.test", wildcard());
        context fresh;
        fresh.use_certified_key_file(chain, key);
        fresh.load_verify_file(ca);
        fresh.set_verify_mode(verify_peer | verify_fail_if_no_peer_cert);
        fresh.add_server_name("*.example.test", wildcard());
        server.set_credentials_from(fresh);
        std::this_thread::yield();
    }
    for (auto& t : threads)
        t.join();

    BOOST_TEST(result.failures.empty(), (result.failures.empty() ? "" : result.failures.front()));
    BOOST_TEST(result.server_leaves.size() == static_cast<std::size_t>(handshaking_threads * handshakes_per_thread));
    const auto wildcard_leaf = leaf_of("server-wildcard", "a.example.test");
    for (const auto& leaf : result.server_leaves)
        BOOST_TEST((leaf == ecdsa || leaf == rsa || leaf == wildcard_leaf));
}
