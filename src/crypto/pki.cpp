#include "pki.hpp"

#include "hash.hpp"
#include "mbedtls_rng.hpp"

#include <mbedtls/ecp.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>
#include <mbedtls/x509_crt.h>

#include <boost/system/system_error.hpp>

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <mutex>
#include <optional>

namespace mtls::crypto {
namespace {

const unsigned char* u8(bytes_view b) noexcept
{
    return reinterpret_cast<const unsigned char*>(b.data());
}

bytes_view view(const mbedtls_x509_buf& b) noexcept
{
    return {reinterpret_cast<const std::byte*>(b.p), b.len};
}

// PEM parsers of mbedTLS want a NUL-terminated buffer whose length counts the
// NUL. The copy may hold a private key, so it wipes itself.
class pem_buffer {
public:
    explicit pem_buffer(bytes_view data) : buf_(data.size() + 1, 0)
    {
        std::copy_n(u8(data), data.size(), buf_.begin());
    }
    pem_buffer(const pem_buffer&) = delete;
    pem_buffer& operator=(const pem_buffer&) = delete;
    ~pem_buffer() { secure_zero(buf_.data(), buf_.size()); }

    const unsigned char* data() const noexcept { return buf_.data(); }
    std::size_t size() const noexcept { return buf_.size(); }

private:
    std::vector<unsigned char> buf_;
};

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

bool looks_like_pem(bytes_view data) noexcept
{
    static constexpr std::string_view marker = "-----BEGIN ";
    const std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
    return text.find(marker) != std::string_view::npos;
}

struct scheme_info {
    hash_alg hash;
    mbedtls_md_type_t md;
    enum { ecdsa, pkcs1, pss } kind;
};

std::optional<scheme_info> info(signature_scheme s) noexcept
{
    switch (s) {
    case signature_scheme::ecdsa_secp256r1_sha256:
        return scheme_info{hash_alg::sha256, MBEDTLS_MD_SHA256, scheme_info::ecdsa};
    case signature_scheme::ecdsa_secp384r1_sha384:
        return scheme_info{hash_alg::sha384, MBEDTLS_MD_SHA384, scheme_info::ecdsa};
    case signature_scheme::rsa_pkcs1_sha256:
        return scheme_info{hash_alg::sha256, MBEDTLS_MD_SHA256, scheme_info::pkcs1};
    case signature_scheme::rsa_pkcs1_sha384:
        return scheme_info{hash_alg::sha384, MBEDTLS_MD_SHA384, scheme_info::pkcs1};
    case signature_scheme::rsa_pkcs1_sha512:
        return scheme_info{hash_alg::sha512, MBEDTLS_MD_SHA512, scheme_info::pkcs1};
    case signature_scheme::rsa_pss_rsae_sha256:
        return scheme_info{hash_alg::sha256, MBEDTLS_MD_SHA256, scheme_info::pss};
    case signature_scheme::rsa_pss_rsae_sha384:
        return scheme_info{hash_alg::sha384, MBEDTLS_MD_SHA384, scheme_info::pss};
    case signature_scheme::rsa_pss_rsae_sha512:
        return scheme_info{hash_alg::sha512, MBEDTLS_MD_SHA512, scheme_info::pss};
    }
    return std::nullopt;
}

key_type type_of(const mbedtls_pk_context& pk) noexcept
{
    switch (mbedtls_pk_get_type(&pk)) {
    case MBEDTLS_PK_RSA:
        return key_type::rsa;
    case MBEDTLS_PK_ECKEY:
    case MBEDTLS_PK_ECDSA:
        switch (mbedtls_pk_ec(pk)->grp.id) {
        case MBEDTLS_ECP_DP_SECP256R1: return key_type::ec_p256;
        case MBEDTLS_ECP_DP_SECP384R1: return key_type::ec_p384;
        default: return key_type::unsupported;
        }
    default:
        return key_type::unsupported;
    }
}

bool family_matches(key_type k, const scheme_info& si) noexcept
{
    if (si.kind == scheme_info::ecdsa)
        return k == key_type::ec_p256 || k == key_type::ec_p384;
    return k == key_type::rsa;
}

// --- Host names (RFC 6125) ---------------------------------------------------

char lower(char c) noexcept
{
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) noexcept
{
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

std::string_view strip_trailing_dot(std::string_view s) noexcept
{
    if (!s.empty() && s.back() == '.')
        s.remove_suffix(1);
    return s;
}

// RFC 6125 §6.4.3: a wildcard only as the whole left-most label, matching
// exactly one label, with at least two labels after it (so never directly
// under a top-level domain: "*.test" matches nothing). Partial wildcards
// ("f*.example.test"), which §6.4.3 item 3 leaves optional, match nothing, as
// in browsers and RFC 9525 §6.3.
bool dns_matches(std::string_view pattern, std::string_view host) noexcept
{
    pattern = strip_trailing_dot(pattern);
    if (pattern.empty() || host.empty())
        return false;
    if (pattern.size() > 2 && pattern[0] == '*' && pattern[1] == '.') {
        const std::string_view suffix = pattern.substr(1);   // ".example.test"
        // Two labels after the wildcard, none of them empty.
        if (suffix.find('.', 1) == std::string_view::npos ||
            suffix.find("..") != std::string_view::npos)
            return false;
        if (suffix.find('*') != std::string_view::npos)
            return false;
        const std::size_t dot = host.find('.');
        if (dot == 0 || dot == std::string_view::npos)
            return false;
        return iequals(host.substr(dot), suffix);
    }
    if (pattern.find('*') != std::string_view::npos)
        return false;
    return iequals(pattern, host);
}

bool crt_matches_host(const mbedtls_x509_crt& crt, std::string_view host)
{
    const bool bracketed = host.size() >= 2 && host.front() == '[' && host.back() == ']';
    if (bracketed)
        host = host.substr(1, host.size() - 2);
    if (host.empty())
        return false;

    // An IP literal matches only iPAddress SANs, byte for byte and of the
    // same length (RFC 6125 §1.7.2, RFC 5280 §4.2.1.6): an IPv4 address never
    // matches a 16-byte SAN that starts with its bytes, nor the reverse.
    const std::string host_str(host);
    std::array<unsigned char, 16> ip{};
    std::size_t ip_len = 0;
    if (!bracketed && inet_pton(AF_INET, host_str.c_str(), ip.data()) == 1)
        ip_len = 4;
    else if (inet_pton(AF_INET6, host_str.c_str(), ip.data()) == 1)
        ip_len = 16;
    else if (bracketed)
        return false;   // brackets only enclose IPv6 literals (RFC 3986 §3.2.2)

    constexpr int dns_name_tag = MBEDTLS_ASN1_CONTEXT_SPECIFIC | 2;
    constexpr int ip_address_tag = MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7;
    const bool has_san = (crt.ext_types & MBEDTLS_X509_EXT_SUBJECT_ALT_NAME) != 0;
    const std::string_view dns_host = strip_trailing_dot(host);
    if (ip_len == 0 && dns_host.find('*') != std::string_view::npos)
        return false;

    if (has_san) {
        for (const mbedtls_x509_sequence* s = &crt.subject_alt_names; s != nullptr; s = s->next) {
            const std::string_view value(reinterpret_cast<const char*>(s->buf.p), s->buf.len);
            if (ip_len != 0) {
                if (s->buf.tag == ip_address_tag && s->buf.len == ip_len &&
                    std::equal(ip.begin(), ip.begin() + static_cast<std::ptrdiff_t>(ip_len), s->buf.p))
                    return true;
            } else if (s->buf.tag == dns_name_tag && dns_matches(value, dns_host)) {
                return true;
            }
        }
        return false;
    }
    if (ip_len != 0)
        return false;
    // RFC 6125 §6.4.4: the CN only when there is no subjectAltName at all.
    for (const mbedtls_x509_name* n = &crt.subject; n != nullptr; n = n->next) {
        if (n->oid.p != nullptr && MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &n->oid) == 0 &&
            dns_matches({reinterpret_cast<const char*>(n->val.p), n->val.len}, dns_host))
            return true;
    }
    return false;
}

std::string dn_text(const mbedtls_x509_name& dn)
{
    std::string out(1024, '\0');
    for (;;) {
        const int n = mbedtls_x509_dn_gets(out.data(), out.size(), &dn);
        if (n >= 0) {
            out.resize(static_cast<std::size_t>(n));
            return out;
        }
        if (out.size() >= 64 * 1024)
            return {};
        out.resize(out.size() * 4);
    }
}

} // namespace

bool key_matches_scheme(key_type k, signature_scheme s, bool tls12) noexcept
{
    switch (s) {
    case signature_scheme::ecdsa_secp256r1_sha256:
        return k == key_type::ec_p256 || (tls12 && k == key_type::ec_p384);
    case signature_scheme::ecdsa_secp384r1_sha384:
        return k == key_type::ec_p384 || (tls12 && k == key_type::ec_p256);
    case signature_scheme::rsa_pss_rsae_sha256:
    case signature_scheme::rsa_pss_rsae_sha384:
    case signature_scheme::rsa_pss_rsae_sha512:
        return k == key_type::rsa;
    case signature_scheme::rsa_pkcs1_sha256:
    case signature_scheme::rsa_pkcs1_sha384:
    case signature_scheme::rsa_pkcs1_sha512:
        // RFC 8446 §4.4.3: TLS 1.3 handshake signatures with RSA use PSS only.
        return tls12 && k == key_type::rsa;
    }
    return false;
}

// --- private_key ---------------------------------------------------------------

struct private_key::state {
    mbedtls_pk_context pk;
    // Signing writes to the key's context (RSA padding mode, blinding values,
    // cached EC tables), and one context's key signs for many connections.
    mutable std::mutex mutex;

    state() noexcept { mbedtls_pk_init(&pk); }
    state(const state&) = delete;
    state& operator=(const state&) = delete;
    ~state() { mbedtls_pk_free(&pk); }   // wipes the key
};

private_key::private_key() = default;
private_key::private_key(private_key&&) noexcept = default;
private_key& private_key::operator=(private_key&&) noexcept = default;
private_key::~private_key() = default;

private_key private_key::parse(bytes_view data, file_format fmt, std::string_view password,
                               error_code& ec)
{
    ec = {};
    private_key k;
    auto st = std::make_unique<state>();
    const auto* pwd = password.empty() ? nullptr : reinterpret_cast<const unsigned char*>(password.data());
    int rc = 0;
    if (fmt == file_format::pem) {
        const pem_buffer buf(data);
        rc = mbedtls_pk_parse_key(&st->pk, buf.data(), buf.size(), pwd, password.size());
    } else {
        rc = mbedtls_pk_parse_key(&st->pk, u8(data), data.size(), pwd, password.size());
    }
    if (rc != 0) {
        ec = error::invalid_configuration;
        return k;
    }
    k.st_ = std::move(st);
    return k;
}

key_type private_key::type() const noexcept
{
    return st_ ? type_of(st_->pk) : key_type::unsupported;
}

std::vector<std::byte> private_key::sign(signature_scheme s, bytes_view message) const
{
    const auto si = info(s);
    if (!st_ || !si || !family_matches(type(), *si))
        return {};
    std::array<std::byte, max_digest_size> h;
    const auto hv = digest(si->hash, message, h);
    const auto hlen = static_cast<unsigned>(hv.size());
    const auto* hp = reinterpret_cast<const unsigned char*>(hv.data());

    std::vector<std::byte> sig(MBEDTLS_PK_SIGNATURE_MAX_SIZE);
    auto* out = reinterpret_cast<unsigned char*>(sig.data());
    std::size_t len = 0;
    int rc = 0;
    std::lock_guard lock(st_->mutex);
    if (si->kind == scheme_info::ecdsa) {
        // DER-encoded ECDSA-Sig-Value, as TLS carries it (RFC 8422 §5.4).
        rc = mbedtls_pk_sign(&st_->pk, si->md, hp, hv.size(), out, &len, detail::rng_callback, nullptr);
    } else {
        mbedtls_rsa_context* rsa = mbedtls_pk_rsa(st_->pk);
        len = mbedtls_rsa_get_len(rsa);
        if (si->kind == scheme_info::pkcs1) {
            rc = mbedtls_rsa_rsassa_pkcs1_v15_sign(rsa, detail::rng_callback, nullptr,
                                                   MBEDTLS_RSA_PRIVATE, si->md, hlen, hp, out);
        } else {
            // RFC 8446 §4.2.3: MGF1 with the signature's hash, salt as long
            // as the digest. mbedTLS takes the MGF1 hash from the context.
            mbedtls_rsa_set_padding(rsa, MBEDTLS_RSA_PKCS_V21, si->md);
            rc = mbedtls_rsa_rsassa_pss_sign_ext(rsa, detail::rng_callback, nullptr, si->md, hlen,
                                                 hp, static_cast<int>(hlen), out);
            mbedtls_rsa_set_padding(rsa, MBEDTLS_RSA_PKCS_V15, MBEDTLS_MD_NONE);
        }
    }
    if (rc != 0)
        return {};
    sig.resize(len);
    return sig;
}

bool private_key::matches(const certificate& c) const
{
    if (!st_ || !c)
        return false;
    // A private parse of the certificate: its state is private to it.
    mbedtls_x509_crt crt;
    mbedtls_x509_crt_init(&crt);
    bool ok = false;
    if (mbedtls_x509_crt_parse_der(&crt, u8(c.der()), c.der().size()) == 0) {
        std::lock_guard lock(st_->mutex);
        ok = mbedtls_pk_check_pair(&crt.pk, &st_->pk) == 0;
    }
    mbedtls_x509_crt_free(&crt);
    return ok;
}

// --- certificate ---------------------------------------------------------------

struct certificate::state {
    mbedtls_x509_crt crt;
    // Signature checks compute with the key's EC group, which caches tables.
    mutable std::mutex mutex;

    state() noexcept { mbedtls_x509_crt_init(&crt); }
    state(const state&) = delete;
    state& operator=(const state&) = delete;
    ~state() { mbedtls_x509_crt_free(&crt); }
};

certificate::certificate() = default;
certificate::certificate(certificate&&) noexcept = default;
certificate& certificate::operator=(certificate&&) noexcept = default;
certificate::~certificate() = default;

// Copies parse the DER again: each copy owns its mbedTLS context.
certificate::certificate(const certificate& o)
{
    if (o.st_) {
        error_code ec;
        *this = parse_der(o.der(), ec);
        if (ec)   // it parsed once, so only allocation can fail here
            throw boost::system::system_error(ec);
    }
}

certificate& certificate::operator=(const certificate& o)
{
    if (this != &o) {
        certificate copy(o);
        *this = std::move(copy);
    }
    return *this;
}

certificate certificate::parse_der(bytes_view der, error_code& ec)
{
    ec = {};
    certificate c;
    auto st = std::make_unique<state>();
    // The certificate must fill the buffer exactly: TLS frames each one.
    if (der.empty() || mbedtls_x509_crt_parse_der(&st->crt, u8(der), der.size()) != 0 ||
        st->crt.raw.len != der.size()) {
        ec = error::bad_certificate;
        return c;
    }
    c.st_ = std::move(st);
    return c;
}

std::vector<certificate> certificate::parse_all(bytes_view data, file_format fmt, error_code& ec)
{
    ec = {};
    std::vector<certificate> out;
    if (fmt == file_format::asn1) {
        certificate c = parse_der(data, ec);
        if (!ec)
            out.push_back(std::move(c));
        return out;
    }
    mbedtls_x509_crt chain;
    mbedtls_x509_crt_init(&chain);
    // Strict: one certificate that does not parse fails the whole bundle.
    const pem_buffer buf(data);
    if (!looks_like_pem(data) || mbedtls_x509_crt_parse(&chain, buf.data(), buf.size()) != 0) {
        mbedtls_x509_crt_free(&chain);
        ec = error::bad_certificate;
        return out;
    }
    for (const mbedtls_x509_crt* c = &chain; c != nullptr && c->version != 0; c = c->next) {
        out.push_back(parse_der(view(c->raw), ec));
        if (ec)
            break;
    }
    mbedtls_x509_crt_free(&chain);
    if (!ec && out.empty())
        ec = error::bad_certificate;
    if (ec)
        out.clear();
    return out;
}

bytes_view certificate::der() const noexcept
{
    return st_ ? view(st_->crt.raw) : bytes_view{};
}

std::string certificate::subject() const
{
    return st_ ? dn_text(st_->crt.subject) : std::string{};
}

bytes_view certificate::subject_der() const noexcept
{
    return st_ ? view(st_->crt.subject_raw) : bytes_view{};
}

key_type certificate::public_key_type() const noexcept
{
    return st_ ? type_of(st_->crt.pk) : key_type::unsupported;
}

bool certificate::verify_signature(signature_scheme s, bytes_view message, bytes_view signature) const
{
    const auto si = info(s);
    if (!st_ || !si || !family_matches(public_key_type(), *si) || signature.empty())
        return false;
    std::array<std::byte, max_digest_size> h;
    const auto hv = digest(si->hash, message, h);
    const auto* hp = reinterpret_cast<const unsigned char*>(hv.data());
    const auto* sp = u8(signature);

    std::lock_guard lock(st_->mutex);
    mbedtls_pk_context& pk = st_->crt.pk;
    switch (si->kind) {
    case scheme_info::ecdsa:
        return mbedtls_pk_verify(&pk, si->md, hp, hv.size(), sp, signature.size()) == 0;
    case scheme_info::pkcs1: {
        mbedtls_rsa_context* rsa = mbedtls_pk_rsa(pk);
        // mbedTLS reads exactly modulus-length bytes from the signature.
        if (signature.size() != mbedtls_rsa_get_len(rsa))
            return false;
        return mbedtls_rsa_rsassa_pkcs1_v15_verify(rsa, nullptr, nullptr, MBEDTLS_RSA_PUBLIC, si->md,
                                                   static_cast<unsigned>(hv.size()), hp, sp) == 0;
    }
    case scheme_info::pss: {
        // RFC 8446 §4.2.3: MGF1 with the same hash, salt length = digest length.
        mbedtls_pk_rsassa_pss_options opts{si->md, static_cast<int>(hv.size())};
        return mbedtls_pk_verify_ext(MBEDTLS_PK_RSASSA_PSS, &opts, &pk, si->md, hp, hv.size(), sp,
                                     signature.size()) == 0;
    }
    }
    return false;
}

bool certificate::matches_host(std::string_view host) const
{
    return st_ && crt_matches_host(st_->crt, host);
}

// --- trust_store -----------------------------------------------------------------

struct trust_store::state {
    mbedtls_x509_crt chain;   // version == 0 while empty
    // Verification checks signatures with the anchors' keys (see certificate).
    mutable std::mutex mutex;

    state() noexcept { mbedtls_x509_crt_init(&chain); }
    state(const state&) = delete;
    state& operator=(const state&) = delete;
    ~state() { mbedtls_x509_crt_free(&chain); }

    std::size_t count() const noexcept
    {
        std::size_t n = 0;
        for (const mbedtls_x509_crt* c = &chain; c != nullptr && c->version != 0; c = c->next)
            ++n;
        return n;
    }
};

trust_store::trust_store() : st_(std::make_unique<state>()) {}
trust_store::trust_store(trust_store&&) noexcept = default;
trust_store& trust_store::operator=(trust_store&&) noexcept = default;
trust_store::~trust_store() = default;

void trust_store::add(const certificate& c)
{
    if (c)
        detail::check(mbedtls_x509_crt_parse_der(&st_->chain, u8(c.der()), c.der().size()));
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
        mbedtls_x509_crt_parse_der(&st_->chain, u8(data), data.size());
    }
    return st_->count() > before ? error_code{} : error_code(error::bad_certificate);
}

error_code trust_store::add_directory(const std::string& dir)
{
    namespace fs = std::filesystem;
    std::error_code sec;
    fs::directory_iterator it(dir, sec);
    if (sec)
        return {sec.value(), boost::system::system_category()};
    const std::size_t before = st_->count();
    for (const fs::directory_entry& e : it) {
        std::error_code fec;
        // Unreadable or non-certificate files are skipped, as c_rehash'd
        // directories hold other files too.
        if (e.is_regular_file(fec))
            add_file(e.path().string());
    }
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
    if (f & MBEDTLS_X509_BADCERT_EXPIRED)
        return error::certificate_expired;
    if (f & MBEDTLS_X509_BADCERT_FUTURE)
        return error::certificate_not_yet_valid;
    if (f & (MBEDTLS_X509_BADCERT_KEY_USAGE | MBEDTLS_X509_BADCERT_EXT_KEY_USAGE |
             MBEDTLS_X509_BADCERT_NS_CERT_TYPE))
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
    int max_depth;   // intermediates allowed between the leaf and the anchor
    const verify_callback* cb;
    error_code first_error;              // first failure left standing, anchor first
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
        const std::size_t oid_len = server ? MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH)
                                           : MBEDTLS_OID_SIZE(MBEDTLS_OID_CLIENT_AUTH);
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
                *flags = 0;   // the callback overrides a failure, as in OpenSSL
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

error_code verify_chain(const std::vector<certificate>& chain, const trust_store& anchors,
                        role peer_role, std::string_view host, const verify_callback& cb,
                        int max_depth)
{
    if (chain.empty())
        return error::bad_certificate;
    max_depth = std::clamp(max_depth, 0, max_verify_depth);
    mbedtls_x509_crt peer;
    mbedtls_x509_crt_init(&peer);
    for (const certificate& c : chain) {
        if (!c || mbedtls_x509_crt_parse_der(&peer, u8(c.der()), c.der().size()) != 0) {
            mbedtls_x509_crt_free(&peer);
            return error::bad_certificate;
        }
    }

    verify_state vs{peer_role, host, max_depth, &cb, {}, nullptr};
    std::uint32_t flags = 0;
    int rc = 0;
    {
        std::lock_guard lock(anchors.st_->mutex);
        // No anchors: nothing is trusted (mbedTLS flags NOT_TRUSTED).
        mbedtls_x509_crt* ca = anchors.empty() ? nullptr : &anchors.st_->chain;
        rc = mbedtls_x509_crt_verify_with_profile(&peer, ca, nullptr,
                                                  &mbedtls_x509_crt_profile_default, nullptr,
                                                  &flags, on_certificate, &vs);
    }
    mbedtls_x509_crt_free(&peer);
    if (vs.callback_exception)
        std::rethrow_exception(vs.callback_exception);
    if (rc == 0 && flags == 0)
        return {};
    return vs.first_error ? vs.first_error : error_code(error::certificate_untrusted);
}

} // namespace mtls::crypto
