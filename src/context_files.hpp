#ifndef MTLS_SRC_CONTEXT_FILES_HPP
#define MTLS_SRC_CONTEXT_FILES_HPP

// What the context's setters share: reading files that may hold keys, and
// the throwing overloads' error reporting.

#include "crypto/secret.hpp"

#include <mtls/error.hpp>

#include <boost/system/system_error.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

namespace mtls::detail {

inline void throw_if(const error_code& ec, const char* what)
{
    if (ec)
        throw boost::system::system_error(ec, what);
}

/// For the overloads that read files: what() names the file, as in
/// "mtls::context::use_private_key_file: /etc/key.pem: bad decrypt: ...".
inline void throw_if(const error_code& ec, const char* what, const std::string& path)
{
    if (ec)
        throw boost::system::system_error(ec, std::string(what) + ": " + path);
}

/// A certificate the user handed in failed to parse: no peer is involved.
inline error_code local_certificate_error(const error_code& ec)
{
    return ec == error::bad_certificate ? error_code(error::bad_local_certificate) : ec;
}

// Key files are secret: the buffer is wiped when dropped.
class file_contents {
public:
    file_contents() = default;
    file_contents(const file_contents&) = delete;
    file_contents& operator=(const file_contents&) = delete;
    ~file_contents() { crypto::secure_zero(data_.data(), data_.size()); }

    error_code read(const std::string& path)
    {
        std::FILE* f = std::fopen(path.c_str(), "rb");
        if (f == nullptr)
            return {errno, boost::system::generic_category()};
        std::array<std::byte, 4096> chunk;
        std::size_t n = 0;
        while ((n = std::fread(chunk.data(), 1, chunk.size(), f)) != 0) {
            if (data_.size() + n > data_.capacity()) {
                // Grow by hand so no unwiped copy of a key is left behind.
                std::vector<std::byte> bigger;
                bigger.reserve(std::max<std::size_t>(2 * data_.capacity(), data_.size() + n));
                bigger.assign(data_.begin(), data_.end());
                crypto::secure_zero(data_.data(), data_.size());
                data_.swap(bigger);
            }
            data_.insert(data_.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(n));
        }
        crypto::secure_zero(chunk.data(), chunk.size());
        const bool failed = std::ferror(f) != 0;
        std::fclose(f);
        if (failed)
            return {EIO, boost::system::generic_category()};
        return {};
    }

    std::span<const std::byte> view() const noexcept { return data_; }

private:
    std::vector<std::byte> data_;
};

} // namespace mtls::detail

#endif
