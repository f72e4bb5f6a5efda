#include "wire/types.hpp"

namespace mtls::wire {

const random_bytes hello_retry_request_random = [] {
    constexpr std::array<std::uint8_t, random_size> v{0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C,
                                                      0x02, 0x1E, 0x65, 0xB8, 0x91, 0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB,
                                                      0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C};
    random_bytes out{};
    for (std::size_t i = 0; i < v.size(); ++i)
        out[i] = std::byte{v[i]};
    return out;
}();

const std::array<std::byte, 8> downgrade_tls12{std::byte{0x44}, std::byte{0x4F}, std::byte{0x57}, std::byte{0x4E},
                                               std::byte{0x47}, std::byte{0x52}, std::byte{0x44}, std::byte{0x01}};
const std::array<std::byte, 8> downgrade_tls11{std::byte{0x44}, std::byte{0x4F}, std::byte{0x57}, std::byte{0x4E},
                                               std::byte{0x47}, std::byte{0x52}, std::byte{0x44}, std::byte{0x00}};

const char* to_string(handshake_type t) noexcept
{
    switch (t) {
    case handshake_type::hello_request: return "HelloRequest";
    case handshake_type::client_hello: return "ClientHello";
    case handshake_type::server_hello: return "ServerHello";
    case handshake_type::new_session_ticket: return "NewSessionTicket";
    case handshake_type::end_of_early_data: return "EndOfEarlyData";
    case handshake_type::encrypted_extensions: return "EncryptedExtensions";
    case handshake_type::certificate: return "Certificate";
    case handshake_type::server_key_exchange: return "ServerKeyExchange";
    case handshake_type::certificate_request: return "CertificateRequest";
    case handshake_type::server_hello_done: return "ServerHelloDone";
    case handshake_type::certificate_verify: return "CertificateVerify";
    case handshake_type::client_key_exchange: return "ClientKeyExchange";
    case handshake_type::finished: return "Finished";
    case handshake_type::key_update: return "KeyUpdate";
    case handshake_type::message_hash: break; // a transcript construct, never sent
    }
    return nullptr;
}

std::size_t max_body_size(handshake_type t, std::size_t max_certificate_list) noexcept
{
    constexpr std::size_t hello = 1u << 16; // far above any real hello
    switch (t) {
    case handshake_type::certificate: return max_certificate_list;
    case handshake_type::client_hello:
    case handshake_type::server_hello:
    case handshake_type::encrypted_extensions:
    case handshake_type::new_session_ticket: return hello;
    case handshake_type::certificate_request: return hello + 512; // 64 KiB of CA names beside the scheme lists
    case handshake_type::server_key_exchange:
    case handshake_type::certificate_verify: return 8192; // a signature of RSA-16384 is 2 KiB
    case handshake_type::client_key_exchange: return 256; // ECPoint<1..2^8-1>
    default:
        // Finished (48 bytes at most), KeyUpdate (1), the empty messages and
        // types no state takes: a little slack, so that a short message
        // with a byte too many is reported as malformed, not as oversized.
        return 64;
    }
}

} // namespace mtls::wire
