// mtls_bench_aead: CPU time per byte of each AEAD that mtls's provider
// (mbedTLS 2.28) offers for records, sealing and opening one 16 KiB record
// (the TLS maximum, RFC 8446 §5.1) in place with a 13-byte TLS 1.2-style AAD,
// through the same mbedTLS calls src/crypto/aead.cpp makes. It is the figure
// behind the `fastest` cipher preference (context::set_cipher_preference) and
// its table in src/handshake/suites.cpp.
//
// Usage: mtls_bench_aead [--seconds N] [--repeats R]
//   --seconds N   measure each sample for N seconds of wall time (default 0.5)
//   --repeats R   samples per figure (default 7); the median is printed with
//                 the lowest and highest sample, so a busy machine shows as
//                 spread
//
// Prints whether mbedTLS uses AES-NI and CLMUL here, then one line per AEAD
// and direction: "<aead> <seal|open> ns_per_byte=... min=... max=...
// ratio_to_aes_128_gcm=...".

#include "measure.hpp"

#include <mbedtls/aesni.h>
#include <mbedtls/chachapoly.h>
#include <mbedtls/gcm.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace {

using mtls::bench::cpu_meter;

constexpr std::size_t record_bytes = 16384;
constexpr std::size_t tag_bytes = 16;

void check(int rc, const char* what)
{
    if (rc != 0)
        throw std::runtime_error(std::string(what) + " failed: " + std::to_string(rc));
}

/// One keyed AEAD: GCM with a 16- or 32-byte AES key, or ChaCha20-Poly1305.
class keyed_aead {
public:
    keyed_aead(std::string_view name, std::size_t key_bytes) : name_(name), chacha_(key_bytes == 0)
    {
        mbedtls_gcm_init(&gcm_);
        mbedtls_chachapoly_init(&chachapoly_);
        std::array<unsigned char, 32> key{};
        for (std::size_t i = 0; i < key.size(); ++i)
            key[i] = static_cast<unsigned char>(i * 7 + 1);
        if (chacha_)
            check(mbedtls_chachapoly_setkey(&chachapoly_, key.data()), "mbedtls_chachapoly_setkey");
        else
            check(mbedtls_gcm_setkey(&gcm_, MBEDTLS_CIPHER_ID_AES, key.data(), static_cast<unsigned>(key_bytes * 8)),
                  "mbedtls_gcm_setkey");
    }
    keyed_aead(const keyed_aead&) = delete;
    keyed_aead& operator=(const keyed_aead&) = delete;
    ~keyed_aead()
    {
        mbedtls_gcm_free(&gcm_);
        mbedtls_chachapoly_free(&chachapoly_);
    }

    std::string_view name() const { return name_; }

    void seal(const unsigned char* nonce, const unsigned char* aad, unsigned char* data, unsigned char* tag)
    {
        if (chacha_)
            check(mbedtls_chachapoly_encrypt_and_tag(&chachapoly_, record_bytes, nonce, aad, 13, data, data, tag),
                  "mbedtls_chachapoly_encrypt_and_tag");
        else
            check(mbedtls_gcm_crypt_and_tag(&gcm_, MBEDTLS_GCM_ENCRYPT, record_bytes, nonce, 12, aad, 13, data, data,
                                            tag_bytes, tag),
                  "mbedtls_gcm_crypt_and_tag");
    }

    void open(const unsigned char* nonce, const unsigned char* aad, unsigned char* data, const unsigned char* tag)
    {
        if (chacha_)
            check(mbedtls_chachapoly_auth_decrypt(&chachapoly_, record_bytes, nonce, aad, 13, tag, data, data),
                  "mbedtls_chachapoly_auth_decrypt");
        else
            check(mbedtls_gcm_auth_decrypt(&gcm_, record_bytes, nonce, 12, aad, 13, tag, tag_bytes, data, data),
                  "mbedtls_gcm_auth_decrypt");
    }

private:
    std::string_view name_;
    bool chacha_;
    mbedtls_gcm_context gcm_;
    mbedtls_chachapoly_context chachapoly_;
};

struct figure {
    double median = 0, low = 0, high = 0;
};

/// Nanoseconds of CPU per byte, sealing or opening: the median of `repeats`
/// samples of `seconds` each, after one warm-up sample.
figure measure(keyed_aead& a, bool sealing, double seconds, int repeats, std::int64_t overhead)
{
    std::vector<unsigned char> data(record_bytes, 0x5a);
    std::array<unsigned char, 12> nonce{};
    std::array<unsigned char, 13> aad{23, 3, 3, 0x40, 0};
    std::array<unsigned char, tag_bytes> tag{};
    // Opening needs a record that authenticates: seal one and keep a copy to
    // restore before each open (the copy is outside the timed call).
    a.seal(nonce.data(), aad.data(), data.data(), tag.data());
    const auto sealed = data;

    std::vector<double> samples;
    for (int r = 0; r <= repeats; ++r) {
        cpu_meter meter;
        mtls::bench::run_for(seconds, [&] {
            if (sealing) {
                meter([&] { a.seal(nonce.data(), aad.data(), data.data(), tag.data()); });
            } else {
                std::copy(sealed.begin(), sealed.end(), data.begin());
                meter([&] { a.open(nonce.data(), aad.data(), data.data(), tag.data()); });
            }
        });
        if (r > 0) // the first sample warms caches and the CPU clock
            samples.push_back(static_cast<double>(meter.ns(overhead)) /
                              static_cast<double>(meter.laps() * record_bytes));
    }
    std::sort(samples.begin(), samples.end());
    return {samples[samples.size() / 2], samples.front(), samples.back()};
}

[[noreturn]] void usage(const std::string& why)
{
    std::fprintf(stderr, "mtls_bench_aead: %s\nusage: mtls_bench_aead [--seconds N] [--repeats R]\n", why.c_str());
    std::exit(2);
}

} // namespace

int main(int argc, char** argv)
{
    double seconds = 0.5;
    int repeats = 7;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (i + 1 >= argc)
            usage("missing value after " + std::string(arg));
        if (arg == "--seconds")
            seconds = std::atof(argv[++i]);
        else if (arg == "--repeats")
            repeats = std::atoi(argv[++i]);
        else
            usage("unknown option " + std::string(arg));
    }
    if (seconds <= 0 || repeats < 1)
        usage("--seconds and --repeats must be positive");

    std::printf("# mbedTLS AEAD, %zu-byte records in place; CPU ns per byte, median of %d samples of %.2f s\n",
                record_bytes, repeats, seconds);
    std::printf("aesni=%s clmul=%s\n", mbedtls_aesni_has_support(MBEDTLS_AESNI_AES) ? "yes" : "no",
                mbedtls_aesni_has_support(MBEDTLS_AESNI_CLMUL) ? "yes" : "no");

    const auto overhead = mtls::bench::clock_overhead_ns();
    keyed_aead aes128("aes_128_gcm", 16);
    keyed_aead aes256("aes_256_gcm", 32);
    keyed_aead chacha("chacha20_poly1305", 0);
    for (bool sealing : {true, false}) {
        double baseline = 0;
        for (keyed_aead* a : {&aes128, &aes256, &chacha}) {
            const auto f = measure(*a, sealing, seconds, repeats, overhead);
            if (a == &aes128)
                baseline = f.median;
            std::printf("%s %s ns_per_byte=%.2f min=%.2f max=%.2f ratio_to_aes_128_gcm=%.2f\n",
                        std::string(a->name()).c_str(), sealing ? "seal" : "open", f.median, f.low, f.high,
                        f.median / baseline);
        }
    }
}
