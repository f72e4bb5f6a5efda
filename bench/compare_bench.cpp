// mtls_bench_compare: mtls against boost::asio::ssl::stream over OpenSSL 3,
// in one process and one run, with the same certificates (the test PKI's
// ECDSA P-256 server and client certificates, mutual authentication required
// by the server, the client checking the server's name), the same key
// exchange (X25519), the same suite per figure and the same transport
// (loopback TCP, TCP_NODELAY, a wrapper counting write_some calls).
//
// Usage: mtls_bench_compare [--seconds N] [--quick] [--certs DIR]
//                           [--connections N] [--threads N] [--only PREFIX]
//   --seconds N      measure each timed figure for N seconds of wall time
//                    per library, after a warm-up of a quarter of that
//                    (default 1: a whole run takes about a minute)
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
//
// Prints one line per figure: its name, the mtls value, the asio::ssl value,
// the ratio mtls / asio::ssl, and which direction is better.

#include "compare_async.hpp"
#include "compare_libs.hpp"
#include "compare_sync.hpp"
#include "heap_counter.hpp"

#include <openssl/crypto.h>

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
                 "[--only PREFIX]");
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
        else
            fail("unknown option " + std::string(arg));
    }
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

/// Whole numbers from 100 up, three significant digits below.
std::string value_text(double v)
{
    char text[32];
    std::snprintf(text, sizeof text, v >= 100 ? "%.0f" : "%.3g", v);
    return text;
}

void line(const std::string& name, double mtls_value, double asio_value, better b)
{
    char ratio[32] = "-";
    if (asio_value != 0)
        std::snprintf(ratio, sizeof ratio, "%.3f", mtls_value / asio_value);
    std::printf("%-44s %12s %12s %9s  %s is better\n", name.c_str(), value_text(mtls_value).c_str(),
                value_text(asio_value).c_str(), ratio, b == better::higher ? "higher" : "lower");
    std::fflush(stdout);
}

struct runner {
    const options& o;
    watchdog& dog;

    bool wanted(const std::string& prefix) const { return prefix.starts_with(o.only) || o.only.starts_with(prefix); }
    /// Arms the watchdog for one library's share of a figure.
    void arm(const std::string& what, double expected_s) { dog.arm(what, 60 + 10 * expected_s); }

    void handshakes(const bench::suite_choice& s, bool resume)
    {
        const std::string name = std::string(bench::version_label(s.version)) + (resume ? " resumed" : " full");
        if (!wanted(name))
            return;
        auto mc = mtls_lib::make_config(o.certs, s);
        auto ac = asio_ssl_lib::make_config(o.certs, s);
        arm(name, 1.25 * o.seconds);
        const auto m = bench::measure_handshakes<mtls_lib>(mc, s, resume, o.seconds);
        arm(name, 1.25 * o.seconds);
        const auto a = bench::measure_handshakes<asio_ssl_lib>(ac, s, resume, o.seconds);
        line(name + " handshakes/s", static_cast<double>(m.handshakes) / m.wall_s,
             static_cast<double>(a.handshakes) / a.wall_s, better::higher);
        per_end(name + " cpu_us/handshake", m, a, true,
                [](const bench::end_totals& e) { return static_cast<double>(e.cpu_ns) / 1e3; });
        per_end(name + " allocs/handshake", m, a, true, [](const bench::end_totals& e) { return e.allocs; });
        per_end(name + " writes/handshake", m, a, false, [](const bench::end_totals& e) { return e.writes; });
    }

    /// Lines for `field` per handshake of each end, and of both if `both`.
    template <class Field>
    static void per_end(const std::string& name, const bench::handshake_figures& m, const bench::handshake_figures& a,
                        bool both, Field field)
    {
        const auto per = [&](const bench::handshake_figures& f, const bench::end_totals& e) {
            return static_cast<double>(field(e)) / static_cast<double>(f.handshakes);
        };
        if (both)
            line(name + " both ends", per(m, m.client) + per(m, m.server), per(a, a.client) + per(a, a.server),
                 better::lower);
        line(name + " client", per(m, m.client), per(a, a.client), better::lower);
        line(name + " server", per(m, m.server), per(a, a.server), better::lower);
    }

    void bulk(const bench::suite_choice& s)
    {
        const std::string name = std::string(bench::version_label(s.version)) + " bulk " + std::string(s.label);
        if (!wanted(name))
            return;
        auto mc = mtls_lib::make_config(o.certs, s);
        auto ac = asio_ssl_lib::make_config(o.certs, s);
        arm(name, 1.25 * o.seconds + 0.5);
        const auto m = bench::measure_bulk<mtls_lib>(mc, s, o.seconds);
        arm(name, 1.25 * o.seconds + 0.5);
        const auto a = bench::measure_bulk<asio_ssl_lib>(ac, s, o.seconds);
        line(name + " MiB/s", m.mib_per_s, a.mib_per_s, better::higher);
        const auto ns = [](const bench::end_totals& e, std::uint64_t bytes) {
            return static_cast<double>(e.cpu_ns) / static_cast<double>(bytes);
        };
        line(name + " cpu_ns/byte sender", ns(m.sender, m.sent), ns(a.sender, a.sent), better::lower);
        line(name + " cpu_ns/byte receiver", ns(m.receiver, m.received), ns(a.receiver, a.received), better::lower);
        const auto per_record = [](const bench::bulk_figures& f) {
            constexpr double record = 16384;
            return static_cast<double>(f.sender.allocs) / (static_cast<double>(f.sent) / record) +
                   static_cast<double>(f.receiver.allocs) / (static_cast<double>(f.received) / record);
        };
        line(name + " allocs/record both ends", per_record(m), per_record(a), better::lower);
    }

    void heap(const bench::suite_choice& s)
    {
        const std::string version(bench::version_label(s.version));
        auto mc = mtls_lib::make_config(o.certs, s);
        auto ac = asio_ssl_lib::make_config(o.certs, s);
        const auto deadline = [&] { return std::chrono::steady_clock::now() + std::chrono::seconds(300); };
        const double expected = 0.02 * static_cast<double>(o.connections);
        if (const auto name = version + " heap bytes/idle end"; wanted(name)) {
            arm(name, expected);
            const auto m = bench::idle_heap_per_end<mtls_lib>(mc, o.connections, deadline());
            arm(name, expected);
            const auto a = bench::idle_heap_per_end<asio_ssl_lib>(ac, o.connections, deadline());
            line(name, m, a, better::lower);
        }
        if (const auto name = version + " heap bytes/conn before ClientHello"; wanted(name)) {
            arm(name, 1);
            const auto m = bench::pre_hello_heap<mtls_lib>(mc, o.connections, deadline());
            arm(name, 1);
            const auto a = bench::pre_hello_heap<asio_ssl_lib>(ac, o.connections, deadline());
            line(name, m, a, better::lower);
        }
    }

    void scaling(const bench::suite_choice& s)
    {
        auto mc = mtls_lib::make_config(o.certs, s);
        auto ac = asio_ssl_lib::make_config(o.certs, s);
        // 1, 2, 4, ... and the largest count itself.
        for (unsigned t = 1; t <= o.threads; t = t == o.threads ? t + 1 : std::min(2 * t, o.threads)) {
            const auto name = std::string(bench::version_label(s.version)) + " full handshakes/s " + std::to_string(t) +
                              (t == 1 ? " thread" : " threads");
            if (!wanted(name))
                continue;
            arm(name, o.seconds);
            const auto m = bench::handshakes_per_second<mtls_lib>(mc, t, o.seconds);
            arm(name, o.seconds);
            const auto a = bench::handshakes_per_second<asio_ssl_lib>(ac, t, o.seconds);
            line(name, m, a, better::higher);
        }
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
    std::printf("# mtls_bench_compare: mtls vs boost::asio::ssl::stream over %s, one process; ECDSA P-256 "
                "certificates, mutual authentication, X25519, loopback TCP.\n",
                OpenSSL_version(OPENSSL_VERSION));
    std::printf("# Handshake figures: client and server in a thread each, sync calls, one connection after another, "
                "each end timed from making its stream to destroying it (handshake, 32 bytes each way); "
                "writes exclude the one data write; TLS 1.2 and 1.3 resume by ticket. Suite AES-128-GCM.\n");
    std::printf("# Bulk: client writes 64 KiB per call, server reads; CPU per byte per end; allocations per 16 KiB "
                "record. Heap: bytes in use per "
                "end of %zu connections. Scaling: one io_context per thread, client and server in it.\n",
                o.connections);
    std::printf("# %.3g s per figure and library after %.3g s of warm-up.\n", o.seconds, o.seconds / 4);
    std::printf("%-44s %12s %12s %9s  %s\n", "# figure", "mtls", "asio::ssl", "mtls/asio", "direction");
    std::fflush(stdout);
    const auto& tls12 = bench::suites[3];
    const auto& tls13 = bench::suites[0];
    try {
        watchdog dog;
        runner r{o, dog};
        for (const auto* s : {&tls12, &tls13}) {
            r.handshakes(*s, false);
            r.handshakes(*s, true);
        }
        for (const auto& s : bench::suites)
            r.bulk(s);
        r.heap(tls12);
        r.heap(tls13);
        r.scaling(tls13);
    } catch (const std::exception& e) {
        fail(e.what());
    }
}
