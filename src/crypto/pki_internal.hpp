#ifndef MTLS_SRC_CRYPTO_PKI_INTERNAL_HPP
#define MTLS_SRC_CRYPTO_PKI_INTERNAL_HPP

// mbedTLS glue shared by the .cpp files behind pki.hpp (keys.cpp,
// certificate.cpp, host_names.cpp, trust_store.cpp, crl.cpp,
// provider_keys.cpp). Only src/crypto includes it.

#include "mbedtls_rng.hpp"
#include "pki.hpp"

#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crl.h>
#include <mbedtls/x509_crt.h>

#include <string>
#include <string_view>
#include <vector>

namespace mtls::crypto {

struct crl_list::state {
    mbedtls_x509_crl chain; // version == 0 while empty

    state() noexcept { mbedtls_x509_crl_init(&chain); }
    state(const state&) = delete;
    state& operator=(const state&) = delete;
    ~state() { mbedtls_x509_crl_free(&chain); }

    // Parses into `chain`. mbedTLS keeps the CRLs before one that fails, so
    // callers parse into a scratch state first.
    int parse(bytes_view data, file_format fmt);
    // Appends copies of every CRL of `from`, already parsed once.
    void append(const state& from);
    std::size_t count() const noexcept;
};

} // namespace mtls::crypto

namespace mtls::crypto::detail {

/// What public_key_operations() reports, per thread (engines run on one).
inline thread_local std::uint64_t public_key_operation_count = 0;
/// What provider_signature_checks() reports, per thread.
inline thread_local std::uint64_t provider_signature_check_count = 0;

inline bytes_view view(const mbedtls_x509_buf& b) noexcept
{
    return {reinterpret_cast<const std::byte*>(b.p), b.len};
}

// PEM parsers of mbedTLS want a NUL-terminated buffer whose length counts the
// NUL. The copy may hold a private key, so it wipes itself.
class pem_buffer {
public:
    explicit pem_buffer(bytes_view data);
    pem_buffer(const pem_buffer&) = delete;
    pem_buffer& operator=(const pem_buffer&) = delete;
    ~pem_buffer();

    const unsigned char* data() const noexcept { return buf_.data(); }
    std::size_t size() const noexcept { return buf_.size(); }

private:
    std::vector<unsigned char> buf_;
};

bool looks_like_pem(bytes_view data) noexcept;
/// The likely mistake when a format is named for input of the other one:
/// pem_loaded_as_der or not_pem; nothing when they agree.
error_code format_mismatch(bytes_view data, file_format fmt) noexcept;

/// private_key::parse into `pk`, with a bound on the PBKDF2 or PKCS#12
/// iteration count an encrypted key may ask for (fuzz_pkcs8 lowers it).
error_code parse_private_key(mbedtls_pk_context& pk, bytes_view data, file_format fmt, std::string_view password,
                             unsigned max_iterations);

key_type type_of(const mbedtls_pk_context& pk) noexcept;

/// Re-types the key of every certificate of `chain` so that
/// mbedtls_x509_crt_verify checks the certificate and CRL signatures made
/// under it with `p` (provider_keys.cpp). For a provider other than mbedTLS.
void use_provider_keys(const provider& p, mbedtls_x509_crt& chain);

/// An mbedTLS certificate chain that frees itself.
struct owned_chain {
    mbedtls_x509_crt crt; // version == 0 while empty

    owned_chain() noexcept { mbedtls_x509_crt_init(&crt); }
    owned_chain(const owned_chain&) = delete;
    owned_chain& operator=(const owned_chain&) = delete;
    ~owned_chain() { mbedtls_x509_crt_free(&crt); }
};

/// The scheme's row, when `k` is of the family that makes its signatures.
const scheme_row* usable_scheme(signature_scheme s, key_type k) noexcept;

mbedtls_md_type_t md_type(hash_alg a) noexcept;

/// A distinguished name as text, e.g. "CN=client, O=mtls test".
std::string dn_text(const mbedtls_x509_name& dn);

/// certificate::matches_host on an mbedTLS certificate.
bool crt_matches_host(const mbedtls_x509_crt& crt, std::string_view host);

/// The bytes of the file at `path`; an errno code when it cannot be read.
error_code read_whole_file(const std::string& path, std::vector<std::byte>& out);

/// The regular files in `dir` (not its subdirectories), in no given order.
error_code regular_files(const std::string& dir, std::vector<std::string>& out);

/// certificate::describe on an mbedTLS certificate.
error_code describe(const mbedtls_x509_crt& crt, certificate_info& info);

/// RFC 6125 §6.4.3: whether a DNS name from a certificate (`pattern`, which
/// may start with a "*" label) matches `host` (no trailing dot, no '*').
bool dns_matches(std::string_view pattern, std::string_view host) noexcept;

/// The GeneralName kinds of subjectAltName that mtls reads, by their context
/// tag (RFC 5280 §4.2.1.6). mbedTLS 2.28 keeps each name raw with its tag.
enum class san_kind : int {
    rfc822_name = MBEDTLS_ASN1_CONTEXT_SPECIFIC | 1,
    dns_name = MBEDTLS_ASN1_CONTEXT_SPECIFIC | 2,
    uri = MBEDTLS_ASN1_CONTEXT_SPECIFIC | 6,
    ip_address = MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7,
};

/// Calls `visit(kind, value)` for each subjectAltName of a kind above, in
/// certificate order, until it returns false; returns false if it did.
template <class Visit>
bool for_each_san(const mbedtls_x509_crt& crt, Visit&& visit)
{
    if ((crt.ext_types & MBEDTLS_X509_EXT_SUBJECT_ALT_NAME) == 0)
        return true;
    for (const mbedtls_x509_sequence* s = &crt.subject_alt_names; s != nullptr; s = s->next) {
        switch (static_cast<san_kind>(s->buf.tag)) {
        case san_kind::rfc822_name:
        case san_kind::dns_name:
        case san_kind::uri:
        case san_kind::ip_address:
            if (!visit(static_cast<san_kind>(s->buf.tag), view(s->buf)))
                return false;
            break;
        default: break; // otherName, directoryName, ...: not read
        }
    }
    return true;
}

} // namespace mtls::crypto::detail

#endif
