#include "session/client_cache.hpp"

namespace mtls::detail {

void client_session_cache::touch(entry& e)
{
    lru_.splice(lru_.begin(), lru_, e.position);
}

std::shared_ptr<const session_state> client_session_cache::take(const std::string& server, std::uint64_t now)
{
    std::lock_guard lock(mutex_);
    auto it = entries_.find(server);
    if (it == entries_.end())
        return nullptr;
    auto& kept = it->second.kept;
    std::erase_if(kept, [&](const auto& s) { return s->expired(now); });
    if (kept.empty()) {
        lru_.erase(it->second.position);
        entries_.erase(it);
        return nullptr;
    }
    touch(it->second);
    auto newest = kept.back();
    if (newest->version == tls_version::tls13)
        kept.pop_back();
    return newest;
}

void client_session_cache::put(const std::string& server, std::shared_ptr<const session_state> s)
{
    if (max_servers_ == 0)
        return;
    std::lock_guard lock(mutex_);
    auto it = entries_.find(server);
    if (it == entries_.end()) {
        if (entries_.size() == max_servers_) {
            entries_.erase(lru_.back());
            lru_.pop_back();
        }
        lru_.push_front(server);
        it = entries_.emplace(server, entry{{}, lru_.begin()}).first;
    } else {
        touch(it->second);
    }
    auto& kept = it->second.kept;
    // A TLS 1.2 session replaces the server's others: it is reused, not used up.
    if (s->version == tls_version::tls12)
        kept.clear();
    if (kept.size() == sessions_per_server)
        kept.erase(kept.begin());
    kept.push_back(std::move(s));
}

} // namespace mtls::detail
