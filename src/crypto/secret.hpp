#ifndef MTLS_SRC_CRYPTO_SECRET_HPP
#define MTLS_SRC_CRYPTO_SECRET_HPP

// Byte views, secret storage that wipes itself, and constant-time comparison.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace mtls::crypto {

using bytes_view = std::span<const std::byte>;
using mutable_bytes = std::span<std::byte>;

/// Overwrites memory in a way the compiler may not elide.
void secure_zero(void* p, std::size_t n) noexcept;

/// Equality in time that depends only on the lengths (MACs, Finished, binders).
bool constant_time_equal(bytes_view a, bytes_view b) noexcept;

/// Fixed-capacity secret (keys, IVs, master and traffic secrets), wiped on
/// destruction and on reassignment. No heap: lives inline in its owner.
class secret {
public:
    static constexpr std::size_t capacity = 64;

    secret() noexcept = default;
    explicit secret(bytes_view b) noexcept { assign(b); }
    secret(const secret& o) noexcept { assign(o.view()); }
    secret& operator=(const secret& o) noexcept { if (this != &o) assign(o.view()); return *this; }
    ~secret() { secure_zero(data_.data(), data_.size()); }

    /// Copies up to `capacity` bytes.
    void assign(bytes_view b) noexcept;
    /// Sets the length (<= capacity) and exposes the bytes for filling.
    mutable_bytes resize(std::size_t n) noexcept;
    void clear() noexcept { secure_zero(data_.data(), data_.size()); size_ = 0; }

    bytes_view view() const noexcept { return {data_.data(), size_}; }
    mutable_bytes span() noexcept { return {data_.data(), size_}; }
    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }

private:
    std::array<std::byte, capacity> data_{};
    std::size_t size_ = 0;
};

} // namespace mtls::crypto

#endif
