#ifndef MTLS_SRC_WIRE_CODEC_HPP
#define MTLS_SRC_WIRE_CODEC_HPP

// Bounded reader and length-prefixing writer for TLS presentation-language data.

#include "crypto/secret.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace mtls::wire {

using crypto::bytes_view;

/// Reads big-endian integers and length-prefixed vectors from a span. It can
/// never run past its span: a read that does not fit returns zero/empty and
/// marks the reader failed, so a parser checks `ok()` once at the end.
class reader {
public:
    explicit reader(bytes_view data) noexcept : data_(data) {}

    bool ok() const noexcept { return ok_; }
    /// Nothing more can be read: all consumed, or a read failed. A loop
    /// `while (!r.empty())` therefore ends even when the peer's lengths lie.
    bool empty() const noexcept { return !ok_ || pos_ == data_.size(); }
    std::size_t remaining() const noexcept { return data_.size() - pos_; }
    /// Fully consumed without any overrun.
    bool done() const noexcept { return ok_ && empty(); }

    std::uint8_t u8() noexcept { return static_cast<std::uint8_t>(uint(1)); }
    std::uint16_t u16() noexcept { return static_cast<std::uint16_t>(uint(2)); }
    std::uint32_t u24() noexcept { return static_cast<std::uint32_t>(uint(3)); }
    std::uint32_t u32() noexcept { return static_cast<std::uint32_t>(uint(4)); }
    std::uint64_t u64() noexcept { return uint(8); }

    bytes_view bytes(std::size_t n) noexcept
    {
        if (!ok_ || n > remaining()) {
            ok_ = false;
            return {};
        }
        auto out = data_.subspan(pos_, n);
        pos_ += n;
        return out;
    }
    bytes_view rest() noexcept { return bytes(remaining()); }

    /// A vector with a 1-, 2- or 3-byte length prefix.
    bytes_view vec8() noexcept { return bytes(u8()); }
    bytes_view vec16() noexcept { return bytes(u16()); }
    bytes_view vec24() noexcept { return bytes(u24()); }

    /// Marks the reader failed (a semantic length rule was broken).
    void fail() noexcept { ok_ = false; }

private:
    std::uint64_t uint(std::size_t n) noexcept
    {
        auto b = bytes(n);
        std::uint64_t v = 0;
        for (auto x : b)
            v = (v << 8) | static_cast<std::uint8_t>(x);
        return v;
    }

    bytes_view data_;
    std::size_t pos_ = 0;
    bool ok_ = true;
};

/// Appends to a byte vector. A length-prefixed vector is written by
/// `prefixed(width, body)`, which patches the prefix once `body` has run, so
/// no length is ever counted by hand.
class writer {
public:
    explicit writer(std::vector<std::byte>& out) noexcept : out_(out) {}

    void u8(std::uint8_t v) { out_.push_back(std::byte{v}); }
    void u16(std::uint16_t v) { uint(v, 2); }
    void u24(std::uint32_t v) { uint(v, 3); }
    void u32(std::uint32_t v) { uint(v, 4); }
    void u64(std::uint64_t v) { uint(v, 8); }
    void bytes(bytes_view b) { out_.insert(out_.end(), b.begin(), b.end()); }

    /// Writes a `width`-byte length prefix, then whatever `body()` appends,
    /// then patches the prefix with that length.
    template <class Body>
    void prefixed(std::size_t width, Body&& body)
    {
        auto b = open(width);
        body();
        close(b);
    }

    /// The two halves of `prefixed`, for a block whose body is not one scope.
    struct block {
        std::size_t at;
        std::size_t width;
    };
    /// Starts a vector whose length prefix is `width` bytes.
    block open(std::size_t width)
    {
        block b{out_.size(), width};
        out_.resize(out_.size() + width);
        return b;
    }
    void close(block b)
    {
        auto len = out_.size() - b.at - b.width;
        // A body too long for its prefix would be sent with a wrong length.
        if (b.width < sizeof(len) && (len >> (8 * b.width)) != 0)
            overflowed_ = true;
        for (std::size_t i = 0; i < b.width; ++i)
            out_[b.at + i] = std::byte(static_cast<std::uint8_t>(len >> (8 * (b.width - 1 - i))));
    }
    void vec8(bytes_view b)
    {
        prefixed(1, [&] { bytes(b); });
    }
    void vec16(bytes_view b)
    {
        prefixed(2, [&] { bytes(b); });
    }
    void vec24(bytes_view b)
    {
        prefixed(3, [&] { bytes(b); });
    }

    /// Some block was longer than its length prefix can state: the output
    /// is malformed and must not be sent.
    bool overflowed() const noexcept { return overflowed_; }
    std::size_t size() const noexcept { return out_.size(); }

private:
    void uint(std::uint64_t v, std::size_t n)
    {
        for (std::size_t i = n; i-- > 0;)
            out_.push_back(std::byte(static_cast<std::uint8_t>(v >> (8 * i))));
    }

    std::vector<std::byte>& out_;
    bool overflowed_ = false;
};

} // namespace mtls::wire

#endif
