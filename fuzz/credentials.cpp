// Test credentials for the fuzz targets, made in-process with mbedTLS: a CA,
// a server and a client certificate, all P-256. The generator is seeded with
// a constant, so every run (and every build) gets the same bytes and a
// recorded flight or a saved crash input replays exactly. Nothing is read
// from disk and no private key is ever committed.

#include "fuzz_support.hpp"

#include <mbedtls/bignum.h>
#include <mbedtls/ecp.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mtls::fuzz {
namespace {

// splitmix64: fine for test keys, and fully reproducible.
int fixed_rng(void* state, unsigned char* out, std::size_t len)
{
    auto& x = *static_cast<std::uint64_t*>(state);
    for (std::size_t i = 0; i < len; ++i) {
        x += 0x9E3779B97F4A7C15u;
        std::uint64_t z = x;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
        out[i] = static_cast<unsigned char>((z ^ (z >> 31)) >> 56);
    }
    return 0;
}

void check(int rc, const char* what)
{
    if (rc != 0)
        throw std::runtime_error(std::string("fuzz credentials: ") + what + " failed");
}

struct pk {
    mbedtls_pk_context ctx;
    pk() { mbedtls_pk_init(&ctx); }
    ~pk() { mbedtls_pk_free(&ctx); }
    pk(const pk&) = delete;
    pk& operator=(const pk&) = delete;
};

void generate_key(pk& key, std::uint64_t& rng)
{
    check(mbedtls_pk_setup(&key.ctx, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)), "pk_setup");
    check(mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(key.ctx), fixed_rng, &rng), "ecp_gen_key");
}

bytes key_der(pk& key)
{
    std::array<unsigned char, 512> buf{};
    const int n = mbedtls_pk_write_key_der(&key.ctx, buf.data(), buf.size());
    check(n < 0 ? n : 0, "pk_write_key_der");
    // mbedtls writes DER at the end of the buffer.
    const auto* begin = reinterpret_cast<const std::byte*>(buf.data() + buf.size() - static_cast<std::size_t>(n));
    return bytes(begin, begin + n);
}

struct cert_spec {
    const char* subject;
    const char* issuer;
    int serial;
    bool ca;
    unsigned char key_usage;
    /// The subjectAltName extension's value (a GeneralNames SEQUENCE); none when empty.
    bytes subject_alt_names = {};
};

bytes issue(const cert_spec& spec, pk& subject_key, pk& issuer_key, std::uint64_t& rng)
{
    mbedtls_x509write_cert crt;
    mbedtls_x509write_crt_init(&crt);
    mbedtls_mpi serial;
    mbedtls_mpi_init(&serial);
    std::array<unsigned char, 2048> buf{};
    int n = 0;
    try {
        mbedtls_x509write_crt_set_version(&crt, MBEDTLS_X509_CRT_VERSION_3);
        mbedtls_x509write_crt_set_md_alg(&crt, MBEDTLS_MD_SHA256);
        check(mbedtls_mpi_lset(&serial, spec.serial), "mpi_lset");
        check(mbedtls_x509write_crt_set_serial(&crt, &serial), "set_serial");
        // Fixed dates far apart: valid whenever the fuzzers run.
        check(mbedtls_x509write_crt_set_validity(&crt, "20200101000000", "20991231235959"), "set_validity");
        check(mbedtls_x509write_crt_set_subject_name(&crt, spec.subject), "set_subject_name");
        check(mbedtls_x509write_crt_set_issuer_name(&crt, spec.issuer), "set_issuer_name");
        mbedtls_x509write_crt_set_subject_key(&crt, &subject_key.ctx);
        mbedtls_x509write_crt_set_issuer_key(&crt, &issuer_key.ctx);
        check(mbedtls_x509write_crt_set_basic_constraints(&crt, spec.ca ? 1 : 0, spec.ca ? 0 : -1),
              "set_basic_constraints");
        check(mbedtls_x509write_crt_set_key_usage(&crt, spec.key_usage), "set_key_usage");
        check(mbedtls_x509write_crt_set_subject_key_identifier(&crt), "set_subject_key_identifier");
        check(mbedtls_x509write_crt_set_authority_key_identifier(&crt), "set_authority_key_identifier");
        if (!spec.subject_alt_names.empty())
            check(mbedtls_x509write_crt_set_extension(
                      &crt, MBEDTLS_OID_SUBJECT_ALT_NAME, MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), 0,
                      reinterpret_cast<const unsigned char*>(spec.subject_alt_names.data()),
                      spec.subject_alt_names.size()),
                  "set_extension");
        n = mbedtls_x509write_crt_der(&crt, buf.data(), buf.size(), fixed_rng, &rng);
        check(n < 0 ? n : 0, "x509write_crt_der");
    } catch (...) {
        mbedtls_mpi_free(&serial);
        mbedtls_x509write_crt_free(&crt);
        throw;
    }
    mbedtls_mpi_free(&serial);
    mbedtls_x509write_crt_free(&crt);
    const auto* begin = reinterpret_cast<const std::byte*>(buf.data() + buf.size() - static_cast<std::size_t>(n));
    return bytes(begin, begin + n);
}

credentials make_credentials()
{
    std::uint64_t rng = 0x6d746c732d66757aULL;
    pk ca_key, server_key, client_key;
    generate_key(ca_key, rng);
    generate_key(server_key, rng);
    generate_key(client_key, rng);

    constexpr const char* ca_name = "CN=mtls fuzz CA";
    credentials c;
    c.ca = issue({ca_name, ca_name, 1, true, MBEDTLS_X509_KU_KEY_CERT_SIGN | MBEDTLS_X509_KU_CRL_SIGN},
                 ca_key, ca_key, rng);
    // No SAN: the host name is checked against the CN (RFC 6125 fallback).
    c.server = issue({"CN=localhost", ca_name, 2, false, MBEDTLS_X509_KU_DIGITAL_SIGNATURE},
                     server_key, ca_key, rng);
    c.client = issue({"CN=mtls fuzz client", ca_name, 3, false, MBEDTLS_X509_KU_DIGITAL_SIGNATURE},
                     client_key, ca_key, rng);
    c.server_key = key_der(server_key);
    c.client_key = key_der(client_key);
    return c;
}

// One GeneralName: context tag `tag` (RFC 5280 §4.2.1.6), primitive.
void general_name(bytes& out, unsigned tag, std::string_view value)
{
    out.push_back(std::byte(static_cast<std::uint8_t>(0x80 | tag)));
    out.push_back(std::byte(static_cast<std::uint8_t>(value.size()))); // short form: under 128 bytes
    for (char ch : value)
        out.push_back(std::byte(static_cast<std::uint8_t>(ch)));
}

} // namespace

const credentials& test_credentials()
{
    static const credentials c = make_credentials();
    return c;
}

bytes certificate_with_names()
{
    std::uint64_t rng = 0x6e616d65732d6675ULL;
    pk key;
    generate_key(key, rng);
    bytes names;
    general_name(names, 2, "names.example.test");
    general_name(names, 7, std::string_view("\xc0\x00\x02\x07", 4));
    general_name(names, 7, std::string_view("\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16));
    general_name(names, 6, "spiffe://example.org/ns/prod/sa/billing");
    general_name(names, 1, "billing@example.test");
    bytes san{std::byte{0x30}, std::byte(static_cast<std::uint8_t>(names.size()))};
    san.insert(san.end(), names.begin(), names.end());
    // Self-signed: fuzz_certificate reads fields and never verifies.
    return issue({"CN=mtls fuzz names", "CN=mtls fuzz names", 4, false, MBEDTLS_X509_KU_DIGITAL_SIGNATURE, san}, key,
                 key, rng);
}

} // namespace mtls::fuzz
