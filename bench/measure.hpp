#ifndef MTLS_BENCH_MEASURE_HPP
#define MTLS_BENCH_MEASURE_HPP

// What the programs in bench/ measure with: the calling thread's CPU time, a
// meter that sums it over the calls made into one end of a connection, and a
// loop bounded in wall time; and the options they share.

#include <mtls/types.hpp>

#include <errno.h> // program_invocation_short_name (glibc)
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mtls::bench {

/// Prints "<program>: <why>" and exits 1: a figure that cannot be measured
/// as described is not printed at all.
[[noreturn]] inline void fail(const std::string& why)
{
    std::fprintf(stderr, "%s: %s\n", program_invocation_short_name, why.c_str());
    std::exit(1);
}

/// `value` as a number within [low, high]; fails naming the option otherwise.
inline double number(const char* value, double low, double high, const char* what)
{
    char* end = nullptr;
    const double v = std::strtod(value, &end);
    if (*end != '\0' || !(v >= low && v <= high))
        fail(std::string(what) + " wants a number in [" + std::to_string(low) + ", " + std::to_string(high) + "]");
    return v;
}

/// The test PKI's directory: `given` (--certs), else $MTLS_BENCH_CERTS.
inline std::string certs_dir(const std::string& given)
{
    if (!given.empty())
        return given;
    if (const char* dir = std::getenv("MTLS_BENCH_CERTS"); dir && *dir)
        return dir;
    fail("name the test PKI with --certs DIR or MTLS_BENCH_CERTS (make it with bash test/gen_certs.sh DIR)");
}

/// The crypto providers `--provider` names ("mbedtls", "openssl" or "both");
/// fails for one this build lacks.
inline std::vector<mtls::crypto_provider> providers_named(std::string_view name)
{
    std::vector<mtls::crypto_provider> out;
    mtls::crypto_provider p{};
    if (name == "both")
        out = {mtls::crypto_provider::mbedtls, mtls::crypto_provider::openssl};
    else if (mtls::from_string(name, p))
        out = {p};
    else
        fail("--provider wants mbedtls, openssl or both");
    for (const auto q : out)
        if (!mtls::available(q))
            fail("this build has no " + std::string(mtls::to_string(q)) +
                 " provider (configure with -DMTLS_WITH_OPENSSL=ON)");
    return out;
}

/// Without --provider: both when this build has OpenSSL's, else mbedTLS.
inline std::vector<mtls::crypto_provider> default_providers()
{
    return providers_named(mtls::available(mtls::crypto_provider::openssl) ? "both" : "mbedtls");
}

/// Nanoseconds of CPU this thread has used (CLOCK_THREAD_CPUTIME_ID): time the
/// machine spends on other threads and processes is not counted.
inline std::int64_t thread_cpu_ns()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

/// What reading the clock adds to each measured interval: the median of many
/// empty intervals (this clock is a system call, not a vDSO read).
inline std::int64_t clock_overhead_ns()
{
    std::vector<std::int64_t> laps(1001);
    for (auto& lap : laps) {
        const auto start = thread_cpu_ns();
        lap = thread_cpu_ns() - start;
    }
    std::nth_element(laps.begin(), laps.begin() + 500, laps.end());
    return laps[500];
}

/// Sums the thread CPU time spent inside the calls it wraps.
class cpu_meter {
public:
    /// Runs `f()` and adds its CPU time; returns what `f` returns.
    template <class F>
    decltype(auto) operator()(F&& f)
    {
        // The lap ends after the result is built (a returned object included).
        struct lap {
            cpu_meter& meter;
            std::int64_t start = thread_cpu_ns();
            ~lap()
            {
                meter.total_ns_ += thread_cpu_ns() - start;
                ++meter.laps_;
            }
        } timing{*this};
        return std::forward<F>(f)();
    }

    /// The CPU time summed, less `overhead_ns` (clock_overhead_ns) per lap.
    std::int64_t ns(std::int64_t overhead_ns) const
    {
        return std::max<std::int64_t>(0, total_ns_ - static_cast<std::int64_t>(laps_) * overhead_ns);
    }
    /// How many calls it has timed.
    std::uint64_t laps() const noexcept { return laps_; }
    void reset() { *this = cpu_meter{}; }

private:
    std::int64_t total_ns_ = 0;
    std::uint64_t laps_ = 0;
};

/// Calls `f()` until `seconds` of wall time have passed, at least once;
/// returns how many times it was called.
template <class F>
std::uint64_t run_for(double seconds, F&& f)
{
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    std::uint64_t calls = 0;
    do {
        f();
        ++calls;
    } while (std::chrono::steady_clock::now() < deadline);
    return calls;
}

} // namespace mtls::bench

#endif
