#pragma once
// Deterministic message streams shared by test writers and readers: message i of a stream has
// a size and bytes that both sides derive from (seed, i), so the reader checks every byte.

#include <cstddef>
#include <cstdint>
#include <span>

namespace ipc::test {

inline std::uint64_t splitmix(std::uint64_t x) noexcept {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

inline std::size_t message_size(std::uint64_t seed, std::uint64_t i, std::size_t max) noexcept {
    return static_cast<std::size_t>(splitmix(seed ^ (i * 0x100000001b3ull)) % (max + 1));
}

inline void fill_message(std::uint64_t seed, std::uint64_t i, std::span<std::byte> out) noexcept {
    std::uint64_t state = splitmix(seed + i);
    for (std::size_t k = 0; k < out.size(); k += 8) {
        state = splitmix(state);
        for (std::size_t b = 0; b < 8 && k + b < out.size(); ++b) {
            out[k + b] = static_cast<std::byte>(state >> (8 * b));
        }
    }
}

}  // namespace ipc::test
