#include "provider.hpp"

#include "mbedtls/pk_ops.hpp"
#ifdef MTLS_HAVE_OPENSSL
#include "openssl/openssl_provider.hpp"
#endif

#include <boost/system/system_error.hpp>

namespace mtls::crypto {

const provider& mbedtls_provider() noexcept
{
    return mbedtls::mbedtls_provider_instance();
}

const provider* find_provider(crypto_provider p)
{
    switch (p) {
    case crypto_provider::mbedtls: return &mbedtls_provider();
    case crypto_provider::openssl:
#ifdef MTLS_HAVE_OPENSSL
        return &openssl::openssl_instance();
#else
        return nullptr;
#endif
    }
    return nullptr;
}

const provider& get_provider(crypto_provider p)
{
    if (const provider* found = find_provider(p))
        return *found;
    throw boost::system::system_error(make_error_code(error::crypto_provider_unavailable));
}

} // namespace mtls::crypto

namespace mtls {

bool available(crypto_provider p) noexcept
{
    try {
        return crypto::find_provider(p) != nullptr;
    } catch (...) {
        return false;
    }
}

} // namespace mtls
