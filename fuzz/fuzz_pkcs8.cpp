// Private key loading: PKCS#8 EncryptedPrivateKeyInfo with PBES2 decrypted
// by mtls (src/crypto/pbes2.cpp), PKCS#12 PBE and plain keys by mbedTLS, and
// the dispatch between them (parse_private_key). The first input byte picks
// how the rest is loaded: 0 DER with the password "fuzz password", 1 DER
// without a password, 2 PEM with the password. Beyond "no crash": a failure
// is one of the key errors that the mode can produce, and a success holds a
// key. The iteration bound is lowered to keep each input fast; context_keys_test
// checks the real one.

#include "fuzz_support.hpp"

#include "crypto/pki_internal.hpp"

#include <mtls/error.hpp>

using namespace mtls;

namespace {

constexpr unsigned max_iterations = 1000;

bool allowed(const error_code& ec, int mode)
{
    switch (error_cause(ec)) {
    case error::bad_private_key:
    case error::key_is_certificate:
    case error::unsupported_key_encryption: return true;
    case error::key_password_wrong: return mode != 1;
    case error::key_password_missing: return mode == 1;
    case error::pem_loaded_as_der: return mode != 2;
    case error::not_pem: return mode == 2;
    default: return false;
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    fuzz::cursor in(data, size);
    const int mode = in.u8() % 3;
    const fuzz::bytes body = in.rest(); // exact size: ASan flags any read past it
    const std::string_view password = mode == 1 ? std::string_view() : std::string_view("fuzz password");
    const auto fmt = mode == 2 ? file_format::pem : file_format::asn1;
    mbedtls_pk_context pk;
    mbedtls_pk_init(&pk);
    const error_code ec = crypto::detail::parse_private_key(pk, body, fmt, password, max_iterations);
    const bool holds_key = mbedtls_pk_get_type(&pk) != MBEDTLS_PK_NONE;
    mbedtls_pk_free(&pk);
    if (ec && !allowed(ec, mode))
        fuzz::oracle_failure("a key error that this mode cannot produce");
    if (!ec && !holds_key)
        fuzz::oracle_failure("success without a key");
    return 0;
}
