#ifndef MTLS_BENCH_HEAP_COUNTER_HPP
#define MTLS_BENCH_HEAP_COUNTER_HPP

// Heap use as the C allocator sees it. heap_counter.cpp replaces malloc,
// calloc, realloc, free and the aligned allocators in the executable that
// links it, so every allocation of the process is counted: operator new,
// mbedTLS's calloc and OpenSSL's CRYPTO_malloc alike. Bytes are
// malloc_usable_size, what the allocator really set aside.

#include <cstdint>

namespace mtls::bench::heap {

/// Bytes allocated and not yet freed, by every thread.
std::int64_t bytes_in_use() noexcept;
/// Allocations (realloc included) made by the calling thread so far.
std::uint64_t thread_allocations() noexcept;

} // namespace mtls::bench::heap

#endif
