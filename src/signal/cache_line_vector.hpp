#pragma once
// A std::vector whose data start on a cache line. The segment pass loads and stores one 64-byte
// vector (16 channels of a frame) at a time from the raw block and the filtered and envelope
// arrays, and the decoder stores 32 bytes at a time into the raw block; with the 16-byte
// alignment malloc gives such large arrays, every one of those accesses straddled two cache lines
// (the pass took about 10 % longer). The kernel also copies a file block faster into a buffer
// that starts on a line.

#include <cstddef>
#include <new>
#include <vector>

namespace twitchwatch::signal {

inline constexpr std::size_t kCacheLineBytes = 64;

template <class T>
struct CacheLineAllocator {
    using value_type = T;

    CacheLineAllocator() = default;
    template <class U>
    CacheLineAllocator(const CacheLineAllocator<U>&) noexcept {}

    T* allocate(std::size_t n) {
        return static_cast<T*>(::operator new (n * sizeof(T), std::align_val_t{kCacheLineBytes}));
    }
    // The unsized form: Clang (the fuzz build) does not declare sized deallocation by default.
    void deallocate(T* p, std::size_t) noexcept {
        ::operator delete (p, std::align_val_t{kCacheLineBytes});
    }
    template <class U>
    bool operator==(const CacheLineAllocator<U>&) const noexcept {
        return true;
    }
};

template <class T>
using CacheLineVector = std::vector<T, CacheLineAllocator<T>>;

}  // namespace twitchwatch::signal
