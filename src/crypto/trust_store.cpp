// Trust anchors and chain verification.

#include "pki_internal.hpp"

#include <mbedtls/ecdsa.h>
#include <mbedtls/oid.h>

#include <boost/system/error_code.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <map>
#include <mutex>
#include <utility>

namespace mtls::crypto {

namespace detail {

error_code read_whole_file(const std::string& path, std::vector<std::byte>& out)
{
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr)
        return {errno, boost::system::generic_category()};
    out.clear();
    std::array<std::byte, 4096> chunk;
    std::size_t n = 0;
    while ((n = std::fread(chunk.data(), 1, chunk.size(), f)) != 0)
        out.insert(out.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(n));
    const bool failed = std::ferror(f) != 0;
    std::fclose(f);
    if (failed)
        return {EIO, boost::system::generic_category()};
    return {};
}

error_code regular_files(const std::string& dir, std::vector<std::string>& out)
{
    namespace fs = std::filesystem;
    std::error_code sec;
    out.clear();
    for (fs::directory_iterator it(dir, sec), end; !sec && it != end; it.increment(sec)) {
        std::error_code fec;
        if (it->is_regular_file(fec))
            out.push_back(it->path().string());
    }
    if (sec)
        return {sec.value(), boost::system::system_category()};
    return {};
}

} // namespace detail

namespace {

using detail::crt_matches_host;
using detail::dn_text;
using detail::looks_like_pem;
using detail::pem_buffer;
using detail::read_whole_file;
using detail::u8;
using detail::view;

// mbedtls_x509_crt_verify checks a signature under an id-ecPublicKey key
// (MBEDTLS_PK_ECKEY) by copying the key into a temporary ECDSA context, whose
// base-point table is rebuilt for every signature; under an MBEDTLS_PK_ECDSA
// key it computes in place, and the key's group keeps the table. Same key,
// same checks (mbedTLS accepts either type wherever it takes an EC key).
void ecdsa_typed_keys(mbedtls_x509_crt& chain)
{
    for (mbedtls_x509_crt* c = &chain; c != nullptr && c->version != 0; c = c->next) {
        if (mbedtls_pk_get_type(&c->pk) != MBEDTLS_PK_ECKEY)
            continue;
        mbedtls_pk_context pk;
        mbedtls_pk_init(&pk);
        int rc = mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECDSA));
        if (rc == 0)
            rc = mbedtls_ecdsa_from_keypair(mbedtls_pk_ec(pk), mbedtls_pk_ec(c->pk));
        if (rc == 0)
            std::swap(pk, c->pk);
        mbedtls_pk_free(&pk);
        detail::check(rc);
    }
}

} // namespace

struct trust_store::state {
    mbedtls_x509_crt chain; // version == 0 while empty
    // Verification checks signatures with the anchors' keys, and the first
    // check under an EC anchor caches its base-point table in the key's group
    // (ecdsa_typed_keys): held for the whole of mbedtls_x509_crt_verify.
    mutable std::mutex mutex;
    // For each provider other than mbedTLS that verified with this store:
    // the anchors parsed again with their keys re-typed to check with it
    // (provider_keys.cpp), built on first use under `mutex`, so a handshake
    // parses no anchor. Dropped when an anchor is added.
    std::map<crypto_provider, std::unique_ptr<detail::owned_chain>> provider_chains;

    state() noexcept { mbedtls_x509_crt_init(&chain); }
    state(const state&) = delete;
    state& operator=(const state&) = delete;
    ~state() { mbedtls_x509_crt_free(&chain); }

    // The anchors whose keys check signatures with `p`; call with `mutex` held.
    mbedtls_x509_crt* chain_for(const provider& p)
    {
        if (p.id() == crypto_provider::mbedtls)
            return &chain;
        std::unique_ptr<detail::owned_chain>& slot = provider_chains[p.id()];
        if (!slot) {
            auto copy = std::make_unique<detail::owned_chain>();
            for (const mbedtls_x509_crt* c = &chain; c != nullptr && c->version != 0; c = c->next)
                detail::check(mbedtls_x509_crt_parse_der(&copy->crt, c->raw.p, c->raw.len));
            detail::use_provider_keys(p, copy->crt);
            slot = std::move(copy);
        }
        return &slot->crt;
    }

    std::size_t count() const noexcept
    {
        std::size_t n = 0;
        for (const mbedtls_x509_crt* c = &chain; c != nullptr && c->version != 0; c = c->next)
            ++n;
        return n;
    }
};

trust_store::trust_store() : st_(std::make_unique<state>())
{}
trust_store::trust_store(trust_store&&) noexcept = default;
trust_store& trust_store::operator=(trust_store&&) noexcept = default;
trust_store::~trust_store() = default;

trust_store trust_store::clone() const
{
    trust_store out;
    for (const mbedtls_x509_crt* c = &st_->chain; c != nullptr && c->version != 0; c = c->next)
        detail::check(mbedtls_x509_crt_parse_der(&out.st_->chain, c->raw.p, c->raw.len));
    ecdsa_typed_keys(out.st_->chain);
    return out;
}

void trust_store::add(const certificate& c)
{
    if (c) {
        detail::check(mbedtls_x509_crt_parse_der(&st_->chain, u8(c.der()), c.der().size()));
        ecdsa_typed_keys(st_->chain);
        st_->provider_chains.clear();
    }
}

error_code trust_store::add_file(const std::string& path)
{
    std::vector<std::byte> data;
    if (auto ec = read_whole_file(path, data))
        return ec;
    const std::size_t before = st_->count();
    if (looks_like_pem(data)) {
        // Tolerant, like system bundles need: keep every certificate that
        // parses, fail only when none does.
        const pem_buffer buf(data);
        mbedtls_x509_crt_parse(&st_->chain, buf.data(), buf.size());
    } else if (!data.empty()) {
        mbedtls_x509_crt_parse_der(&st_->chain, u8(bytes_view(data)), data.size());
    }
    ecdsa_typed_keys(st_->chain);
    st_->provider_chains.clear();
    return st_->count() > before ? error_code{} : error_code(error::bad_certificate);
}

error_code trust_store::add_directory(const std::string& dir)
{
    std::vector<std::string> files;
    if (auto ec = detail::regular_files(dir, files))
        return ec;
    const std::size_t before = st_->count();
    // Unreadable or non-certificate files are skipped, as c_rehash'd
    // directories hold other files too.
    for (const std::string& f : files)
        add_file(f);
    return st_->count() > before ? error_code{} : error_code(error::bad_certificate);
}

bool trust_store::empty() const noexcept
{
    return st_->chain.version == 0;
}

std::vector<bytes_view> trust_store::subjects() const
{
    std::vector<bytes_view> out;
    for (const mbedtls_x509_crt* c = &st_->chain; c != nullptr && c->version != 0; c = c->next)
        out.push_back(view(c->subject_raw));
    return out;
}

// --- chain verification ------------------------------------------------------------

namespace {

error_code map_flags(std::uint32_t f) noexcept
{
    if (f == 0)
        return {};
    if (f & MBEDTLS_X509_BADCERT_NOT_TRUSTED)
        return error::certificate_untrusted;
    // Listed by its issuer's CRL: revocation is final, whatever else holds.
    if (f & MBEDTLS_X509_BADCERT_REVOKED)
        return error::certificate_revoked;
    // The issuer's CRL cannot be relied on to say the certificate is not
    // revoked: fail closed, as OpenSSL does with CRL checking on.
    if (f & (MBEDTLS_X509_BADCRL_NOT_TRUSTED | MBEDTLS_X509_BADCRL_BAD_MD | MBEDTLS_X509_BADCRL_BAD_PK |
             MBEDTLS_X509_BADCRL_BAD_KEY))
        return error::crl_untrusted;
    if (f & MBEDTLS_X509_BADCRL_EXPIRED)
        return error::crl_expired;
    if (f & MBEDTLS_X509_BADCRL_FUTURE)
        return error::crl_not_yet_valid;
    if (f & MBEDTLS_X509_BADCERT_EXPIRED)
        return error::certificate_expired;
    if (f & MBEDTLS_X509_BADCERT_FUTURE)
        return error::certificate_not_yet_valid;
    if (f & (MBEDTLS_X509_BADCERT_KEY_USAGE | MBEDTLS_X509_BADCERT_EXT_KEY_USAGE | MBEDTLS_X509_BADCERT_NS_CERT_TYPE))
        return error::certificate_bad_purpose;
    if (f & MBEDTLS_X509_BADCERT_CN_MISMATCH)
        return error::certificate_host_mismatch;
    // Unacceptable hash, key type or key size, or a chain mbedTLS could not
    // complete: there is no acceptable path to an anchor.
    return error::certificate_untrusted;
}

static_assert(max_verify_depth < MBEDTLS_X509_MAX_INTERMEDIATE_CA,
              "a path one intermediate past the verify depth must reach on_certificate");

struct verify_state {
    role peer_role;
    std::string_view host;
    int max_depth; // intermediates allowed between the leaf and the anchor
    const verify_callback* cb;
    error_code first_error; // first failure left standing, anchor first
    std::exception_ptr callback_exception;
};

// Called by mbedTLS for each certificate of the built chain, from the anchor
// down to depth 0. Adds the checks mbedTLS leaves to the TLS layer, then
// lets the user callback decide.
int on_certificate(void* p, mbedtls_x509_crt* crt, int depth, std::uint32_t* flags)
{
    auto& vs = *static_cast<verify_state*>(p);
    if (depth == 0) {
        // RFC 5280 §4.2.1.12: the peer's EKU must allow its role; §4.2.1.3:
        // keyUsage, when present, must allow signing the handshake.
        const bool server = vs.peer_role == role::server;
        const char* oid = server ? MBEDTLS_OID_SERVER_AUTH : MBEDTLS_OID_CLIENT_AUTH;
        const std::size_t oid_len =
            server ? MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH) : MBEDTLS_OID_SIZE(MBEDTLS_OID_CLIENT_AUTH);
        if (mbedtls_x509_crt_check_extended_key_usage(crt, oid, oid_len) != 0)
            *flags |= MBEDTLS_X509_BADCERT_EXT_KEY_USAGE;
        if (mbedtls_x509_crt_check_key_usage(crt, MBEDTLS_X509_KU_DIGITAL_SIGNATURE) != 0)
            *flags |= MBEDTLS_X509_BADCERT_KEY_USAGE;
        if (!vs.host.empty() && !crt_matches_host(*crt, vs.host))
            *flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
    }
    // The anchor sits at depth (intermediates + 1); anything above that many
    // is beyond the verify depth, which counts intermediates as OpenSSL does.
    error_code err;
    if (depth > vs.max_depth + 1) {
        *flags |= MBEDTLS_X509_BADCERT_OTHER;
        err = error::certificate_chain_too_long;
    } else {
        err = map_flags(*flags);
    }
    if (*vs.cb && !vs.callback_exception) {
        try {
            verify_context ctx(depth, view(crt->raw), dn_text(crt->subject), err);
            if ((*vs.cb)(!err, ctx)) {
                *flags = 0; // the callback overrides a failure, as in OpenSSL
                err = {};
            } else if (!err) {
                *flags |= MBEDTLS_X509_BADCERT_OTHER;
                err = error::certificate_rejected;
            }
        } catch (...) {
            // Exceptions must not cross mbedTLS's C frames; rethrown below.
            vs.callback_exception = std::current_exception();
            *flags |= MBEDTLS_X509_BADCERT_OTHER;
            err = error::certificate_rejected;
        }
    }
    if (err && !vs.first_error)
        vs.first_error = err;
    return 0;
}

} // namespace

error_code verify_chain(const provider& p, const std::vector<certificate>& chain, const trust_store& anchors,
                        role peer_role, std::string_view host, const verify_callback& cb, int max_depth,
                        const crl_list* crls)
{
    ++detail::public_key_operation_count;
    if (chain.empty())
        return error::bad_certificate;
    max_depth = std::clamp(max_depth, 0, max_verify_depth);
    detail::owned_chain peer;
    for (const certificate& c : chain) {
        if (!c || mbedtls_x509_crt_parse_der(&peer.crt, u8(c.der()), c.der().size()) != 0)
            return error::bad_certificate;
    }
    // The peer's intermediates sign each other and the leaf: their keys
    // check with `p` too.
    if (p.id() != crypto_provider::mbedtls)
        detail::use_provider_keys(p, peer.crt);

    verify_state vs{peer_role, host, max_depth, &cb, {}, nullptr};
    std::uint32_t flags = 0;
    int rc = 0;
    {
        std::lock_guard lock(anchors.st_->mutex);
        // No anchors: nothing is trusted (mbedTLS flags NOT_TRUSTED).
        mbedtls_x509_crt* ca = anchors.empty() ? nullptr : anchors.st_->chain_for(p);
        // mbedTLS checks each certificate against the CRLs of the parent it
        // chains to (x509_crt_verifycrl per child/parent pair). It only reads
        // them, so the immutable list needs no lock.
        mbedtls_x509_crl* crl = crls != nullptr && crls->size() != 0 ? &crls->st_->chain : nullptr;
        rc = mbedtls_x509_crt_verify_with_profile(&peer.crt, ca, crl, &mbedtls_x509_crt_profile_default, nullptr,
                                                  &flags, on_certificate, &vs);
    }
    if (vs.callback_exception)
        std::rethrow_exception(vs.callback_exception);
    if (rc == 0 && flags == 0)
        return {};
    return vs.first_error ? vs.first_error : error_code(error::certificate_untrusted);
}

std::uint64_t public_key_operations() noexcept
{
    return detail::public_key_operation_count;
}

} // namespace mtls::crypto
