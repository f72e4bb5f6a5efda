// Certificate revocation lists (RFC 5280 §5) for chain verification.

#include "pki_internal.hpp"

#include <cctype>
#include <cstring>

namespace mtls::crypto {

using detail::looks_like_pem;
using detail::pem_buffer;
using detail::u8;

int crl_list::state::parse(bytes_view data, file_format fmt)
{
    if (fmt == file_format::pem) {
        if (!looks_like_pem(data))
            return -1;
        // mbedTLS reads another CRL while bytes follow the last one, and
        // fails on blank lines there.
        while (!data.empty() && std::isspace(std::to_integer<unsigned char>(data.back())) != 0)
            data = data.first(data.size() - 1);
        const pem_buffer buf(data);
        return mbedtls_x509_crl_parse(&chain, buf.data(), buf.size());
    }
    return mbedtls_x509_crl_parse_der(&chain, u8(data), data.size());
}

void crl_list::state::append(const state& from)
{
    // Counted first: appending a list to itself must stop.
    std::size_t n = from.count();
    for (const mbedtls_x509_crl* c = &from.chain; n != 0; c = c->next, --n)
        detail::check(mbedtls_x509_crl_parse_der(&chain, c->raw.p, c->raw.len));
}

crl_list::crl_list() : st_(std::make_unique<state>())
{}

crl_list::crl_list(const crl_list& other) : crl_list()
{
    st_->append(*other.st_);
}

crl_list::~crl_list() = default;

error_code crl_list::add(bytes_view data, file_format fmt)
{
    state scratch;
    if (data.empty() || scratch.parse(data, fmt) != 0)
        return error::bad_crl;
    st_->append(scratch);
    return {};
}

error_code crl_list::add_file(const std::string& path)
{
    std::vector<std::byte> data;
    if (auto ec = detail::read_whole_file(path, data))
        return ec;
    return add(data, looks_like_pem(data) ? file_format::pem : file_format::asn1);
}

error_code crl_list::add_directory(const std::string& dir)
{
    std::vector<std::string> files;
    if (auto ec = detail::regular_files(dir, files))
        return ec;
    crl_list scratch;
    for (const std::string& f : files)
        if (auto ec = scratch.add_file(f))
            return ec;
    if (scratch.size() == 0)
        return error::bad_crl;
    st_->append(*scratch.st_);
    return {};
}

void crl_list::append(const crl_list& other)
{
    st_->append(*other.st_);
}

std::size_t crl_list::size() const noexcept
{
    return st_->count();
}

namespace {

// Whether `crl`, issued by the issuer of `crt`, lists it or is out of date.
bool refuses(const mbedtls_x509_crl& crl, const mbedtls_x509_crt& crt)
{
    if (crl.issuer_raw.len != crt.issuer_raw.len ||
        std::memcmp(crl.issuer_raw.p, crt.issuer_raw.p, crt.issuer_raw.len) != 0)
        return false;
    return mbedtls_x509_crt_is_revoked(&crt, &crl) != 0 || mbedtls_x509_time_is_past(&crl.next_update) != 0 ||
           mbedtls_x509_time_is_future(&crl.this_update) != 0;
}

} // namespace

bool crl_list::may_refuse(const std::vector<std::vector<std::byte>>& chain) const
{
    for (const auto& der : chain) {
        mbedtls_x509_crt crt;
        mbedtls_x509_crt_init(&crt);
        bool refused = mbedtls_x509_crt_parse_der(&crt, u8(bytes_view(der)), der.size()) != 0;
        for (const mbedtls_x509_crl* c = &st_->chain; !refused && c != nullptr && c->version != 0; c = c->next)
            refused = refuses(*c, crt);
        mbedtls_x509_crt_free(&crt);
        if (refused)
            return true;
    }
    return false;
}

std::size_t crl_list::state::count() const noexcept
{
    std::size_t n = 0;
    for (const mbedtls_x509_crl* c = &chain; c != nullptr && c->version != 0; c = c->next)
        ++n;
    return n;
}

} // namespace mtls::crypto
