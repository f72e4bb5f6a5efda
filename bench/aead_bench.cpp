// mtls_bench_aead: CPU time per byte of each AEAD that mtls's crypto
// providers (mbedTLS 2.28, OpenSSL 3's libcrypto) offer for records, sealing
// and opening one 16 KiB record (the TLS maximum, RFC 8446 §5.1) in place
// with a 13-byte TLS 1.2-style AAD, through the provider's make_aead
// (src/crypto/provider.hpp), as mtls's record layer does. For
// mbedTLS it is the figure behind the `fastest` cipher preference
// (context::set_cipher_preference) and its table in src/crypto/aead_speed.hpp.
//
// Usage: mtls_bench_aead [--seconds N] [--repeats R] [--provider P]
//   --seconds N   measure each sample for N seconds of wall time (default 0.5)
//   --repeats R   samples per figure (default 7); the median is printed with
//                 the lowest and highest sample, so a busy machine shows as
//                 spread
//   --provider P  mbedtls, openssl or both (default: both when this build
//                 has OpenSSL's)
//
// Prints whether mbedTLS uses AES-NI and CLMUL here, then one line per
// provider, AEAD and direction: "<provider> <aead> <seal|open>
// ns_per_byte=... min=... max=... ratio_to_aes_128_gcm=..." and, when both
// providers run, "ratio_to_mbedtls=..." on OpenSSL's lines.

#include "measure.hpp"

#include "crypto/aead.hpp"
#include "crypto/provider.hpp"

#include <mtls/types.hpp>

#include <mbedtls/aesni.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

using mtls::bench::cpu_meter;
using mtls::bench::fail;
namespace crypto = mtls::crypto;

constexpr std::size_t record_bytes = 16384;

struct aead_choice {
    std::string_view name;
    crypto::aead_alg alg;
};

constexpr std::array<aead_choice, 3> aeads{{
    {"aes_128_gcm", crypto::aead_alg::aes_128_gcm},
    {"aes_256_gcm", crypto::aead_alg::aes_256_gcm},
    {"chacha20_poly1305", crypto::aead_alg::chacha20_poly1305},
}};

/// `alg` keyed by provider `p` with a fixed key.
std::unique_ptr<crypto::aead_impl> keyed(const crypto::provider& p, crypto::aead_alg alg)
{
    std::array<std::byte, 32> key{};
    for (std::size_t i = 0; i < key.size(); ++i)
        key[i] = static_cast<std::byte>(i * 7 + 1);
    return p.make_aead(alg, crypto::bytes_view(key).first(crypto::aead_key_size(alg)));
}

struct figure {
    double median = 0, low = 0, high = 0;
};

/// Nanoseconds of CPU per byte, sealing or opening: the median of `repeats`
/// samples of `seconds` each, after one warm-up sample.
figure measure(crypto::aead_impl& a, bool sealing, double seconds, int repeats, std::int64_t overhead)
{
    std::vector<std::byte> data(record_bytes, std::byte{0x5a});
    const std::array<std::byte, crypto::aead_nonce_size> nonce{};
    const std::array<std::byte, 13> aad{std::byte{23}, std::byte{3}, std::byte{3}, std::byte{0x40}};
    std::array<std::byte, crypto::aead_tag_size> tag{};
    // Opening needs a record that authenticates: seal one and keep a copy to
    // restore before each open (the copy is outside the timed call).
    a.seal(nonce, aad, data, tag);
    const auto sealed = data;

    std::vector<double> samples;
    for (int r = 0; r <= repeats; ++r) {
        cpu_meter meter;
        bool authentic = true;
        mtls::bench::run_for(seconds, [&] {
            if (sealing) {
                meter([&] { a.seal(nonce, aad, data, tag); });
            } else {
                std::copy(sealed.begin(), sealed.end(), data.begin());
                authentic = meter([&] { return a.open(nonce, aad, data, tag); }) && authentic;
            }
        });
        if (!authentic)
            throw std::runtime_error("a sealed record did not open");
        if (r > 0) // the first sample warms caches and the CPU clock
            samples.push_back(static_cast<double>(meter.ns(overhead)) /
                              static_cast<double>(meter.laps() * record_bytes));
    }
    std::sort(samples.begin(), samples.end());
    return {samples[samples.size() / 2], samples.front(), samples.back()};
}

struct options {
    double seconds = 0.5;
    int repeats = 7;
    std::vector<mtls::crypto_provider> providers;
};

options parse_options(int argc, char** argv)
{
    options o;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (i + 1 >= argc)
            fail("usage: mtls_bench_aead [--seconds N] [--repeats R] [--provider mbedtls|openssl|both]");
        const char* value = argv[++i];
        // Bounded: a figure is a measurement, not a soak test.
        if (arg == "--seconds")
            o.seconds = mtls::bench::number(value, 0.01, 60, "--seconds");
        else if (arg == "--repeats")
            o.repeats = static_cast<int>(mtls::bench::number(value, 1, 101, "--repeats"));
        else if (arg == "--provider")
            o.providers = mtls::bench::providers_named(value);
        else
            fail("unknown option " + std::string(arg));
    }
    if (o.providers.empty())
        o.providers = mtls::bench::default_providers();
    return o;
}

} // namespace

int main(int argc, char** argv)
{
    const auto o = parse_options(argc, argv);
    std::printf("# AEAD through each provider's make_aead, %zu-byte records in place; CPU ns per byte, median of %d "
                "samples of %.2f s\n",
                record_bytes, o.repeats, o.seconds);
    std::printf("aesni=%s clmul=%s\n", mbedtls_aesni_has_support(MBEDTLS_AESNI_AES) ? "yes" : "no",
                mbedtls_aesni_has_support(MBEDTLS_AESNI_CLMUL) ? "yes" : "no");

    const auto overhead = mtls::bench::clock_overhead_ns();
    std::map<std::pair<bool, std::string_view>, double> mbedtls_medians;
    try {
        for (const auto id : o.providers) {
            const crypto::provider& p = crypto::get_provider(id);
            const std::string provider_name(mtls::to_string(id));
            for (bool sealing : {true, false}) {
                double baseline = 0;
                for (const auto& choice : aeads) {
                    if (!p.supports(choice.alg)) {
                        std::printf("%s %s %s unsupported\n", provider_name.c_str(), std::string(choice.name).c_str(),
                                    sealing ? "seal" : "open");
                        continue;
                    }
                    const auto a = keyed(p, choice.alg);
                    const auto f = measure(*a, sealing, o.seconds, o.repeats, overhead);
                    if (choice.alg == crypto::aead_alg::aes_128_gcm)
                        baseline = f.median;
                    std::printf("%s %s %s ns_per_byte=%.2f min=%.2f max=%.2f ratio_to_aes_128_gcm=%.2f",
                                provider_name.c_str(), std::string(choice.name).c_str(), sealing ? "seal" : "open",
                                f.median, f.low, f.high, baseline > 0 ? f.median / baseline : 0.0);
                    const auto key = std::make_pair(sealing, choice.name);
                    if (id == mtls::crypto_provider::mbedtls)
                        mbedtls_medians[key] = f.median;
                    else if (mbedtls_medians.contains(key))
                        std::printf(" ratio_to_mbedtls=%.3f", f.median / mbedtls_medians[key]);
                    std::printf("\n");
                    std::fflush(stdout);
                }
            }
        }
    } catch (const std::exception& e) {
        fail(e.what());
    }
}
