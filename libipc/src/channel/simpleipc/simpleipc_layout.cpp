#include "channel/simpleipc/simpleipc_layout.hpp"

namespace ipc::detail::simpleipc {

std::optional<geometry> geometry_of(std::uint32_t slots, std::uint32_t slot_size,
                                    std::size_t max_bytes) noexcept {
    if (slots < 1 || slots > max_slots || slot_size < min_slot_size || slot_size % 4 != 0) {
        return std::nullopt;
    }
    // 64-bit arithmetic from 32-bit inputs: no product below overflows.
    const std::size_t object_bytes =
        header_bytes + static_cast<std::size_t>(slots) * (slot_header_bytes + slot_size);
    if (object_bytes > max_bytes) {
        return std::nullopt;
    }
    return geometry{slots, slot_size, half_of(slot_size), object_bytes};
}

std::optional<placement> place(std::int32_t size, std::uint32_t half) noexcept {
    // In 64 bits: the negation of INT32_MIN does not fit in 32.
    const std::int64_t signed_size = size;
    const std::uint64_t length =
        static_cast<std::uint64_t>(signed_size < 0 ? -signed_size : signed_size);
    if (length > half) {
        return std::nullopt;
    }
    const auto n = static_cast<std::uint32_t>(length);
    return placement{size < 0 ? half - n : 0, n};
}

}  // namespace ipc::detail::simpleipc
