// The context's Asio spellings (context.hpp, "Asio's spellings"): each
// overload forwards to the member of the same name in context_credentials.cpp,
// so loading rules and errors are the same whichever spelling a program uses.

#include "context_files.hpp"

#include "crypto/pki.hpp"

#include <mtls/context.hpp>

#include <utility>

namespace mtls {
namespace {

using bytes = std::span<const std::byte>;
using detail::throw_if;

} // namespace

void context::use_certificate_chain(bytes data, error_code& ec)
{
    use_certificate_chain(data, file_format::pem, ec);
}

void context::use_certificate(bytes data, file_format fmt)
{
    error_code ec;
    use_certificate(data, fmt, ec);
    throw_if(ec, "mtls::context::use_certificate");
}

void context::use_certificate(bytes data, file_format fmt, error_code& ec)
{
    const auto certs = crypto::certificate::parse_all(data, fmt, ec);
    ec = detail::local_certificate_error(ec);
    if (!ec)
        use_certificate_chain(certs.front().der(), file_format::asn1, ec);
}

void context::use_certificate(bytes data, error_code& ec)
{
    use_certificate(data, file_format::pem, ec);
}

void context::use_certificate_file(const std::string& path, file_format fmt)
{
    error_code ec;
    use_certificate_file(path, fmt, ec);
    throw_if(ec, "mtls::context::use_certificate_file", path);
}

void context::use_certificate_file(const std::string& path, file_format fmt, error_code& ec)
{
    detail::file_contents f;
    ec = f.read(path);
    if (!ec)
        use_certificate(f.view(), fmt, ec);
}

void context::use_private_key(bytes data, error_code& ec)
{
    use_private_key(data, file_format::pem, ec);
}

void context::use_private_key_file(const std::string& path, error_code& ec)
{
    use_private_key_file(path, file_format::pem, ec);
}

void context::use_certified_key(bytes chain, bytes key, error_code& ec)
{
    use_certified_key(chain, key, file_format::pem, ec);
}

void context::add_certified_key(bytes chain, bytes key, error_code& ec)
{
    add_certified_key(chain, key, file_format::pem, ec);
}

void context::add_certificate_authority(bytes data, error_code& ec)
{
    add_certificate_authority(data, file_format::pem, ec);
}

void context::add_crl(bytes data, error_code& ec)
{
    add_crl(data, file_format::pem, ec);
}

void context::set_password_callback(password_callback cb, error_code& ec)
{
    set_password_callback(std::move(cb));
    ec = {};
}

void context::set_verify_mode(verify_mode mode, error_code& ec)
{
    set_verify_mode(mode);
    ec = {};
}

void context::set_verify_callback(verify_callback cb, error_code& ec)
{
    set_verify_callback(std::move(cb));
    ec = {};
}

void context::set_verify_depth(int depth, error_code& ec)
{
    set_verify_depth(depth);
    ec = {};
}

} // namespace mtls
