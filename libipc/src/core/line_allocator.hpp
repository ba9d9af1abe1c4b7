#pragma once
// An allocator of whole cache lines (internal): a buffer that one thread writes then shares no
// line with another thread's data, wherever the heap puts the two.

#include <cstddef>
#include <new>

namespace ipc::detail {

inline constexpr std::size_t cache_line_size = 64;

template <class T>
struct line_allocator {
    using value_type = T;

    line_allocator() noexcept = default;
    template <class U>
    line_allocator(const line_allocator<U>&) noexcept {}

    T* allocate(std::size_t n) {
        const std::size_t bytes =
            (n * sizeof(T) + cache_line_size - 1) / cache_line_size * cache_line_size;
        return static_cast<T*>(::operator new (bytes, std::align_val_t{cache_line_size}));
    }
    void deallocate(T* p, std::size_t) noexcept {
        ::operator delete (p, std::align_val_t{cache_line_size});
    }

    template <class U>
    bool operator==(const line_allocator<U>&) const noexcept {
        return true;
    }
};

}  // namespace ipc::detail
