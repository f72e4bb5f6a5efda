#include "ticket_keys.hpp"

#include "crypto/random.hpp"

#include <algorithm>
#include <array>

namespace mtls::detail {

struct ticket_keys::key {
    std::array<std::byte, ticket_key_name_size> name{};
    crypto::aead aead;
    /// When it began to seal (seconds since the epoch); random keys only.
    std::uint64_t since;

    key(const crypto::provider& p, crypto::bytes_view name_bytes, crypto::bytes_view secret, std::uint64_t since_time)
        : aead(p, crypto::aead_alg::aes_256_gcm, secret), since(since_time)
    {
        std::copy(name_bytes.begin(), name_bytes.end(), name.begin());
    }
    key(const key&) = delete;
    key& operator=(const key&) = delete;
    // The aead wipes its expanded key; the name goes too, so nothing of
    // the key outlives it.
    ~key() { crypto::secure_zero(name.data(), name.size()); }

    static std::unique_ptr<key> random(const crypto::provider& p, std::uint64_t since_time)
    {
        std::array<std::byte, ticket_key_record_size> record;
        p.random(record);
        const crypto::bytes_view r(record);
        auto k = std::make_unique<key>(p, r.first(ticket_key_name_size), r.subspan(ticket_key_name_size), since_time);
        crypto::secure_zero(record.data(), record.size());
        return k;
    }
};

// The first key's period starts at 0: the first seal at a real time rotates
// at once, which costs one key and keeps the rule below the same for all.
ticket_keys::ticket_keys(const crypto::provider& p, std::uint32_t rotation) : provider_(p), rotation_(rotation)
{
    keys_.push_back(key::random(provider_, 0));
}

ticket_keys::~ticket_keys() = default;

error_code ticket_keys::set(crypto::bytes_view records)
{
    const std::size_t count = records.size() / ticket_key_record_size;
    if (records.size() % ticket_key_record_size != 0 || count == 0 || count > max_ticket_keys)
        return error::bad_ticket_keys;
    std::vector<std::unique_ptr<key>> fresh;
    for (std::size_t i = 0; i < count; ++i) {
        auto r = records.subspan(i * ticket_key_record_size, ticket_key_record_size);
        auto name = r.first(ticket_key_name_size);
        for (const auto& k : fresh)
            if (std::equal(name.begin(), name.end(), k->name.begin()))
                return error::bad_ticket_keys; // a name must pick one key
        fresh.push_back(std::make_unique<key>(provider_, name, r.subspan(ticket_key_name_size), 0));
    }
    std::lock_guard lock(mutex_);
    keys_.swap(fresh);
    supplied_ = true;
    return {};
}

void ticket_keys::set_rotation(std::uint32_t seconds)
{
    std::lock_guard lock(mutex_);
    rotation_ = seconds;
}

// A random key seals during [since, since + rotation) and opens until
// since + 2 * rotation: a ticket opens for at least `rotation` seconds and
// less than twice that. Only the key before the sealing one can still be
// within that window, so no more are kept.
void ticket_keys::rotate_if_due(std::uint64_t now)
{
    const auto since = keys_.front()->since;
    if (supplied_ || now < since || now - since < rotation_)
        return;
    keys_.resize(1);
    keys_.insert(keys_.begin(), key::random(provider_, now));
}

void ticket_keys::seal(crypto::bytes_view plaintext, std::vector<std::byte>& ticket, std::uint64_t now)
{
    std::lock_guard lock(mutex_);
    rotate_if_due(now);
    auto& k = *keys_.front();
    // What the buffer held before may have been secret.
    crypto::secure_zero(ticket.data(), ticket.size());
    ticket.clear();
    ticket.resize(ticket_overhead + plaintext.size());
    const crypto::mutable_bytes t(ticket);
    auto nonce = t.subspan(ticket_key_name_size, crypto::aead_nonce_size);
    auto body = t.subspan(ticket_key_name_size + crypto::aead_nonce_size, plaintext.size());
    std::copy(k.name.begin(), k.name.end(), t.begin());
    provider_.random(nonce);
    std::copy(plaintext.begin(), plaintext.end(), body.begin());
    k.aead.seal(nonce, k.name, body, t.last(crypto::aead_tag_size));
}

bool ticket_keys::open(crypto::bytes_view ticket, std::vector<std::byte>& plaintext, std::uint64_t now)
{
    crypto::secure_zero(plaintext.data(), plaintext.size());
    plaintext.clear();
    if (ticket.size() < ticket_overhead)
        return false;
    const auto name = ticket.first(ticket_key_name_size);
    const auto nonce = ticket.subspan(ticket_key_name_size, crypto::aead_nonce_size);
    const auto body = ticket.subspan(ticket_key_name_size + crypto::aead_nonce_size, ticket.size() - ticket_overhead);
    std::lock_guard lock(mutex_);
    auto it = std::find_if(keys_.begin(), keys_.end(),
                           [&](const auto& k) { return std::equal(name.begin(), name.end(), k->name.begin()); });
    if (it == keys_.end())
        return false;
    auto& k = **it;
    if (!supplied_ && now >= k.since && now - k.since >= 2ull * rotation_)
        return false; // past its window (see rotate_if_due)
    plaintext.assign(body.begin(), body.end());
    if (!k.aead.open(nonce, k.name, plaintext, ticket.last(crypto::aead_tag_size))) {
        crypto::secure_zero(plaintext.data(), plaintext.size());
        plaintext.clear();
        return false;
    }
    return true;
}

} // namespace mtls::detail
