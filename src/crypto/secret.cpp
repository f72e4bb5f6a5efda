#include "secret.hpp"

#include <mbedtls/platform_util.h>

#include <algorithm>

namespace mtls::crypto {

void secure_zero(void* p, std::size_t n) noexcept
{
    if (n != 0)
        mbedtls_platform_zeroize(p, n);
}

bool constant_time_equal(bytes_view a, bytes_view b) noexcept
{
    if (a.size() != b.size())
        return false;
    // Accumulate every difference so the time does not depend on where the
    // first mismatch is.
    unsigned diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        diff |= static_cast<unsigned>(a[i] ^ b[i]);
    return diff == 0;
}

void secret::assign(bytes_view b) noexcept
{
    const std::size_t n = std::min(b.size(), capacity);
    secure_zero(data_.data(), data_.size());
    std::copy_n(b.begin(), n, data_.begin());
    size_ = n;
}

mutable_bytes secret::resize(std::size_t n) noexcept
{
    n = std::min(n, capacity);
    if (n < size_)
        secure_zero(data_.data() + n, size_ - n);
    size_ = n;
    return {data_.data(), size_};
}

} // namespace mtls::crypto
