// mtls_bench_handshake: CPU time per full and per resumed handshake, TLS 1.2
// and TLS 1.3, ECDSA P-256 certificates with mutual authentication, for the
// client end, the server end and both, over each crypto provider. A client
// and a server `mtls::engine` run back to back in memory in one thread; each
// end's CPU time is the thread CPU time spent inside the calls into its
// engine (construction and destruction included), less the clock's own cost
// per reading.
//
// Usage: mtls_bench_handshake [--seconds N] [--certs DIR] [--only PREFIX]
//                             [--provider mbedtls|openssl|both]
//   --seconds N   measure each figure for N seconds of wall time (default 2),
//                 after a warm-up of a quarter of that
//   --certs DIR   the test PKI made by `bash test/gen_certs.sh DIR` (default:
//                 $MTLS_BENCH_CERTS); uses server-ecdsa, client-ecdsa, ca.pem
//   --only PREFIX run only the figures whose name starts with PREFIX ("tls13")
//   --provider P  both ends' crypto provider: mbedtls, openssl, or both
//                 (default: both when this build has OpenSSL's), the
//                 providers taking turns figure by figure
//
// Prints one line per provider and figure: "<provider> <version> <kind>
// client_cpu_us=... ...". Each full figure is followed by the public-key
// floor of its handshake for the group it negotiated, measured with the
// provider's library used directly (public_key_floor.hpp for mbedTLS,
// openssl_floor.hpp for OpenSSL), and its ratio to it: "<provider> <version>
// full-floor floor_pair_us=... ratio=...". The floor's operations run once
// after each measured full handshake, so that both see the same load of a
// shared machine. With both providers, a last "openssl/mbedtls" line per
// figure gives the ratio of their CPU per handshake.

#include "measure.hpp"
#include "openssl_floor.hpp"
#include "public_key_floor.hpp"

#include <mtls/connection_info.hpp>
#include <mtls/context.hpp>
#include <mtls/engine.hpp>
#include <mtls/session.hpp>
#include <mtls/types.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace {

using mtls::bench::cpu_meter;
using bytes = std::vector<std::byte>;

using mtls::bench::fail;

struct options {
    double seconds = 2;
    std::string certs;
    std::string only;
    std::vector<mtls::crypto_provider> providers;
};

options parse_options(int argc, char** argv)
{
    options o;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (i + 1 == argc)
            fail("usage: mtls_bench_handshake [--seconds N] [--certs DIR] [--only PREFIX] "
                 "[--provider mbedtls|openssl|both]");
        const char* value = argv[++i];
        if (arg == "--seconds") {
            // Bounded: a figure is a measurement, not a soak test.
            o.seconds = mtls::bench::number(value, 0.01, 600, "--seconds");
        } else if (arg == "--certs") {
            o.certs = value;
        } else if (arg == "--only") {
            o.only = value;
        } else if (arg == "--provider") {
            o.providers = mtls::bench::providers_named(value);
        } else {
            fail("unknown option " + std::string(arg));
        }
    }
    if (o.providers.empty())
        o.providers = mtls::bench::default_providers();
    o.certs = mtls::bench::certs_dir(o.certs);
    return o;
}

/// How the resumed handshakes of a figure find their session.
enum class resumption { none, ticket, session_id };

struct figure {
    std::string name;
    mtls::tls_version version;
    resumption resume;
};

/// A context over provider `p` for version `v` only, with the test PKI's
/// credential `name` (`<name>.pem` and `<name>.key`) and trusting its ca.pem.
mtls::context pki_context(const options& o, mtls::crypto_provider p, mtls::tls_version v, const std::string& name)
{
    mtls::context ctx{p};
    ctx.set_min_version(v);
    ctx.set_max_version(v);
    ctx.use_certificate_chain_file(o.certs + "/" + name + ".pem");
    ctx.use_private_key_file(o.certs + "/" + name + ".key");
    ctx.load_verify_file(o.certs + "/ca.pem");
    return ctx;
}

mtls::context server_context(const options& o, mtls::crypto_provider p, mtls::tls_version v, resumption r)
{
    auto ctx = pki_context(o, p, v, "server-ecdsa");
    ctx.set_verify_mode(mtls::verify_peer | mtls::verify_fail_if_no_peer_cert);
    // TLS 1.2 resumes by ticket when the server issues them, else by id: take
    // away the other way so that each figure measures the one it names.
    if (r == resumption::ticket)
        ctx.set_session_store(nullptr);
    if (r == resumption::session_id)
        ctx.set_session_tickets(false);
    return ctx;
}

/// One end of a connection: its engine and the meter its calls are timed by.
struct end {
    std::optional<mtls::engine> engine;
    cpu_meter& cpu;
};

/// Bytes sent one way that the receiver has not taken yet, and the plaintext
/// it has read.
struct wire {
    bytes pending;
    bytes received;
};

/// Moves what `from` has queued to `to`, reading the plaintext it yields into
/// `w.received`; true when anything moved.
bool transfer(end& from, end& to, wire& w)
{
    bool moved = false;
    from.cpu([&] {
        for (auto out = from.engine->output(); !out.empty(); out = from.engine->output()) {
            w.pending.insert(w.pending.end(), out.begin(), out.end());
            from.engine->consume_output(out.size());
            moved = true;
        }
    });
    if (w.pending.empty())
        return moved;
    std::size_t taken = 0;
    to.cpu([&] {
        for (;;) {
            const auto n = to.engine->feed(std::span<const std::byte>(w.pending).subspan(taken));
            taken += n;
            bool read = false;
            for (auto p = to.engine->plaintext(); !p.empty(); p = to.engine->plaintext()) {
                w.received.insert(w.received.end(), p.begin(), p.end());
                to.engine->consume_plaintext(p.size());
                read = true;
            }
            if (taken == w.pending.size() || (n == 0 && !read))
                break;
        }
    });
    w.pending.erase(w.pending.begin(), w.pending.begin() + static_cast<std::ptrdiff_t>(taken));
    return moved || taken > 0;
}

/// Moves bytes both ways until neither end has anything to send. A handshake
/// settles in a handful of rounds; running out of them is a livelock.
void pump(end& client, end& server, wire& to_server, wire& to_client)
{
    for (int round = 0; round < 64; ++round) {
        bool moved = transfer(client, server, to_server);
        moved = transfer(server, client, to_client) || moved;
        if (!moved)
            return;
    }
    fail("the engines did not settle within 64 rounds");
}

std::string describe(const end& e, std::string_view side)
{
    std::string out(side);
    out += e.engine->failed() ? ": " + e.engine->error().message() : ": handshake not done";
    return out;
}

/// What one connection left behind.
struct connection {
    mtls::session next; // what the client resumes the next connection with
    mtls::connection_info client_info;
};

/// One connection: handshake (resuming `offer` if not empty), then a few
/// bytes each way, then both engines destroyed. Fails loudly unless the
/// handshake completed, the bytes arrived, and both ends agree with `resumed`.
connection connect(const mtls::context& client_ctx, const mtls::context& server_ctx, const mtls::session& offer,
                   bool resumed, cpu_meter& client_cpu, cpu_meter& server_cpu)
{
    static const bytes ping(32, std::byte{0x70});
    static const bytes pong(32, std::byte{0x71});
    end client{std::nullopt, client_cpu};
    end server{std::nullopt, server_cpu};
    client.cpu([&] {
        client.engine.emplace(client_ctx, mtls::role::client);
        client.engine->set_host_name("localhost");
        if (offer)
            client.engine->set_session(offer);
        client.engine->start_handshake();
    });
    server.cpu([&] {
        server.engine.emplace(server_ctx, mtls::role::server);
        server.engine->start_handshake();
    });
    wire to_server;
    wire to_client;
    pump(client, server, to_server, to_client);
    if (!client.engine->handshake_done() || !server.engine->handshake_done())
        fail("handshake failed: " + describe(client, "client") + "; " + describe(server, "server"));

    // TLS 1.3 tickets come after the handshake, with the server's first data
    // (RFC 8446 §4.6.1): exchange a little each way, as a real connection would.
    const auto wrote_ping = client.cpu([&] { return client.engine->write(ping); });
    const auto wrote_pong = server.cpu([&] { return server.engine->write(pong); });
    pump(client, server, to_server, to_client);
    if (wrote_ping != ping.size() || wrote_pong != pong.size() || to_server.received != ping ||
        to_client.received != pong)
        fail("the data after the handshake did not arrive intact");

    connection out;
    out.client_info = client.engine->info();
    const bool client_resumed = out.client_info.resumed;
    const bool server_resumed = server.engine->info().resumed;
    if (client_resumed != resumed || server_resumed != resumed)
        fail(std::string("expected a ") + (resumed ? "resumed" : "full") + " handshake, but the client says resumed=" +
             (client_resumed ? "yes" : "no") + " and the server resumed=" + (server_resumed ? "yes" : "no"));
    out.next = client.cpu([&] { return client.engine->session(); });
    if (resumed && out.next.empty())
        fail("a resumed connection left no session to resume the next one with");
    client.cpu([&] { client.engine.reset(); });
    server.cpu([&] { server.engine.reset(); });
    return out;
}

mbedtls_ecp_group_id mbedtls_group(mtls::named_group g)
{
    switch (g) {
    case mtls::named_group::x25519: return MBEDTLS_ECP_DP_CURVE25519;
    case mtls::named_group::secp256r1: return MBEDTLS_ECP_DP_SECP256R1;
    case mtls::named_group::secp384r1: return MBEDTLS_ECP_DP_SECP384R1;
    }
    fail("no public-key floor for group " + std::string(to_string(g)));
}

/// The floor's CPU per end, summed over the handshakes measured.
struct handshake_floor {
    mtls::bench::end_floor client;
    mtls::bench::end_floor server;
    unsigned chain_signatures = 0; // per chain
};

/// The public-key operations of a full handshake with the test PKI, both
/// ends, run once after every measured handshake: the handshakes and their
/// floor then see the same load of a shared machine.
class floor_ops {
public:
    virtual ~floor_ops() = default;
    virtual void run(handshake_floor& f) = 0;
};

/// The floor with `KeyShare` and `Signatures` (mbedTLS's or OpenSSL's), each
/// made from a group argument and the key and certificate files.
template <class KeyShare, class Signatures>
class floor_with final : public floor_ops {
public:
    template <class Group, class... Extra>
    floor_with(const options& o, const Group& g, Extra&... extra)
        : client_key_share_(g, extra...), server_key_share_(g, extra...),
          client_(o.certs + "/client-ecdsa.key", o.certs + "/server-ecdsa.key", o.certs + "/server-ecdsa.pem",
                  o.certs + "/ca.pem", extra...),
          server_(o.certs + "/server-ecdsa.key", o.certs + "/client-ecdsa.key", o.certs + "/client-ecdsa.pem",
                  o.certs + "/ca.pem", extra...)
    {}

    void run(handshake_floor& f) override
    {
        mtls::bench::run_end(client_key_share_, client_, f.client);
        mtls::bench::run_end(server_key_share_, server_, f.server);
        f.chain_signatures = client_.chain_signatures();
    }

private:
    KeyShare client_key_share_;
    KeyShare server_key_share_;
    Signatures client_;
    Signatures server_;
};

/// mbedTLS's floor keeps one DRBG for all its operations.
class mbedtls_floor final : public floor_ops {
public:
    mbedtls_floor(const options& o, mtls::named_group g) : ops_(o, mbedtls_group(g), rng_) {}
    void run(handshake_floor& f) override { ops_.run(f); }

private:
    mtls::bench::floor_rng rng_;
    floor_with<mtls::bench::key_share_ops, mtls::bench::signature_ops> ops_;
};

/// OpenSSL's name for group `g`.
std::string openssl_group(mtls::named_group g)
{
    switch (g) {
    case mtls::named_group::x25519: return "X25519";
    case mtls::named_group::secp256r1: return "P-256";
    case mtls::named_group::secp384r1: return "P-384";
    }
    fail("no public-key floor for group " + std::string(to_string(g)));
}

/// The floor of provider `p`'s library for group `g`.
std::unique_ptr<floor_ops> make_floor(const options& o, mtls::crypto_provider p, mtls::named_group g)
{
    if (p == mtls::crypto_provider::openssl)
        return std::make_unique<floor_with<mtls::bench::ossl::key_share_ops, mtls::bench::ossl::signature_ops>>(
            o, openssl_group(g));
    return std::make_unique<mbedtls_floor>(o, g);
}

struct measurement {
    double client_us = 0;
    double server_us = 0;
    double loop_us = 0;     // the whole loop's thread CPU, in-memory transport and clock readings included
    double timed_calls = 0; // per handshake, both ends: how often the clock's cost was subtracted
    std::uint64_t handshakes = 0;
    std::uint64_t resumed = 0;
    mtls::connection_info info; // the client's view of the last connection
    std::optional<handshake_floor> floor; // full handshakes only
};

measurement run(const figure& f, const options& o, mtls::crypto_provider p, std::int64_t clock_overhead_ns)
{
    const auto client_ctx = pki_context(o, p, f.version, "client-ecdsa");
    const auto server_ctx = server_context(o, p, f.version, f.resume);
    const bool resumes = f.resume != resumption::none;
    cpu_meter client_cpu;
    cpu_meter server_cpu;
    // Each resumed connection resumes the session the previous one left, as
    // a client that keeps the latest would.
    mtls::session offer;
    if (resumes)
        offer = connect(client_ctx, server_ctx, {}, false, client_cpu, server_cpu).next;
    measurement m;
    std::unique_ptr<floor_ops> floor; // made once the first handshake names its group
    const auto one = [&] {
        auto c = connect(client_ctx, server_ctx, offer, resumes, client_cpu, server_cpu);
        if (resumes) {
            offer = std::move(c.next);
            ++m.resumed;
        } else {
            if (!floor)
                floor = make_floor(o, p, c.client_info.group);
            if (!m.floor)
                m.floor.emplace();
            floor->run(*m.floor);
        }
        m.info = std::move(c.client_info);
    };
    mtls::bench::run_for(o.seconds / 4, one);
    client_cpu.reset();
    server_cpu.reset();
    m.resumed = 0;
    if (m.floor)
        m.floor = handshake_floor{};
    const auto loop_start = mtls::bench::thread_cpu_ns();
    m.handshakes = mtls::bench::run_for(o.seconds, one);
    auto loop_ns = mtls::bench::thread_cpu_ns() - loop_start;
    if (m.floor) // the floor's own CPU is no part of the handshake loop
        loop_ns -= m.floor->client.total() + m.floor->server.total();
    const auto per_handshake_us = [&](std::int64_t ns) {
        return static_cast<double>(ns) / 1e3 / static_cast<double>(m.handshakes);
    };
    m.client_us = per_handshake_us(client_cpu.ns(clock_overhead_ns));
    m.server_us = per_handshake_us(server_cpu.ns(clock_overhead_ns));
    m.loop_us = per_handshake_us(loop_ns);
    m.timed_calls = static_cast<double>(client_cpu.laps() + server_cpu.laps()) / static_cast<double>(m.handshakes);
    return m;
}

void print(std::string_view provider, const figure& f, const measurement& m, const std::optional<measurement>& full)
{
    const double both = m.client_us + m.server_us;
    std::printf("%s %s client_cpu_us=%.1f server_cpu_us=%.1f both_cpu_us=%.1f loop_cpu_us=%.1f timed_calls=%.0f "
                "handshakes=%llu resumed=%llu",
                std::string(provider).c_str(), f.name.c_str(), m.client_us, m.server_us, both, m.loop_us, m.timed_calls,
                static_cast<unsigned long long>(m.handshakes), static_cast<unsigned long long>(m.resumed));
    if (full)
        std::printf(" ratio_to_full=%.3f client_ratio=%.3f server_ratio=%.3f",
                    both / (full->client_us + full->server_us), m.client_us / full->client_us,
                    m.server_us / full->server_us);
    // A resumed TLS 1.2 handshake exchanges no key share.
    const bool key_exchange = !(f.resume != resumption::none && f.version == mtls::tls_version::tls12);
    std::printf(" suite=%s group=%s\n", std::string(to_string(m.info.suite)).c_str(),
                key_exchange ? std::string(to_string(m.info.group)).c_str() : "none");
    std::fflush(stdout);
}

void print_floor(std::string_view provider, const figure& f, const measurement& m, std::int64_t clock_overhead_ns)
{
    const auto& fl = *m.floor;
    // Each part was timed once per handshake; the clock's cost is spread evenly.
    const double n = static_cast<double>(m.handshakes);
    const double overhead_us = static_cast<double>(clock_overhead_ns) / 1e3;
    const auto us = [&](std::int64_t ns) { return static_cast<double>(ns) / 1e3 / n - overhead_us; };
    const auto& c = fl.client;
    const auto& s = fl.server;
    const double client_us = us(c.key_share_ns) + us(c.sign_ns) + us(c.verify_ns) + us(c.chain_ns);
    const double server_us = us(s.key_share_ns) + us(s.sign_ns) + us(s.verify_ns) + us(s.chain_ns);
    std::printf("%s %s-floor group=%s key_share_us=%.1f sign_us=%.1f verify_us=%.1f client_chain_us=%.1f "
                "server_chain_us=%.1f chain_signatures=%u floor_client_us=%.1f floor_server_us=%.1f "
                "floor_pair_us=%.1f client_ratio=%.3f server_ratio=%.3f ratio=%.3f\n",
                std::string(provider).c_str(), f.name.c_str(), std::string(to_string(m.info.group)).c_str(),
                (us(c.key_share_ns) + us(s.key_share_ns)) / 2, (us(c.sign_ns) + us(s.sign_ns)) / 2,
                (us(c.verify_ns) + us(s.verify_ns)) / 2, us(c.chain_ns), us(s.chain_ns),
                fl.chain_signatures, client_us, server_us, client_us + server_us, m.client_us / client_us,
                m.server_us / server_us, (m.client_us + m.server_us) / (client_us + server_us));
    std::fflush(stdout);
}

} // namespace

int main(int argc, char** argv)
{
    const auto o = parse_options(argc, argv);
    const std::vector<figure> figures{
        {"tls12 full", mtls::tls_version::tls12, resumption::none},
        {"tls12 resumed-ticket", mtls::tls_version::tls12, resumption::ticket},
        {"tls12 resumed-id", mtls::tls_version::tls12, resumption::session_id},
        {"tls13 full", mtls::tls_version::tls13, resumption::none},
        {"tls13 resumed", mtls::tls_version::tls13, resumption::ticket},
    };
    const auto clock_overhead_ns = mtls::bench::clock_overhead_ns();
    std::printf("# ECDSA P-256 mutual authentication, client and server engines in one thread; per handshake: "
                "engines made, handshake, 32 bytes each way, engines destroyed; %.3g s per figure after %.3g s of "
                "warm-up; %lld ns of clock reading subtracted per timed call\n",
                o.seconds, o.seconds / 4, static_cast<long long>(clock_overhead_ns));
    try {
        // Per provider, the latest full figure: the resumed ones of its version compare with it.
        std::map<mtls::crypto_provider, measurement> full;
        // Per figure, both ends' CPU per handshake over each provider.
        std::vector<std::pair<std::string, std::map<mtls::crypto_provider, double>>> both_us;
        for (const auto& f : figures) {
            if (!f.name.starts_with(o.only))
                continue;
            both_us.push_back({f.name, {}});
            for (const auto p : o.providers) {
                const std::string_view name = mtls::to_string(p);
                auto m = run(f, o, p, clock_overhead_ns);
                const auto latest = full.find(p);
                const bool comparable =
                    f.resume != resumption::none && latest != full.end() && latest->second.info.version == f.version;
                print(name, f, m, comparable ? std::optional(latest->second) : std::nullopt);
                if (m.floor) {
                    print_floor(name, f, m, clock_overhead_ns);
                    full.insert_or_assign(p, m);
                }
                both_us.back().second[p] = m.client_us + m.server_us;
            }
        }
        if (o.providers.size() == 2) {
            for (const auto& [name, cpu] : both_us)
                std::printf("openssl/mbedtls %s both_cpu_ratio=%.3f\n", name.c_str(),
                            cpu.at(mtls::crypto_provider::openssl) / cpu.at(mtls::crypto_provider::mbedtls));
        }
    } catch (const std::exception& e) {
        fail(e.what());
    }
}
