#include "handshake/suites.hpp"

namespace mtls::handshake {

const suite_info* find_suite(std::uint16_t id) noexcept
{
    return crypto::find_row(crypto::suites, static_cast<cipher_suite>(id));
}

bool key_fits_suite(crypto::key_type key, const suite_info& s) noexcept
{
    switch (s.auth) {
    case suite_auth::any: return key != crypto::key_type::unsupported;
    case suite_auth::ecdsa: return key == crypto::key_type::ec_p256 || key == crypto::key_type::ec_p384;
    case suite_auth::rsa: return key == crypto::key_type::rsa;
    }
    return false;
}

} // namespace mtls::handshake
