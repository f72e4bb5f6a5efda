#include "openssl_provider.hpp"

// Signing and public keys are the other half of the OpenSSL provider
// (branch ossl-pk), whose keys.cpp replaces this one. Until then the
// provider can use no key, which provider.hpp allows ("null when the
// provider cannot use it").

namespace mtls::crypto::openssl {

std::unique_ptr<signing_key_impl> openssl_provider::load_signing_key(bytes_view) const
{
    return nullptr;
}

std::unique_ptr<public_key_impl> openssl_provider::load_public_key(bytes_view) const
{
    return nullptr;
}

} // namespace mtls::crypto::openssl
