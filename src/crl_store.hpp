#ifndef MTLS_SRC_CRL_STORE_HPP
#define MTLS_SRC_CRL_STORE_HPP

// The CRLs a context checks peer chains against (README: "Revocation (CRLs)").

#include "crypto/pki.hpp"

#include <mtls/error.hpp>
#include <mtls/verify.hpp>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace mtls::detail {

/// A list that is never changed in place: each update builds a new one and
/// swaps the pointer, so a handshake copies the pointer once (current()) and
/// verifies against one consistent set while updates and reloads go on.
class crl_store {
public:
    /// Null while no CRL was given: no revocation checking.
    std::shared_ptr<const crypto::crl_list> current() const;

    error_code add(crypto::bytes_view data, file_format fmt);
    error_code add_file(const std::string& path) { return add_source({path, false}); }
    error_code add_directory(const std::string& dir) { return add_source({dir, true}); }
    /// Reads every file and directory added so far again, keeping the CRLs
    /// given in memory; on any failure the current list stays.
    error_code reload();

private:
    struct source {
        std::string path;
        bool directory;
    };

    static error_code read(crypto::crl_list& into, const source& s);
    error_code add_source(source s);
    void install(std::shared_ptr<const crypto::crl_list> next);
    // Installs a copy of the current list with `given` appended.
    void install_with(const crypto::crl_list& given);

    std::mutex update_mutex_; // one update at a time; held while files are read
    crypto::crl_list memory_; // CRLs given as bytes, which reload keeps
    std::vector<source> sources_;
    mutable std::mutex current_mutex_; // held only to copy or swap the pointer
    std::shared_ptr<const crypto::crl_list> current_;
};

} // namespace mtls::detail

#endif
