// The default session_store: a bounded in-memory map from session id to the
// serialised session, evicting in insertion order.

#include <mtls/session.hpp>

#include "crypto/secret.hpp"

#include <algorithm>
#include <list>
#include <map>
#include <mutex>

namespace mtls {
namespace {

using clock = std::chrono::system_clock;
using bytes = std::vector<std::byte>;

class memory_store final : public session_store {
public:
    memory_store(std::size_t max_entries, std::size_t max_bytes) : max_entries_(max_entries), max_bytes_(max_bytes) {}

    ~memory_store() override
    {
        for (auto& [id, e] : entries_)
            crypto::secure_zero(e.value.data(), e.value.size());
    }

    void put(std::span<const std::byte> id, std::span<const std::byte> value, clock::time_point expires) override
    {
        std::lock_guard lock(mutex_);
        // The new value supersedes the old one even when it is not kept.
        if (auto it = entries_.find(id); it != entries_.end())
            erase(it);
        if (max_entries_ == 0 || value.size() > max_bytes_)
            return;
        // Each pass drops one entry, and there are finitely many.
        while (!order_.empty() && (entries_.size() >= max_entries_ || bytes_ + value.size() > max_bytes_))
            erase(entries_.find(order_.front()));
        auto order = order_.emplace(order_.end(), id.begin(), id.end());
        entries_.emplace(*order, entry{bytes(value.begin(), value.end()), expires, order});
        bytes_ += value.size();
    }

    bytes get(std::span<const std::byte> id) override
    {
        std::lock_guard lock(mutex_);
        auto it = entries_.find(id);
        if (it == entries_.end())
            return {};
        if (clock::now() >= it->second.expires) {
            erase(it);
            return {};
        }
        return it->second.value;
    }

    void remove(std::span<const std::byte> id) override
    {
        std::lock_guard lock(mutex_);
        if (auto it = entries_.find(id); it != entries_.end())
            erase(it);
    }

private:
    struct entry {
        bytes value;
        clock::time_point expires;
        std::list<bytes>::iterator order; // its place in order_
    };
    // Transparent comparison: lookups by span, without copying the id.
    struct id_less {
        using is_transparent = void;
        bool operator()(std::span<const std::byte> a, std::span<const std::byte> b) const noexcept
        {
            return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
        }
    };
    using map = std::map<bytes, entry, id_less>;

    void erase(map::iterator it)
    {
        auto& value = it->second.value;
        crypto::secure_zero(value.data(), value.size());
        bytes_ -= value.size();
        order_.erase(it->second.order);
        entries_.erase(it);
    }

    std::mutex mutex_;
    const std::size_t max_entries_;
    const std::size_t max_bytes_;
    std::size_t bytes_ = 0; // sum of the values' sizes
    map entries_;
    std::list<bytes> order_; // the ids, oldest first
};

} // namespace

std::shared_ptr<session_store> make_memory_session_store(std::size_t max_entries, std::size_t max_bytes)
{
    return std::make_shared<memory_store>(max_entries, max_bytes);
}

} // namespace mtls
