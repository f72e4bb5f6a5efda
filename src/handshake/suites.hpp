#ifndef MTLS_SRC_HANDSHAKE_SUITES_HPP
#define MTLS_SRC_HANDSHAKE_SUITES_HPP

// What each implemented cipher suite means: the rows of crypto::suites.

#include "crypto/vocabulary.hpp"

#include <mtls/types.hpp>

namespace mtls::handshake {

using suite_auth = crypto::suite_auth;
using suite_info = crypto::suite_row;

/// nullptr for suites mtls does not implement.
const suite_info* find_suite(std::uint16_t id) noexcept;

/// The certificate key can authenticate a TLS 1.2 suite.
bool key_fits_suite(crypto::key_type key, const suite_info& s) noexcept;

} // namespace mtls::handshake

#endif
