// SSLKEYLOGFILE for the example programs, as curl, Firefox and OpenSSL-based
// tools honour it: when the variable names a file, each handshake's secrets
// are appended to it as NSS key log lines, which Wireshark and tshark decrypt
// captures with (tls.keylog_file). For debugging only: whoever reads the file
// reads the traffic.
#pragma once

#include <mtls/context.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>

namespace examples {

// The file SSLKEYLOGFILE names, opened once per process (appending, created
// readable by its owner only), and the lock its writers take.
struct key_log_file {
    std::mutex mutex;
    int fd = -1;
    explicit key_log_file(const char* path) : fd(::open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600)) {
        if (fd < 0) throw std::runtime_error(std::string("SSLKEYLOGFILE ") + path + ": " + std::strerror(errno));
    }
    ~key_log_file() { ::close(fd); }
    key_log_file(const key_log_file&) = delete;
    key_log_file& operator=(const key_log_file&) = delete;

    // One line and its newline in one write, under the lock (servers run
    // handshakes on several threads), so it reaches the file whole before the
    // handshake goes on.
    void append(std::string_view line) {
        std::string text;
        text.reserve(line.size() + 1); // one buffer, wiped below: the line is a secret
        text.append(line).push_back('\n');
        std::lock_guard lock(mutex);
        std::string_view rest = text;
        while (!rest.empty()) {
            const auto n = ::write(fd, rest.data(), rest.size());
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break; // a key log is best effort: the connection goes on
            rest.remove_prefix(static_cast<std::size_t>(n));
        }
        explicit_bzero(text.data(), text.size());
    }
};

// When SSLKEYLOGFILE is set and not empty, `ctx` appends its key log lines to
// that file; throws when the file cannot be opened.
inline void use_key_log_file(mtls::context& ctx) {
    const char* path = std::getenv("SSLKEYLOGFILE");
    if (path == nullptr || *path == '\0') return;
    static const auto file = std::make_shared<key_log_file>(path);
    ctx.set_keylog_callback([f = file](std::string_view line) { f->append(line); });
}

} // namespace examples
