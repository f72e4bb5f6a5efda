#ifndef MTLS_SRC_ERROR_DETAIL_HPP
#define MTLS_SRC_ERROR_DETAIL_HPP

// Error codes that carry detail beside their cause (see mtls::error_cause).

#include <mtls/error.hpp>

#include <cstdint>
#include <initializer_list>

namespace mtls::detail {

/// Stands for a ChangeCipherSpec record where handshake message types (wire
/// values 0-255) are listed.
inline constexpr std::uint16_t change_cipher_spec_message = 0x100;

/// error::unexpected_message naming the message received and those the
/// state would have taken: "expected ClientHello, got Finished".
error_code unexpected_message(std::uint16_t got, std::initializer_list<std::uint16_t> expected) noexcept;

} // namespace mtls::detail

#endif
