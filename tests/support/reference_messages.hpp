#pragma once
// The messages the spec-only reference helpers (helpers/*_reference.c) send and check: message
// n is n as 8 little-endian bytes, then bytes (n * 31 + i) & 0xff, of a length from n that fits
// `capacity`: 8 + (n * 7919) % (capacity - 7).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

namespace ipc::test {

inline std::size_t reference_length(std::uint64_t n, std::size_t capacity) {
    return 8 + (n * 7919) % (capacity - 7);
}

inline std::vector<std::byte> reference_message(std::uint64_t n, std::size_t capacity) {
    std::vector<std::byte> m(reference_length(n, capacity));
    std::memcpy(m.data(), &n, 8);
    for (std::size_t i = 8; i < m.size(); ++i) {
        m[i] = static_cast<std::byte>((n * 31 + i) & 0xff);
    }
    return m;
}

inline bool is_reference_message(std::span<const std::byte> m, std::uint64_t n,
                                 std::size_t capacity) {
    const auto expected = reference_message(n, capacity);
    return std::equal(m.begin(), m.end(), expected.begin(), expected.end());
}

}  // namespace ipc::test
