#pragma once
// The ZIPC ring's layout (internal), as ../shared/specs/zipc.md gives it: head at 0, tail at 64
// (each on its own cache line), the slots' u64 lengths at 128, then the slots, then the i32
// init flag. Sizes and offsets are computed here once and checked against overflow, since the
// slot count and size come from the caller (and, for an existing object, must match it).

#include <cstddef>
#include <cstdint>
#include <optional>

namespace ipc::detail::zipc {

inline constexpr std::size_t head_offset = 0;
inline constexpr std::size_t tail_offset = 64;
inline constexpr std::size_t lengths_offset = 128;
inline constexpr std::int32_t init_magic = 0x5a495043;  // "ZIPC"
// The reference sizes its objects 128 bytes past the flag; libipc makes them the same size.
inline constexpr std::size_t reference_tail_bytes = 128;
// Names: '/' then up to 38 more characters, no other '/'.
inline constexpr std::size_t max_name_length = 39;

struct geometry {
    std::uint32_t slots;         // Q (holds Q - 1 messages)
    std::uint32_t message_size;  // M
    std::size_t slots_offset;    // 128 + 8Q
    std::size_t flag_offset;     // 128 + 8Q + MQ
    std::size_t mapped_bytes;    // what a side maps: through the flag
    std::size_t object_bytes;    // what a side makes the object: the reference's size

    std::size_t slot_offset(std::uint32_t i) const noexcept {
        return slots_offset + static_cast<std::size_t>(i) * message_size;
    }
};

// The geometry of Q slots of M bytes; nullopt when Q < 2, M < 1, or the object would exceed
// `max_bytes`.
std::optional<geometry> geometry_of(std::uint32_t slots, std::uint32_t message_size,
                                    std::size_t max_bytes = std::size_t{1} << 40) noexcept;

}  // namespace ipc::detail::zipc
