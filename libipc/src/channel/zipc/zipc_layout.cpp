#include "channel/zipc/zipc_layout.hpp"

namespace ipc::detail::zipc {

std::optional<geometry> geometry_of(std::uint32_t slots, std::uint32_t message_size,
                                    std::size_t max_bytes) noexcept {
    if (slots < 2 || message_size < 1) {
        return std::nullopt;
    }
    // 64-bit arithmetic from 32-bit inputs: (2^32)^2 fits, so no product below overflows.
    const std::size_t area = static_cast<std::size_t>(slots) * message_size;
    const std::size_t slots_offset = lengths_offset + 8 * static_cast<std::size_t>(slots);
    const std::size_t flag_offset = slots_offset + area;
    const std::size_t object_bytes = flag_offset + sizeof(std::int32_t) + reference_tail_bytes;
    if (object_bytes > max_bytes) {
        return std::nullopt;
    }
    return geometry{
        slots,       message_size, slots_offset, flag_offset, flag_offset + sizeof(std::int32_t),
        object_bytes};
}

}  // namespace ipc::detail::zipc
