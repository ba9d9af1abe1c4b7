#pragma once
// Unsigned LEB128 varints (7 bits a byte, low group first), as used by stream framing.

#include <cstddef>
#include <cstdint>
#include <span>

#include "ipc/error.hpp"

namespace ipc::varint {

inline constexpr std::size_t max_bytes = 10;  // a uint64_t needs at most 10 groups of 7 bits

struct decoded {
    std::uint64_t value;
    std::size_t length;  // bytes consumed
};

// Writes `value` to `out` (which must hold max_bytes); returns the bytes written.
std::size_t encode(std::uint64_t value, std::span<std::byte, max_bytes> out) noexcept;

// Bytes encode() would write.
std::size_t encoded_size(std::uint64_t value) noexcept;

// Reads one varint from the front of `in`. Errors: empty when `in` ends before the last
// byte (more input may complete it); corrupt for an over-long or overflowing encoding, and for
// a non-minimal one (trailing zero groups), so every value has exactly one encoding.
result<decoded> decode(std::span<const std::byte> in) noexcept;

}  // namespace ipc::varint
