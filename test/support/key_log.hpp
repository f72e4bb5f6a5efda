#ifndef MTLS_TEST_SUPPORT_KEY_LOG_HPP
#define MTLS_TEST_SUPPORT_KEY_LOG_HPP

// The secrets an engine logs through engine_test_hooks::secret_log, and the
// algorithms of the TLS 1.3 suite to use them with.

#include "support/bytes.hpp"

#include "crypto/aead.hpp"
#include "crypto/hash.hpp"

#include <mtls/engine.hpp>
#include <mtls/types.hpp>

#include <algorithm>
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mtls::test {

/// Collects what an engine reports through engine_test_hooks::secret_log.
/// Copies share one log, so the hooks stay valid however the log is copied.
class key_log {
public:
    struct entry {
        std::string label;
        bytes secret;
    };

    /// Hooks for an engine (or to merge into other hooks).
    engine_test_hooks hooks() const
    {
        engine_test_hooks h;
        h.secret_log = [log = entries_](std::string_view label, std::span<const std::byte> s) {
            log->push_back({std::string(label), bytes(s.begin(), s.end())});
        };
        return h;
    }

    const std::vector<entry>& entries() const { return *entries_; }

    /// The secret last logged as `label`.
    std::optional<bytes> find(std::string_view label) const
    {
        for (auto it = entries_->rbegin(); it != entries_->rend(); ++it)
            if (it->label == label)
                return it->secret;
        return std::nullopt;
    }

    /// How many labels are `prefix` followed by a decimal number, e.g.
    /// "CLIENT_TRAFFIC_SECRET_" counts CLIENT_TRAFFIC_SECRET_0, _1, ...
    std::size_t count_numbered(std::string_view prefix) const
    {
        std::size_t n = 0;
        for (const auto& e : *entries_)
            n += number_after(e.label, prefix) >= 0 ? 1 : 0;
        return n;
    }

    /// The highest N logged as `prefix`N; -1 when none.
    long last_number(std::string_view prefix) const
    {
        long best = -1;
        for (const auto& e : *entries_)
            best = std::max(best, number_after(e.label, prefix));
        return best;
    }

private:
    static long number_after(std::string_view label, std::string_view prefix)
    {
        if (label.size() <= prefix.size() || label.substr(0, prefix.size()) != prefix)
            return -1;
        long n = 0;
        for (char c : label.substr(prefix.size())) {
            if (c < '0' || c > '9')
                return -1;
            n = n * 10 + (c - '0');
        }
        return n;
    }

    std::shared_ptr<std::vector<entry>> entries_ = std::make_shared<std::vector<entry>>();
};

/// Hooks logging secrets into `log` on top of `base`.
inline engine_test_hooks with_log(const key_log& log, engine_test_hooks base = {})
{
    base.secret_log = log.hooks().secret_log;
    return base;
}

/// The hash of TLS 1.3 suite `s` (RFC 8446 §B.4).
inline crypto::hash_alg tls13_hash(cipher_suite s)
{
    return s == cipher_suite::tls_aes_256_gcm_sha384 ? crypto::hash_alg::sha384 : crypto::hash_alg::sha256;
}

/// The AEAD of TLS 1.3 suite `s` (RFC 8446 §B.4).
inline crypto::aead_alg tls13_aead(cipher_suite s)
{
    switch (s) {
    case cipher_suite::tls_aes_256_gcm_sha384: return crypto::aead_alg::aes_256_gcm;
    case cipher_suite::tls_chacha20_poly1305_sha256: return crypto::aead_alg::chacha20_poly1305;
    default: return crypto::aead_alg::aes_128_gcm;
    }
}

} // namespace mtls::test

#endif
