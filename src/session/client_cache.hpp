#ifndef MTLS_SRC_SESSION_CLIENT_CACHE_HPP
#define MTLS_SRC_SESSION_CLIENT_CACHE_HPP

// A client context's sessions by server (host name and port), so that a
// client resumes without handing sessions from stream to stream.

#include "session/session_state.hpp"

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace mtls::detail {

/// Thread-safe. At most `max_servers` servers, the least recently used
/// going first, and a few sessions per server: TLS 1.3 tickets are used once
/// each (RFC 8446 §C.4), so a server's several tickets serve as many
/// connections; a TLS 1.2 session is used again until it expires.
class client_session_cache {
public:
    static constexpr std::size_t sessions_per_server = 4;

    explicit client_session_cache(std::size_t max_servers) : max_servers_(max_servers) {}

    /// The newest unexpired session for `server`; a TLS 1.3 one is taken out.
    std::shared_ptr<const session_state> take(const std::string& server, std::uint64_t now);
    void put(const std::string& server, std::shared_ptr<const session_state> s);

private:
    using sessions = std::vector<std::shared_ptr<const session_state>>; // oldest first
    using lru_list = std::list<std::string>;                            // most recent first
    struct entry {
        sessions kept;
        lru_list::iterator position;
    };
    void touch(entry& e);

    std::mutex mutex_;
    std::size_t max_servers_;
    std::map<std::string, entry, std::less<>> entries_;
    lru_list lru_;
};

} // namespace mtls::detail

#endif
