#ifndef MTLS_TEST_SUPPORT_HEAP_METER_HPP
#define MTLS_TEST_SUPPORT_HEAP_METER_HPP

// Counts every heap allocation in the process, operator new and mbedTLS's
// calloc alike: bytes in use and allocation calls. Include in one source file
// of a test program only (it defines the C allocator in plain builds).
//
// Plain builds replace malloc and its relatives (glibc supports replacing
// them, "Replacing malloc" in its manual) and forward to __libc_*, keeping
// the usable size of each block. Under AddressSanitizer, which owns malloc,
// the sanitizer's own figures and allocation hook are used instead.

#include <malloc.h>

#include <atomic>
#include <cstddef>
#include <cstdint>

#if defined(__SANITIZE_ADDRESS__)
#define MTLS_TEST_HEAP_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MTLS_TEST_HEAP_ASAN 1
#endif
#endif

#ifdef MTLS_TEST_HEAP_ASAN
#include <sanitizer/allocator_interface.h>
#endif

namespace mtls::test::heap {

inline std::atomic<std::int64_t> live_bytes{0};
inline std::atomic<std::uint64_t> allocations{0};

/// Bytes of heap in use and allocation calls so far.
struct reading {
    std::int64_t bytes;
    std::uint64_t calls;
};

#ifdef MTLS_TEST_HEAP_ASAN
inline void on_malloc(const volatile void*, std::size_t) { allocations.fetch_add(1, std::memory_order_relaxed); }
inline void on_free(const volatile void*) {}
inline const int hooks_installed = __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);

inline reading now()
{
    return {static_cast<std::int64_t>(__sanitizer_get_current_allocated_bytes()),
            allocations.load(std::memory_order_relaxed)};
}
#else
inline reading now() { return {live_bytes.load(std::memory_order_relaxed), allocations.load(std::memory_order_relaxed)}; }
#endif

} // namespace mtls::test::heap

#ifndef MTLS_TEST_HEAP_ASAN
extern "C" {
void* __libc_malloc(std::size_t) noexcept;
void* __libc_calloc(std::size_t, std::size_t) noexcept;
void* __libc_realloc(void*, std::size_t) noexcept;
void* __libc_memalign(std::size_t, std::size_t) noexcept;
void __libc_free(void*) noexcept;
}

namespace mtls::test::heap {
inline void* counted(void* p) noexcept
{
    if (p) {
        live_bytes.fetch_add(static_cast<std::int64_t>(malloc_usable_size(p)), std::memory_order_relaxed);
        allocations.fetch_add(1, std::memory_order_relaxed);
    }
    return p;
}
inline void uncounted(void* p) noexcept
{
    if (p)
        live_bytes.fetch_sub(static_cast<std::int64_t>(malloc_usable_size(p)), std::memory_order_relaxed);
}
} // namespace mtls::test::heap

extern "C" {
void* malloc(std::size_t n) noexcept { return mtls::test::heap::counted(__libc_malloc(n)); }
void* calloc(std::size_t n, std::size_t size) noexcept { return mtls::test::heap::counted(__libc_calloc(n, size)); }
void* realloc(void* p, std::size_t n) noexcept
{
    mtls::test::heap::uncounted(p);
    void* q = __libc_realloc(p, n);
    if (!q && p && n != 0) {
        mtls::test::heap::live_bytes.fetch_add(static_cast<std::int64_t>(malloc_usable_size(p)),
                                                  std::memory_order_relaxed);
        return nullptr;
    }
    return mtls::test::heap::counted(q);
}
void free(void* p) noexcept
{
    mtls::test::heap::uncounted(p);
    __libc_free(p);
}
void* memalign(std::size_t align, std::size_t n) noexcept { return mtls::test::heap::counted(__libc_memalign(align, n)); }
void* aligned_alloc(std::size_t align, std::size_t n) noexcept { return memalign(align, n); }
int posix_memalign(void** out, std::size_t align, std::size_t n) noexcept
{
    void* p = memalign(align, n);
    if (!p)
        return 12; // ENOMEM
    *out = p;
    return 0;
}
} // extern "C"
#endif

#endif
