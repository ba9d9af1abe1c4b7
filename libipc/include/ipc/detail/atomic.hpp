#pragma once
// Atomic access to plain fields of shared-memory structs. The structs stay trivially copyable
// (std::atomic members would not be); every access names its memory order at the call site.

#include <atomic>
#include <cstdint>
#include <type_traits>

namespace ipc::detail {

template <class T>
inline T load(const T& field, std::memory_order order) noexcept {
    static_assert(std::is_integral_v<T> && sizeof(T) <= 8);
    // A load never writes, so reading through a PROT_READ mapping is safe.
    return std::atomic_ref<T>(const_cast<T&>(field)).load(order);
}

template <class T>
inline void store(T& field, T value, std::memory_order order) noexcept {
    static_assert(std::is_integral_v<T> && sizeof(T) <= 8);
    std::atomic_ref<T>(field).store(value, order);
}

template <class T>
inline bool compare_exchange(T& field, T& expected, T desired) noexcept {
    return std::atomic_ref<T>(field).compare_exchange_strong(expected, desired,
                                                             std::memory_order_acq_rel);
}

template <class T>
inline T exchange(T& field, T value, std::memory_order order) noexcept {
    return std::atomic_ref<T>(field).exchange(value, order);
}

template <class T>
inline T fetch_add(T& field, T delta, std::memory_order order) noexcept {
    return std::atomic_ref<T>(field).fetch_add(delta, order);
}

// Increment by the only writer of a field: a relaxed load and store, no locked instruction.
// Observers may read a value a moment old, never a torn one (aligned 8-byte accesses).
template <class T>
inline void bump(T& field, T delta) noexcept {
    store(field, static_cast<T>(load(field, std::memory_order_relaxed) + delta),
          std::memory_order_relaxed);
}

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
}

}  // namespace ipc::detail
