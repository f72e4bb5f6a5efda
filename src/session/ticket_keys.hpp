#ifndef MTLS_SRC_SESSION_TICKET_KEYS_HPP
#define MTLS_SRC_SESSION_TICKET_KEYS_HPP

// The keys a server seals its session tickets with (RFC 5077 §4's
// recommended construction, with AES-256-GCM): the first key seals, every
// key opens, so tickets sealed before a rotation stay valid.

#include "crypto/aead.hpp"

#include <mtls/error.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace mtls::detail {

/// A key as an application supplies it: a 16-byte name (sent in the clear
/// at the start of each ticket, to pick the key) and a 32-byte AES-256-GCM key.
inline constexpr std::size_t ticket_key_name_size = 16;
inline constexpr std::size_t ticket_key_secret_size = 32;
inline constexpr std::size_t ticket_key_record_size = ticket_key_name_size + ticket_key_secret_size;
/// At most this many keys are kept (the sealing one and older ones).
inline constexpr std::size_t max_ticket_keys = 8;

/// name || nonce || ciphertext || tag: what a ticket adds to its plaintext.
inline constexpr std::size_t ticket_overhead = ticket_key_name_size + crypto::aead_nonce_size + crypto::aead_tag_size;

/// Thread-safe: many handshakes on many threads seal and open at once.
class ticket_keys {
public:
    /// A random key, replaced by a fresh one every `rotation` seconds; the
    /// one before stays for opening, so a ticket opens for at least
    /// `rotation` seconds after it was sealed.
    ticket_keys(const crypto::provider& p, std::uint32_t rotation);
    ~ticket_keys();
    ticket_keys(const ticket_keys&) = delete;
    ticket_keys& operator=(const ticket_keys&) = delete;

    /// Replaces the keys with `records`: one or more 48-byte name+key
    /// records, the first seals, all open (at most max_ticket_keys).
    /// Automatic rotation stops: the application rotates by calling again.
    /// error::bad_ticket_keys for any other length or a repeated name.
    error_code set(crypto::bytes_view records);
    void set_rotation(std::uint32_t seconds);

    /// Seals `plaintext` into `ticket` (replacing its contents); `now` is
    /// seconds since the epoch and drives the rotation of random keys.
    void seal(crypto::bytes_view plaintext, std::vector<std::byte>& ticket, std::uint64_t now);
    /// Opens `ticket` into `plaintext` (replacing its contents); false when
    /// no key has its name, it is too short, or it does not authenticate.
    bool open(crypto::bytes_view ticket, std::vector<std::byte>& plaintext, std::uint64_t now);

private:
    struct key;
    void rotate_if_due(std::uint64_t now);

    const crypto::provider& provider_; // seals, opens, makes keys and nonces
    std::mutex mutex_;
    std::vector<std::unique_ptr<key>> keys_; // keys_.front() seals
    std::uint32_t rotation_;
    bool supplied_ = false;   // set() called: no automatic rotation
};

} // namespace mtls::detail

#endif
