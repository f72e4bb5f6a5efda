#include "record/record_buffer.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <new>
#include <utility>

namespace mtls::record {
namespace {

/// Blocks kept per size and thread: enough for both directions of a few
/// connections served by one thread; the rest go back to the allocator.
constexpr std::size_t blocks_per_size = 4;
/// The record layer uses two block sizes (receive buffer, send queue).
constexpr std::size_t pooled_sizes = 2;

struct free_list {
    std::size_t size = 0;
    std::size_t count = 0;
    std::array<std::byte*, blocks_per_size> blocks{};
};

/// Trivially destructible, so a buffer released while the thread's other
/// thread_local or static objects are destroyed still finds it.
struct pool_state {
    std::array<free_list, pooled_sizes> lists{};
    bool closed = false; // the thread is ending: blocks go straight back
};
constinit thread_local pool_state pool;

/// Frees the pooled blocks when the thread ends.
struct pool_drain {
    pool_drain() = default;
    pool_drain(const pool_drain&) = delete;
    pool_drain& operator=(const pool_drain&) = delete;
    ~pool_drain()
    {
        for (auto& list : pool.lists)
            for (std::size_t i = 0; i < list.count; ++i)
                ::operator delete(list.blocks[i]);
        pool = pool_state{};
        pool.closed = true;
    }
};
thread_local pool_drain drain;

free_list* list_for(std::size_t size) noexcept
{
    for (auto& list : pool.lists) {
        if (list.size == size)
            return &list;
        if (list.size == 0) {
            list.size = size;
            return &list;
        }
    }
    return nullptr;
}

std::byte* take(std::size_t size)
{
    if (free_list* list = list_for(size); list && list->count > 0)
        return list->blocks[--list->count];
    return static_cast<std::byte*>(::operator new(size));
}

void give(std::byte* block, std::size_t size) noexcept
{
    free_list* list = pool.closed ? nullptr : list_for(size);
    if (list && list->count < blocks_per_size) {
        static_cast<void>(&drain); // registers the clean-up at thread exit
        list->blocks[list->count++] = block;
        return;
    }
    ::operator delete(block);
}

} // namespace

std::size_t pooled_bytes() noexcept
{
    std::size_t total = 0;
    for (const auto& list : pool.lists)
        total += list.size * list.count;
    return total;
}

record_buffer::record_buffer(record_buffer&& other) noexcept : block_size_(other.block_size_)
{
    swap(other);
}

record_buffer& record_buffer::operator=(record_buffer&& other) noexcept
{
    record_buffer moved(std::move(other));
    swap(moved);
    return *this;
}

void record_buffer::resize(std::size_t n)
{
    if (n > capacity_) {
        const std::size_t capacity = std::max({n, block_size_, 2 * capacity_});
        auto* grown = capacity == block_size_ ? take(capacity) : static_cast<std::byte*>(::operator new(capacity));
        if (size_ != 0)
            std::memcpy(grown, data_, size_);
        const std::size_t kept = size_;
        release();
        data_ = grown;
        capacity_ = capacity;
        size_ = kept;
    }
    size_ = n;
}

void record_buffer::release() noexcept
{
    if (data_ == nullptr)
        return;
    if (capacity_ == block_size_)
        give(data_, capacity_);
    else
        ::operator delete(data_);
    data_ = nullptr;
    size_ = 0;
    capacity_ = 0;
}

void record_buffer::swap(record_buffer& other) noexcept
{
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    std::swap(capacity_, other.capacity_);
    std::swap(block_size_, other.block_size_);
}

} // namespace mtls::record
