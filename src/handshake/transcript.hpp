#ifndef MTLS_SRC_HANDSHAKE_TRANSCRIPT_HPP
#define MTLS_SRC_HANDSHAKE_TRANSCRIPT_HPP

// The handshake transcript: the messages are buffered until the suite names
// the hash, and kept for TLS 1.2 CertificateVerify, which signs them whole
// under a hash the signature scheme picks (RFC 5246 §7.4.8).

#include "crypto/hash.hpp"

#include <array>
#include <optional>
#include <vector>

namespace mtls::handshake {

class transcript {
public:
    void add(crypto::bytes_view message)
    {
        messages_.insert(messages_.end(), message.begin(), message.end());
        if (hash_)
            hash_->update(message);
    }
    void start_hash(const crypto::provider& p, crypto::hash_alg a)
    {
        hash_.emplace(p, a);
        hash_->update(messages_);
    }
    /// RFC 8446 §4.4.1: after a HelloRetryRequest the first ClientHello is
    /// replaced by message_hash (254) carrying Hash(ClientHello1).
    void replace_with_message_hash(const crypto::provider& p, crypto::hash_alg a)
    {
        std::array<std::byte, crypto::max_digest_size> buf{};
        auto h = crypto::digest(p, a, messages_, buf);
        messages_.clear();
        messages_.push_back(std::byte{254});
        messages_.push_back(std::byte{0});
        messages_.push_back(std::byte{0});
        messages_.push_back(std::byte(static_cast<std::uint8_t>(h.size())));
        messages_.insert(messages_.end(), h.begin(), h.end());
        start_hash(p, a);
    }
    /// Hash of the messages so far; the hash must have been started.
    crypto::mutable_bytes current(crypto::mutable_bytes out) const { return hash_->snapshot(out); }
    crypto::bytes_view messages() const noexcept { return messages_; }
    /// Frees the buffered messages once nothing needs them.
    void drop_messages() { std::vector<std::byte>().swap(messages_); }

private:
    std::vector<std::byte> messages_;
    std::optional<crypto::hash> hash_;
};

} // namespace mtls::handshake

#endif
