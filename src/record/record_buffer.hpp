#ifndef MTLS_SRC_RECORD_RECORD_BUFFER_HPP
#define MTLS_SRC_RECORD_RECORD_BUFFER_HPP

// Growable bytes for the record layer's receive buffer and send queues. Their
// storage is a block of a fixed size taken from, and given back to, a small
// per-thread pool: a connection that drains its buffers after every record
// takes them again without calling the allocator, and an idle one holds none.

#include <cstddef>

namespace mtls::record {

class record_buffer {
public:
    /// Storage grows to a block of `block_size` bytes first, then doubles
    /// (blocks past the first size are not pooled).
    explicit record_buffer(std::size_t block_size) noexcept : block_size_(block_size) {}
    record_buffer(record_buffer&& other) noexcept;
    record_buffer& operator=(record_buffer&& other) noexcept;
    ~record_buffer() { release(); }

    std::byte* data() noexcept { return data_; }
    const std::byte* data() const noexcept { return data_; }
    std::size_t size() const noexcept { return size_; }
    std::size_t capacity() const noexcept { return capacity_; }
    bool empty() const noexcept { return size_ == 0; }
    /// New bytes are left uninitialised: they are overwritten at once.
    void resize(std::size_t n);
    /// Gives the storage back (a block to the pool) and leaves no bytes.
    void release() noexcept;
    void swap(record_buffer& other) noexcept;

private:
    std::byte* data_ = nullptr;
    std::size_t size_ = 0;
    std::size_t capacity_ = 0;
    std::size_t block_size_;
};

/// Bytes of the blocks this thread's pool keeps for reuse (they belong to no
/// connection).
std::size_t pooled_bytes() noexcept;

} // namespace mtls::record

#endif
