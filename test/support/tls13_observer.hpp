#ifndef MTLS_TEST_SUPPORT_TLS13_OBSERVER_HPP
#define MTLS_TEST_SUPPORT_TLS13_OBSERVER_HPP

// An observer that follows a TLS 1.3 connection on the wire and decrypts its
// protected records with the secrets the engines logged, and an engine pair
// watched by one. Include after
// <boost/test/unit_test.hpp>.

#include "support/bytes.hpp"
#include "support/key_log.hpp"
#include "support/messages.hpp"
#include "support/pump.hpp"
#include "support/records.hpp"

#include "crypto/aead.hpp"
#include "crypto/hash.hpp"

#include <mtls/context.hpp>
#include <mtls/types.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mtls::test {

/// HKDF-Expand-Label (RFC 8446 §7.1), written out here rather than taken
/// from src/handshake, so the observer checks the engine's key schedule.
inline bytes hkdf_expand_label(crypto::hash_alg h, std::span<const std::byte> secret, std::string_view label,
                               std::span<const std::byte> context, std::size_t length)
{
    bytes info;
    put16(info, length);
    const std::string full = "tls13 " + std::string(label);
    put8(info, full.size());
    for (char c : full)
        put8(info, static_cast<unsigned char>(c));
    put8(info, context.size());
    info.insert(info.end(), context.begin(), context.end());
    bytes out(length);
    crypto::hkdf_expand(crypto::mbedtls_provider(), h, secret, info, out);
    return out;
}

/// Follows a TLS 1.3 connection on the wire. Plaintext records are read as
/// they are; protected ones (outer type application_data) are decrypted (RFC
/// 8446 §5.2) with the traffic secrets the sending engine logged: its
/// handshake secret, then application secret 0 after its Finished, then per
/// KeyUpdate the next secret, derived here (§7.2) and compared with the log.
/// Give it every record of both directions in order: `p.tamper =
/// obs.tamper()`, or `see_bytes` with the raw byte stream.
class tls13_observer {
public:
    /// What one direction carried.
    struct side {
        /// Outer content type of every record, in order.
        std::vector<std::uint8_t> outer_types;
        /// Handshake messages, plaintext and decrypted, header included.
        std::vector<bytes> handshake;
        /// Alerts as (level, description), plaintext and decrypted.
        std::vector<std::pair<int, int>> alerts;
        /// request_update of each KeyUpdate, in order.
        std::vector<int> key_updates;
        /// Records protected under application traffic secret N (index N):
        /// all of them, and those carrying application data.
        std::vector<std::uint64_t> records_per_key;
        std::vector<std::uint64_t> data_records_per_key;
        /// Application data records with no content.
        std::uint64_t empty_data_records = 0;
        /// Application data, when the observer keeps it.
        bytes data;
        /// Inner content types of the protected records, in order.
        std::vector<std::uint8_t> inner_types;
        /// What went wrong: undecryptable records, secrets missing from the
        /// log or differing from the derivation, misplaced messages.
        std::vector<std::string> problems;
    };

    tls13_observer(key_log client_log, key_log server_log, bool keep_data = true)
        : client_log_(std::move(client_log)), server_log_(std::move(server_log)), keep_data_(keep_data)
    {
    }

    std::function<void(flight&)> tamper()
    {
        return [this](flight& f) { see(f); };
    }

    void see(const flight& f)
    {
        for (const auto& r : f.records)
            see(f.dir, r);
    }

    /// Raw bytes of direction `d`, in pieces of any size.
    void see_bytes(direction d, std::span<const std::byte> b)
    {
        auto& s = state_of(d);
        s.carry.insert(s.carry.end(), b.begin(), b.end());
        for (const auto& r : split_records(s.carry))
            see(d, r);
    }

    void see(direction d, const record& r)
    {
        auto& s = state_of(d);
        s.outer_types.push_back(r.type);
        if (s.lost)
            return;
        switch (r.type) {
        case content::change_cipher_spec:
            return;
        case content::alert:
            if (r.body.size() == 2)
                s.alerts.emplace_back(std::to_integer<int>(r.body[0]), std::to_integer<int>(r.body[1]));
            return;
        case content::handshake:
            if (s.st != stage::plaintext)
                s.problems.push_back("plaintext handshake record after protection began");
            handshake_bytes(d, s, r.body);
            return;
        case content::application_data:
            protected_record(d, s, r);
            return;
        default:
            s.problems.push_back("record of content type " + std::to_string(r.type));
        }
    }

    const side& in(direction d) const { return d == direction::to_server ? states_[0] : states_[1]; }
    std::optional<cipher_suite> suite() const { return suite_; }

    /// A protected record as the sender of `d` would send next: `content`
    /// and `inner_type` under its current key and sequence number (RFC 8446
    /// §5.2), followed by `padding` zeros. The observer reads it as sent, so
    /// it follows a KeyUpdate forged this way; the real sender does not, so
    /// its own later records no longer match what the receiver expects.
    bytes forge(direction d, std::uint8_t inner_type, std::span<const std::byte> content, std::size_t padding = 0)
    {
        auto& s = state_of(d);
        BOOST_TEST_REQUIRE((s.key.has_value() && !s.lost), "forge: no key for " << d);
        bytes text(content.begin(), content.end());
        put8(text, inner_type);
        text.resize(text.size() + padding);
        const std::size_t length = text.size() + crypto::aead_tag_size;
        bytes aad;
        put8(aad, content::application_data);
        put16(aad, 0x0303);
        put16(aad, length);
        bytes tag(crypto::aead_tag_size);
        s.key->seal(nonce(s), aad, text, tag);
        text.insert(text.end(), tag.begin(), tag.end());
        record r{content::application_data, 0x0303, text};
        see(d, r);
        return r.serialize();
    }

    bool clean() const { return states_[0].problems.empty() && states_[1].problems.empty(); }

    /// Every problem, for assertion messages.
    std::string problems() const
    {
        std::string out;
        for (auto d : {direction::to_server, direction::to_client})
            for (const auto& p : in(d).problems)
                out += (d == direction::to_server ? "client->server: " : "server->client: ") + p + "; ";
        return out.empty() ? "none" : out;
    }

    /// Handshake messages of `type` seen in direction `d`.
    std::vector<bytes> messages(direction d, std::uint8_t type) const
    {
        std::vector<bytes> out;
        for (const auto& m : in(d).handshake)
            if (message_type(m) == type)
                out.push_back(m);
        return out;
    }

private:
    enum class stage { plaintext, handshake, application };

    struct state : side {
        stage st = stage::plaintext;
        std::size_t epoch = 0;
        bytes traffic_secret;
        std::optional<crypto::aead> key;
        bytes iv;
        std::uint64_t seq = 0;
        bytes pending;   // a handshake message not yet whole
        bytes carry;     // see_bytes: a record not yet whole
        bool lost = false; // a record failed to decrypt: nothing after it can be read
    };

    state& state_of(direction d) { return d == direction::to_server ? states_[0] : states_[1]; }

    static std::string prefix(direction d) { return d == direction::to_server ? "CLIENT_" : "SERVER_"; }
    const key_log& sender_log(direction d) const { return d == direction::to_server ? client_log_ : server_log_; }

    void set_key(state& s, bytes secret)
    {
        const auto h = tls13_hash(*suite_);
        const auto a = tls13_aead(*suite_);
        auto k = hkdf_expand_label(h, secret, "key", {}, crypto::aead_key_size(a));
        s.key.emplace(mtls::crypto::mbedtls_provider(), a, k);
        s.iv = hkdf_expand_label(h, secret, "iv", {}, crypto::aead_nonce_size);
        s.traffic_secret = std::move(secret);
        s.seq = 0;
    }

    /// Switches to the logged secret `label`; false (with a problem) when absent.
    bool use_logged(direction d, state& s, const std::string& label)
    {
        auto secret = sender_log(d).find(label);
        if (!secret) {
            s.problems.push_back(label + " was not logged by the sender");
            s.lost = true;
            return false;
        }
        set_key(s, *secret);
        return true;
    }

    /// RFC 8446 §5.3: the per-record nonce is the IV xor the sequence number.
    static bytes nonce(const state& s)
    {
        bytes n = s.iv;
        for (std::size_t i = 0; i < 8; ++i)
            n[n.size() - 1 - i] ^= std::byte(static_cast<std::uint8_t>(s.seq >> (8 * i)));
        return n;
    }

    void protected_record(direction d, state& s, const record& r)
    {
        if (s.st == stage::plaintext) {
            if (!suite_) {
                s.problems.push_back("protected record before any ServerHello");
                s.lost = true;
                return;
            }
            s.st = stage::handshake;
            if (!use_logged(d, s, prefix(d) + "HANDSHAKE_TRAFFIC_SECRET"))
                return;
        }
        if (r.body.size() < crypto::aead_tag_size + 1) {
            s.problems.push_back("protected record of " + std::to_string(r.body.size()) + " bytes");
            s.lost = true;
            return;
        }
        // §5.2: the additional data is the record header.
        bytes aad;
        put8(aad, r.type);
        put16(aad, r.version);
        put16(aad, r.body.size());
        bytes text(r.body.begin(), r.body.end() - crypto::aead_tag_size);
        std::span<const std::byte> tag(r.body.data() + text.size(), crypto::aead_tag_size);
        if (!s.key->open(nonce(s), aad, text, tag)) {
            s.problems.push_back("record " + std::to_string(s.seq) + " under " +
                                 (s.st == stage::handshake ? std::string("the handshake secret")
                                                           : "application secret " + std::to_string(s.epoch)) +
                                 " does not decrypt");
            s.lost = true;
            return;
        }
        ++s.seq;
        // §5.2: strip the zero padding; the last non-zero byte is the type.
        while (!text.empty() && text.back() == std::byte{0})
            text.pop_back();
        if (text.empty()) {
            s.problems.push_back("protected record without a content type");
            return;
        }
        const auto type = std::to_integer<std::uint8_t>(text.back());
        text.pop_back();
        s.inner_types.push_back(type);
        if (s.st == stage::application) {
            if (s.records_per_key.size() <= s.epoch) {
                s.records_per_key.resize(s.epoch + 1);
                s.data_records_per_key.resize(s.epoch + 1);
            }
            ++s.records_per_key[s.epoch];
        }
        switch (type) {
        case content::handshake:
            handshake_bytes(d, s, text);
            break;
        case content::application_data:
            if (s.st != stage::application) {
                s.problems.push_back("application data before the sender's Finished");
                break;
            }
            ++s.data_records_per_key[s.epoch];
            if (text.empty())
                ++s.empty_data_records;
            if (keep_data_)
                s.data.insert(s.data.end(), text.begin(), text.end());
            break;
        case content::alert:
            if (text.size() == 2)
                s.alerts.emplace_back(std::to_integer<int>(text[0]), std::to_integer<int>(text[1]));
            else
                s.problems.push_back("alert of " + std::to_string(text.size()) + " bytes");
            break;
        default:
            s.problems.push_back("protected record of inner type " + std::to_string(type));
        }
    }

    void handshake_bytes(direction d, state& s, std::span<const std::byte> b)
    {
        s.pending.insert(s.pending.end(), b.begin(), b.end());
        std::size_t off = 0;
        while (s.pending.size() - off >= handshake_header_size) {
            const std::size_t len = get24(s.pending, off + 1);
            if (s.pending.size() - off < handshake_header_size + len)
                break;
            bytes m(s.pending.begin() + static_cast<std::ptrdiff_t>(off),
                    s.pending.begin() + static_cast<std::ptrdiff_t>(off + handshake_header_size + len));
            off += handshake_header_size + len;
            message(d, s, std::move(m), off == s.pending.size());
        }
        s.pending.erase(s.pending.begin(), s.pending.begin() + static_cast<std::ptrdiff_t>(off));
    }

    /// `last`: nothing of the record follows the message (RFC 8446 §5.1: a
    /// message before a key change must end its record).
    void message(direction d, state& s, bytes m, bool last)
    {
        const auto type = message_type(m);
        s.handshake.push_back(m);
        if (type == msg::server_hello && d == direction::to_client && m.size() >= handshake_header_size + 2 + 32) {
            auto l = layout_of(m);
            suite_ = static_cast<cipher_suite>(get16(m, l.suites));
        }
        if (type == msg::finished && s.st == stage::handshake) {
            if (!last)
                s.problems.push_back("data after Finished in the same record");
            s.st = stage::application;
            s.epoch = 0;
            use_logged(d, s, prefix(d) + "TRAFFIC_SECRET_0");
        } else if (type == msg::key_update && s.st == stage::application) {
            if (m.size() != handshake_header_size + 1) {
                s.problems.push_back("KeyUpdate of " + std::to_string(m.size()) + " bytes");
                return;
            }
            if (!last)
                s.problems.push_back("data after KeyUpdate in the same record");
            s.key_updates.push_back(std::to_integer<int>(m[handshake_header_size]));
            // §7.2: application_traffic_secret_N+1 =
            //   HKDF-Expand-Label(application_traffic_secret_N, "traffic upd", "", Hash.length)
            const auto h = tls13_hash(*suite_);
            auto next = hkdf_expand_label(h, s.traffic_secret, "traffic upd", {}, crypto::digest_size(h));
            ++s.epoch;
            const std::string label = prefix(d) + "TRAFFIC_SECRET_" + std::to_string(s.epoch);
            auto logged = sender_log(d).find(label);
            if (!logged)
                s.problems.push_back(label + " was not logged by the sender");
            else if (*logged != next)
                s.problems.push_back(label + " differs from HKDF-Expand-Label(previous, \"traffic upd\")");
            set_key(s, std::move(next));
        }
    }

    key_log client_log_;
    key_log server_log_;
    bool keep_data_;
    std::optional<cipher_suite> suite_;
    std::array<state, 2> states_;
};

/// An engine pair whose engines log their secrets, and an observer that
/// decrypts every record in transit with them.
struct observed_pair {
    observed_pair(const context& client_ctx, const context& server_ctx)
        : pair(client_ctx, server_ctx, client_log.hooks(), server_log.hooks()), obs(client_log, server_log)
    {
        pair.tamper = obs.tamper();
    }

    key_log client_log;
    key_log server_log;
    engine_pair pair;
    tls13_observer obs;
};

} // namespace mtls::test

#endif
