#include "mbedtls_provider.hpp"
#include "pk_ops.hpp"

#include "../random.hpp"

namespace mtls::crypto::mbedtls {

void mbedtls_provider::random(mutable_bytes out) const
{
    random_bytes(out); // the CTR_DRBG that mbedTLS's own operations draw from (random.cpp)
}

const provider& mbedtls_provider_instance() noexcept
{
    static const mbedtls_provider instance;
    return instance;
}

} // namespace mtls::crypto::mbedtls
