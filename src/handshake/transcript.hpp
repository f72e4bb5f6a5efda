#ifndef MTLS_SRC_HANDSHAKE_TRANSCRIPT_HPP
#define MTLS_SRC_HANDSHAKE_TRANSCRIPT_HPP

// The handshake transcript: the messages are buffered until the suite names
// the hash, and kept for TLS 1.2 CertificateVerify, which signs them whole
// under a hash the signature scheme picks (RFC 5246 §7.4.8).

#include "crypto/hash.hpp"

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
    void start_hash(crypto::hash_alg a)
    {
        hash_.emplace(a);
        hash_->update(messages_);
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
