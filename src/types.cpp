#include <mtls/types.hpp>

#include "crypto/vocabulary.hpp"
#include "enum_check.hpp"

namespace mtls {
namespace {

// Each enumerator of the 16-bit vocabularies is listed once here, and the
// compiler makes the lists whole: a switch on an enumeration without a default
// that misses an enumerator is an error in this file (-Wswitch). Trying every
// 16-bit value as detail::is_enumerator does for 8-bit ones costs too much
// compile time.
#pragma GCC diagnostic push
#pragma GCC diagnostic error "-Wswitch"

constexpr bool listed(tls_version v) noexcept
{
    switch (v) {
    case tls_version::tls12:
    case tls_version::tls13: return true;
    }
    return false;
}

constexpr bool listed(cipher_suite s) noexcept
{
    switch (s) {
    case cipher_suite::tls_aes_128_gcm_sha256:
    case cipher_suite::tls_aes_256_gcm_sha384:
    case cipher_suite::tls_chacha20_poly1305_sha256:
    case cipher_suite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256:
    case cipher_suite::tls_ecdhe_ecdsa_with_aes_256_gcm_sha384:
    case cipher_suite::tls_ecdhe_rsa_with_aes_128_gcm_sha256:
    case cipher_suite::tls_ecdhe_rsa_with_aes_256_gcm_sha384:
    case cipher_suite::tls_ecdhe_rsa_with_chacha20_poly1305_sha256:
    case cipher_suite::tls_ecdhe_ecdsa_with_chacha20_poly1305_sha256: return true;
    }
    return false;
}

constexpr bool listed(named_group g) noexcept
{
    switch (g) {
    case named_group::secp256r1:
    case named_group::secp384r1:
    case named_group::x25519: return true;
    }
    return false;
}

constexpr bool listed(signature_scheme s) noexcept
{
    switch (s) {
    case signature_scheme::rsa_pkcs1_sha256:
    case signature_scheme::rsa_pkcs1_sha384:
    case signature_scheme::rsa_pkcs1_sha512:
    case signature_scheme::ecdsa_secp256r1_sha256:
    case signature_scheme::ecdsa_secp384r1_sha384:
    case signature_scheme::rsa_pss_rsae_sha256:
    case signature_scheme::rsa_pss_rsae_sha384:
    case signature_scheme::rsa_pss_rsae_sha512: return true;
    }
    return false;
}

#pragma GCC diagnostic pop

/// How many values of the 16-bit enumeration `listed` accepts.
template <class E>
constexpr std::size_t listed_count() noexcept
{
    std::size_t n = 0;
    for (std::uint32_t v = 0; v <= 0xFFFF; ++v)
        n += listed(static_cast<E>(v)) ? 1 : 0;
    return n;
}

/// One row per enumerator: rows are distinct enumerators, as many as there are.
template <auto& Table>
constexpr bool one_row_per_enumerator() noexcept
{
    using E = decltype(Table[0].id);
    return detail::rows_are_distinct_enumerators<Table>() && Table.size() == listed_count<E>();
}

static_assert(one_row_per_enumerator<crypto::versions>());
static_assert(one_row_per_enumerator<crypto::suites>());
static_assert(one_row_per_enumerator<crypto::groups>());
static_assert(one_row_per_enumerator<crypto::schemes>());

template <class Row, std::size_t N>
std::string_view name_of(const std::array<Row, N>& table, decltype(Row::id) id) noexcept
{
    const Row* r = crypto::find_row(table, id);
    return r ? r->name : "unknown";
}

template <class Row, std::size_t N>
bool parse(const std::array<Row, N>& table, std::string_view name, decltype(Row::id)& out) noexcept
{
    const Row* r = crypto::find_row(table, name);
    if (r)
        out = r->id;
    return r != nullptr;
}

} // namespace

std::string_view to_string(tls_version v) noexcept
{
    return name_of(crypto::versions, v);
}

std::string_view to_string(cipher_suite s) noexcept
{
    return name_of(crypto::suites, s);
}

std::string_view to_string(named_group g) noexcept
{
    return name_of(crypto::groups, g);
}

std::string_view to_string(signature_scheme s) noexcept
{
    return name_of(crypto::schemes, s);
}

bool from_string(std::string_view name, tls_version& out) noexcept
{
    return parse(crypto::versions, name, out);
}

bool from_string(std::string_view name, cipher_suite& out) noexcept
{
    return parse(crypto::suites, name, out);
}

bool from_string(std::string_view name, named_group& out) noexcept
{
    return parse(crypto::groups, name, out);
}

bool from_string(std::string_view name, signature_scheme& out) noexcept
{
    return parse(crypto::schemes, name, out);
}

} // namespace mtls

namespace mtls {

std::string_view to_string(crypto_provider p) noexcept
{
    switch (p) {
    case crypto_provider::mbedtls: return "mbedtls";
    case crypto_provider::openssl: return "openssl";
    }
    return "unknown";
}

bool from_string(std::string_view name, crypto_provider& out) noexcept
{
    for (const auto p : {crypto_provider::mbedtls, crypto_provider::openssl}) {
        if (to_string(p) == name) {
            out = p;
            return true;
        }
    }
    return false;
}

} // namespace mtls
