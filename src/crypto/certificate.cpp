// X.509 certificates: parsing, names and signature checks.

#include "pki_internal.hpp"

#include "hash.hpp"
#include "mbedtls/pk_ops.hpp"

#include <boost/system/system_error.hpp>

#include <array>
#include <mutex>

namespace mtls::crypto {
namespace detail {

std::string dn_text(const mbedtls_x509_name& dn)
{
    std::string out(1024, '\0');
    for (;;) {
        const int n = mbedtls_x509_dn_gets(out.data(), out.size(), &dn);
        if (n >= 0) {
            out.resize(static_cast<std::size_t>(n));
            out.shrink_to_fit(); // kept in connection_info for the connection's life
            return out;
        }
        if (out.size() >= 64 * 1024)
            return {};
        out.resize(out.size() * 4);
    }
}

} // namespace detail

using detail::dn_text;
using detail::pem_buffer;
using detail::type_of;
using detail::u8;
using detail::view;

struct certificate::state {
    mbedtls_x509_crt crt;
    // RSA signature checks cache values in the key's context. ECDSA checks
    // compute on the shared warm group (ec_group.hpp), never on the
    // certificate's own group, which would cache a table in it.
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
        if (ec) // it parsed once, so only allocation can fail here
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
    ec = detail::format_mismatch(data, fmt);
    if (ec)
        return out;
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
    if (mbedtls_x509_crt_parse(&chain, buf.data(), buf.size()) != 0) {
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

bytes_view certificate::issuer_der() const noexcept
{
    return st_ ? view(st_->crt.issuer_raw) : bytes_view();
}

key_type certificate::public_key_type() const noexcept
{
    return st_ ? type_of(st_->crt.pk) : key_type::unsupported;
}

bool certificate::verify_signature(const provider& p, signature_scheme s, bytes_view message,
                                   bytes_view signature) const
{
    ++detail::public_key_operation_count;
    const scheme_row* si = st_ ? detail::usable_scheme(s, public_key_type()) : nullptr;
    if (si == nullptr || signature.empty())
        return false;
    if (p.id() != crypto_provider::mbedtls) {
        const auto key = p.load_public_key(public_key_der());
        return key && key->verify(s, message, signature);
    }
    // mbedTLS checks on the key its X.509 parser already holds.
    std::array<std::byte, max_digest_size> h;
    const auto hv = digest(p, si->hash, message, h);
    return mbedtls::verify_digest(st_->crt.pk, st_->mutex, si->kind, si->hash, hv, signature);
}

bytes_view certificate::public_key_der() const noexcept
{
    return st_ ? view(st_->crt.pk_raw) : bytes_view{};
}

bool certificate::matches_host(std::string_view host) const
{
    return st_ && detail::crt_matches_host(st_->crt, host);
}

error_code certificate::describe(certificate_info& info) const
{
    if (!st_)
        return error::bad_certificate;
    return detail::describe(st_->crt, info);
}

} // namespace mtls::crypto
