// Interposes the C allocator for the bench program (see heap_counter.hpp):
// each replacement calls glibc's own entry point (__libc_malloc, ...) and
// counts. Only the executable defines these symbols, so libmtls and the
// libraries it is compared with are counted without being changed.

#include "heap_counter.hpp"

#include <malloc.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdlib>

extern "C" {
void* __libc_malloc(std::size_t size);
void* __libc_calloc(std::size_t count, std::size_t size);
void* __libc_realloc(void* old, std::size_t size);
void __libc_free(void* p);
void* __libc_memalign(std::size_t alignment, std::size_t size);
}

namespace {

std::atomic<std::int64_t> in_use{0};
// initial-exec: reading it never allocates, even in a thread's first malloc.
thread_local __attribute__((tls_model("initial-exec"))) std::uint64_t made_here = 0;

void* note(void* p) noexcept
{
    if (p != nullptr) {
        in_use.fetch_add(static_cast<std::int64_t>(malloc_usable_size(p)), std::memory_order_relaxed);
        ++made_here;
    }
    return p;
}

void forget(void* p) noexcept
{
    if (p != nullptr)
        in_use.fetch_sub(static_cast<std::int64_t>(malloc_usable_size(p)), std::memory_order_relaxed);
}

bool power_of_two(std::size_t n) noexcept
{
    return n != 0 && (n & (n - 1)) == 0;
}

} // namespace

namespace mtls::bench::heap {

std::int64_t bytes_in_use() noexcept
{
    return in_use.load(std::memory_order_relaxed);
}
std::uint64_t thread_allocations() noexcept
{
    return made_here;
}

} // namespace mtls::bench::heap

extern "C" {

void* malloc(std::size_t size) noexcept
{
    return note(__libc_malloc(size));
}

void* calloc(std::size_t count, std::size_t size) noexcept
{
    return note(__libc_calloc(count, size));
}

void* realloc(void* old, std::size_t size) noexcept
{
    // The old block is gone once realloc succeeds (or when size is 0, where
    // glibc frees it); on failure it stays, and so does its count.
    const auto old_size = old != nullptr ? malloc_usable_size(old) : 0;
    void* p = __libc_realloc(old, size);
    if (p != nullptr || size == 0)
        in_use.fetch_sub(static_cast<std::int64_t>(old_size), std::memory_order_relaxed);
    return note(p);
}

void free(void* p) noexcept
{
    forget(p);
    __libc_free(p);
}

void* memalign(std::size_t alignment, std::size_t size) noexcept
{
    return note(__libc_memalign(alignment, size));
}

void* aligned_alloc(std::size_t alignment, std::size_t size) noexcept
{
    return note(__libc_memalign(alignment, size));
}

int posix_memalign(void** out, std::size_t alignment, std::size_t size) noexcept
{
    if (!power_of_two(alignment) || alignment % sizeof(void*) != 0)
        return EINVAL;
    void* p = note(__libc_memalign(alignment, size));
    if (p == nullptr)
        return ENOMEM;
    *out = p;
    return 0;
}

void* valloc(std::size_t size) noexcept
{
    return note(__libc_memalign(4096, size));
}

} // extern "C"
