// mtls_bench_compare: mtls, over each of its crypto providers, against
// boost::asio::ssl::stream over OpenSSL 3, in one process and one run, with
// the same certificates (the test PKI's ECDSA P-256 server and client
// certificates, mutual authentication required by the server, the client
// checking the server's name), the same key exchange (X25519), the same suite
// per figure and the same transport (loopback TCP, TCP_NODELAY, a wrapper
// counting write_some calls).
//
// Usage: mtls_bench_compare [--seconds N] [--quick] [--certs DIR]
//                           [--connections N] [--threads N] [--only PREFIX]
//                           [--provider mbedtls|openssl|both] [--repeats R]
//   --seconds N      measure each timed figure for N seconds of wall time
//                    per library, after a warm-up of a quarter of that
//                    (default 1: a whole run takes about two minutes)
//   --quick          --seconds 0.25 --connections 32: a smoke test
//   --certs DIR      the test PKI made by `bash test/gen_certs.sh DIR`
//                    (default: $MTLS_BENCH_CERTS)
//   --connections N  connections held open for the heap figures (default 500:
//                    state a library keeps per thread, such as mtls's pool of
//                    at most four receive and four send buffers, is spread
//                    over them)
//   --threads N      the largest thread count of the scaling figures, which
//                    run on 1, 2, 4, ... and N threads (default: the
//                    hardware's concurrency)
//   --only PREFIX    only the figures whose name starts with PREFIX
//   --provider P     mtls's crypto provider: mbedtls, openssl, or both
//                    (default: both when this build has OpenSSL's)
//   --repeats R      measure each figure R times per library, the libraries
//                    taking turns, and print the median (default 1)
//
// Prints one line per figure: its name, the value of mtls over each provider
// and of asio::ssl, the ratio of each mtls value to asio::ssl's, and which
// direction is better. Then one "goal" line per figure that issue 14's goals
// name (bulk and full-handshake speed against asio::ssl), as speed-ups.

#include "compare_async.hpp"
#include "compare_libs.hpp"
#include "compare_sync.hpp"
#include "heap_counter.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

namespace bench = mtls::bench;
using bench::asio_ssl_lib;
using bench::mtls_lib;

using mtls::bench::fail;
using mtls::bench::number;

struct options {
    double seconds = 1;
    std::string certs;
    std::size_t connections = 500;
    unsigned threads = std::max(1u, std::thread::hardware_concurrency());
    std::string only;
    std::vector<mtls::crypto_provider> providers;
    int repeats = 1;
};

options parse_options(int argc, char** argv)
{
    options o;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--quick") {
            o.seconds = 0.25;
            o.connections = 32;
            continue;
        }
        if (i + 1 == argc)
            fail("usage: mtls_bench_compare [--seconds N] [--quick] [--certs DIR] [--connections N] [--threads N] "
                 "[--only PREFIX] [--provider mbedtls|openssl|both] [--repeats R]");
        const char* value = argv[++i];
        // Bounded: a figure is a measurement, not a soak test.
        if (arg == "--seconds")
            o.seconds = number(value, 0.01, 600, "--seconds");
        else if (arg == "--connections")
            o.connections = static_cast<std::size_t>(number(value, 1, 5000, "--connections"));
        else if (arg == "--threads")
            o.threads = static_cast<unsigned>(number(value, 1, 256, "--threads"));
        else if (arg == "--certs")
            o.certs = value;
        else if (arg == "--only")
            o.only = value;
        else if (arg == "--provider")
            o.providers = mtls::bench::providers_named(value);
        else if (arg == "--repeats")
            o.repeats = static_cast<int>(number(value, 1, 15, "--repeats"));
        else
            fail("unknown option " + std::string(arg));
    }
    if (o.providers.empty())
        o.providers = mtls::bench::default_providers();
    o.certs = mtls::bench::certs_dir(o.certs);
    return o;
}

/// Ends the program when a figure runs far past its time: a stalled
/// connection must not hang the run.
class watchdog {
public:
    watchdog()
        : thread_([this] {
              std::unique_lock lock(mutex_);
              while (!done_) {
                  if (armed_ && std::chrono::steady_clock::now() > deadline_) {
                      std::fprintf(stderr, "mtls_bench_compare: %s did not finish in time\n", figure_.c_str());
                      std::_Exit(2);
                  }
                  wake_.wait_for(lock, std::chrono::seconds(1));
              }
          })
    {}
    ~watchdog()
    {
        {
            std::lock_guard lock(mutex_);
            done_ = true;
        }
        wake_.notify_one();
        thread_.join();
    }
    void arm(const std::string& figure, double seconds)
    {
        std::lock_guard lock(mutex_);
        figure_ = figure;
        armed_ = true;
        deadline_ = std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                           std::chrono::duration<double>(seconds));
    }

private:
    std::mutex mutex_;
    std::condition_variable wake_;
    std::string figure_;
    bool armed_ = false;
    bool done_ = false;
    std::chrono::steady_clock::time_point deadline_;
    std::thread thread_;
};

enum class better { higher, lower };

/// One printed figure of one library's measurement.
struct row {
    std::string name;
    double value;
    better direction;
};
using rows = std::vector<row>;

/// Whole numbers from 100 up, three significant digits below.
std::string value_text(double v)
{
    char text[32];
    std::snprintf(text, sizeof text, v >= 100 ? "%.0f" : "%.3g", v);
    return text;
}

std::string ratio_text(double over, double under)
{
    char text[32] = "-";
    if (under != 0)
        std::snprintf(text, sizeof text, "%.3f", over / under);
    return text;
}

/// One column per provider, then asio::ssl, then the providers' ratios.
void header(const std::vector<mtls::crypto_provider>& providers)
{
    std::printf("%-44s", "# figure");
    for (const auto p : providers)
        std::printf(" %14s", ("mtls:" + std::string(mtls::to_string(p))).c_str());
    std::printf(" %14s", "asio::ssl");
    for (const auto p : providers)
        std::printf(" %12s", (std::string(mtls::to_string(p)) + "/asio").c_str());
    std::printf("  direction\n");
    std::fflush(stdout);
}

/// `values`: one per provider, asio::ssl's last.
void line(const std::string& name, const std::vector<double>& values, better b)
{
    std::printf("%-44s", name.c_str());
    for (const double v : values)
        std::printf(" %14s", value_text(v).c_str());
    for (std::size_t i = 0; i + 1 < values.size(); ++i)
        std::printf(" %12s", ratio_text(values[i], values.back()).c_str());
    std::printf("  %s is better\n", b == better::higher ? "higher" : "lower");
    std::fflush(stdout);
}

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    const auto n = v.size();
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/// Lines for `field` per handshake of each end, and of both if `both`.
template <class Field>
void per_end(rows& out, const std::string& name, const bench::handshake_figures& f, bool both, Field field)
{
    const auto per = [&](const bench::end_totals& e) {
        return static_cast<double>(field(e)) / static_cast<double>(f.handshakes);
    };
    if (both)
        out.push_back({name + " both ends", per(f.client) + per(f.server), better::lower});
    out.push_back({name + " client", per(f.client), better::lower});
    out.push_back({name + " server", per(f.server), better::lower});
}

rows handshake_rows(const std::string& name, const bench::handshake_figures& f)
{
    rows out{{name + " handshakes/s", static_cast<double>(f.handshakes) / f.wall_s, better::higher}};
    per_end(out, name + " cpu_us/handshake", f, true,
            [](const bench::end_totals& e) { return static_cast<double>(e.cpu_ns) / 1e3; });
    per_end(out, name + " allocs/handshake", f, true, [](const bench::end_totals& e) { return e.allocs; });
    per_end(out, name + " writes/handshake", f, false, [](const bench::end_totals& e) { return e.writes; });
    return out;
}

rows bulk_rows(const std::string& name, const bench::bulk_figures& f)
{
    const auto ns = [](const bench::end_totals& e, std::uint64_t bytes) {
        return static_cast<double>(e.cpu_ns) / static_cast<double>(bytes);
    };
    constexpr double record = 16384;
    const double allocs = static_cast<double>(f.sender.allocs) / (static_cast<double>(f.sent) / record) +
                          static_cast<double>(f.receiver.allocs) / (static_cast<double>(f.received) / record);
    return {
        {name + " MiB/s", f.mib_per_s, better::higher},
        {name + " cpu_ns/byte both ends", ns(f.sender, f.sent) + ns(f.receiver, f.received), better::lower},
        {name + " cpu_ns/byte sender", ns(f.sender, f.sent), better::lower},
        {name + " cpu_ns/byte receiver", ns(f.receiver, f.received), better::lower},
        {name + " allocs/record both ends", allocs, better::lower},
    };
}

/// A figure's medians, one per provider and asio::ssl's last.
struct result {
    std::string name;
    std::vector<double> values;
    better direction;
};

struct runner {
    const options& o;
    watchdog& dog;
    std::vector<result> results;
    /// CPU ns per byte, both ends, of the bulk connection without TLS; 0
    /// until measured.
    double tcp_floor_ns = 0;

    bool wanted(const std::string& prefix) const { return prefix.starts_with(o.only) || o.only.starts_with(prefix); }

    /// mtls's configurations, one per provider, for suite `s`.
    std::vector<mtls_lib::config> mtls_configs(const bench::suite_choice& s) const
    {
        std::vector<mtls_lib::config> out;
        for (const auto p : o.providers)
            out.push_back(mtls_lib::make_config(o.certs, s, p));
        return out;
    }

    /// Runs `measure(column)` for every column (one per provider, then
    /// asio::ssl) and repeat, the columns taking turns so that each sees the
    /// same drift in the machine's load, and prints each row's medians.
    template <class Measure>
    void figure(const std::string& what, double expected_s, Measure measure)
    {
        const std::size_t columns = o.providers.size() + 1;
        std::vector<std::vector<rows>> samples(columns);
        for (int r = 0; r < o.repeats; ++r) {
            for (std::size_t c = 0; c < columns; ++c) {
                dog.arm(what, 60 + 10 * expected_s);
                samples[c].push_back(measure(c));
            }
        }
        for (std::size_t i = 0; i < samples[0][0].size(); ++i) {
            std::vector<double> values;
            for (const auto& column : samples) {
                std::vector<double> repeats;
                for (const auto& sample : column)
                    repeats.push_back(sample.at(i).value);
                values.push_back(median(repeats));
            }
            const row& first = samples[0][0][i];
            line(first.name, values, first.direction);
            results.push_back({first.name, values, first.direction});
        }
    }

    void handshakes(const bench::suite_choice& s, bool resume)
    {
        const std::string name = std::string(bench::version_label(s.version)) + (resume ? " resumed" : " full");
        if (!wanted(name))
            return;
        auto mc = mtls_configs(s);
        auto ac = asio_ssl_lib::make_config(o.certs, s);
        figure(name, 1.25 * o.seconds, [&](std::size_t c) {
            return handshake_rows(name, c < mc.size()
                                            ? bench::measure_handshakes<mtls_lib>(mc[c], s, resume, o.seconds)
                                            : bench::measure_handshakes<asio_ssl_lib>(ac, s, resume, o.seconds));
        });
    }

    /// What loopback TCP alone costs per byte, sender and receiver, under
    /// every bulk figure: the median of `repeats` runs, on a line of its own.
    void tcp_floor()
    {
        if (!wanted("tls13 bulk") && !wanted("tls12 bulk"))
            return;
        std::vector<double> samples;
        for (int r = 0; r < o.repeats; ++r) {
            dog.arm("tcp floor", 60 + 10 * (1.25 * o.seconds + 0.5));
            const auto f = bench::measure_tcp_bulk(o.seconds);
            samples.push_back(static_cast<double>(f.sender.cpu_ns) / static_cast<double>(f.sent) +
                              static_cast<double>(f.receiver.cpu_ns) / static_cast<double>(f.received));
        }
        tcp_floor_ns = median(samples);
        std::printf("floor tcp bulk, no TLS, cpu_ns/byte both ends %.3f\n", tcp_floor_ns);
    }

    void bulk(const bench::suite_choice& s)
    {
        const std::string name = std::string(bench::version_label(s.version)) + " bulk " + std::string(s.label);
        if (!wanted(name))
            return;
        auto mc = mtls_configs(s);
        auto ac = asio_ssl_lib::make_config(o.certs, s);
        figure(name, 1.25 * o.seconds + 0.5, [&](std::size_t c) {
            return bulk_rows(name, c < mc.size() ? bench::measure_bulk<mtls_lib>(mc[c], s, o.seconds)
                                                 : bench::measure_bulk<asio_ssl_lib>(ac, s, o.seconds));
        });
    }

    void heap(const bench::suite_choice& s)
    {
        const std::string version(bench::version_label(s.version));
        auto mc = mtls_configs(s);
        auto ac = asio_ssl_lib::make_config(o.certs, s);
        const auto deadline = [&] { return std::chrono::steady_clock::now() + std::chrono::seconds(300); };
        if (const auto name = version + " heap bytes/idle end"; wanted(name)) {
            figure(name, 0.02 * static_cast<double>(o.connections), [&](std::size_t c) {
                return rows{{name,
                             c < mc.size() ? bench::idle_heap_per_end<mtls_lib>(mc[c], o.connections, deadline())
                                           : bench::idle_heap_per_end<asio_ssl_lib>(ac, o.connections, deadline()),
                             better::lower}};
            });
        }
        if (const auto name = version + " heap bytes/conn before ClientHello"; wanted(name)) {
            figure(name, 1, [&](std::size_t c) {
                return rows{{name,
                             c < mc.size() ? bench::pre_hello_heap<mtls_lib>(mc[c], o.connections, deadline())
                                           : bench::pre_hello_heap<asio_ssl_lib>(ac, o.connections, deadline()),
                             better::lower}};
            });
        }
    }

    void scaling(const bench::suite_choice& s)
    {
        auto mc = mtls_configs(s);
        auto ac = asio_ssl_lib::make_config(o.certs, s);
        // 1, 2, 4, ... and the largest count itself.
        for (unsigned t = 1; t <= o.threads; t = t == o.threads ? t + 1 : std::min(2 * t, o.threads)) {
            const auto name = std::string(bench::version_label(s.version)) + " full handshakes/s " + std::to_string(t) +
                              (t == 1 ? " thread" : " threads");
            if (!wanted(name))
                continue;
            figure(name, o.seconds, [&](std::size_t c) {
                return rows{{name,
                             c < mc.size() ? bench::handshakes_per_second<mtls_lib>(mc[c], t, o.seconds)
                                           : bench::handshakes_per_second<asio_ssl_lib>(ac, t, o.seconds),
                             better::higher}};
            });
        }
    }

    /// Issue 14's goals: mtls over OpenSSL moves bulk data at least 1.5
    /// times, and makes full handshakes at least 1.2 times, as fast as
    /// asio::ssl. One line per figure that measures either, as speed-ups
    /// over asio::ssl (for CPU figures, asio::ssl's CPU over mtls's).
    void goals() const
    {
        for (const auto& r : results) {
            const bool bulk = r.name.find(" bulk ") != std::string::npos &&
                              (r.name.ends_with(" MiB/s") || r.name.ends_with(" cpu_ns/byte both ends"));
            const bool handshake = r.name.find(" full handshakes/s") != std::string::npos ||
                                   r.name.ends_with(" full cpu_us/handshake both ends");
            if (!bulk && !handshake)
                continue;
            const double target = bulk ? 1.5 : 1.2;
            std::printf("goal %-44s", r.name.c_str());
            std::string verdict;
            for (std::size_t i = 0; i < o.providers.size(); ++i) {
                const double mine = r.values[i];
                const double asio = r.values.back();
                const double speedup = r.direction == better::higher ? mine / asio : asio / mine;
                std::printf(" %s=%.3fx", std::string(mtls::to_string(o.providers[i])).c_str(), speedup);
                if (o.providers[i] == mtls::crypto_provider::openssl)
                    verdict = speedup >= target ? "met" : "not met";
            }
            std::printf("  target %.1fx%s%s", target, verdict.empty() ? "" : ": ", verdict.c_str());
            // Bulk CPU less the TCP floor: what TLS itself costs each library.
            if (bulk && r.direction == better::lower && tcp_floor_ns > 0) {
                std::printf("  (TLS alone, over the tcp floor:");
                for (std::size_t i = 0; i < o.providers.size(); ++i)
                    std::printf(" %s=%.3fx", std::string(mtls::to_string(o.providers[i])).c_str(),
                                (r.values.back() - tcp_floor_ns) / (r.values[i] - tcp_floor_ns));
                std::printf(")");
            }
            std::printf("\n");
        }
        std::fflush(stdout);
    }
};

/// Fails unless heap_counter.cpp's malloc is the one the C library calls:
/// without it every heap figure would read 0.
void check_heap_counter(const char* text)
{
    const auto before = bench::heap::bytes_in_use();
    char* copy = strdup(text);
    const bool counted = copy != nullptr && bench::heap::bytes_in_use() > before;
    std::free(copy);
    if (!counted)
        fail("the C allocator is not the counting one (a static or sanitizer build?)");
}

} // namespace

int main(int argc, char** argv)
{
    const auto o = parse_options(argc, argv);
    check_heap_counter(argv[0]);
    std::string providers;
    for (const auto p : o.providers)
        providers += (providers.empty() ? "" : " and ") + std::string(mtls::to_string(p));
    std::printf("# mtls_bench_compare: mtls over %s vs boost::asio::ssl::stream over %s, one process; ECDSA P-256 "
                "certificates, mutual authentication, X25519, loopback TCP.\n",
                providers.c_str(), OpenSSL_version(OPENSSL_VERSION));
    std::printf("# Handshake figures: client and server in a thread each, sync calls, one connection after another, "
                "each end timed from making its stream to destroying it (handshake, 32 bytes each way); "
                "writes exclude the one data write; TLS 1.2 and 1.3 resume by ticket. Suite AES-128-GCM.\n");
    std::printf("# Bulk: client writes 64 KiB per call, server reads; CPU per byte per end; allocations per 16 KiB "
                "record. Heap: bytes in use per "
                "end of %zu connections. Scaling: one io_context per thread, client and server in it.\n",
                o.connections);
    std::printf("# %.3g s per figure and library after %.3g s of warm-up; the median of %d run%s per library, "
                "the libraries taking turns.\n",
                o.seconds, o.seconds / 4, o.repeats, o.repeats == 1 ? "" : "s");
    header(o.providers);
    const auto& tls12 = bench::suites[3];
    const auto& tls13 = bench::suites[0];
    try {
        watchdog dog;
        runner r{o, dog, {}};
        for (const auto* s : {&tls12, &tls13}) {
            r.handshakes(*s, false);
            r.handshakes(*s, true);
        }
        r.tcp_floor();
        for (const auto& s : bench::suites)
            r.bulk(s);
        r.heap(tls12);
        r.heap(tls13);
        r.scaling(tls13);
        r.goals();
    } catch (const std::exception& e) {
        fail(e.what());
    }
}
