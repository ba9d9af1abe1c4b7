#pragma once
// The SimpleIPC slot exchange's layout (internal), as ../shared/specs/simpleipc.md gives it: a
// 64-byte exchange header (slot count, slot size, the two payload offsets), then each slot: a
// 128-byte header (state, the two sizes, message id, host and guest wait words) and its
// payload, the request in the first half and the response in the second. Offsets are computed
// here once with overflow checks; inspect reads the same layout.

#include <cstddef>
#include <cstdint>
#include <optional>

namespace ipc::detail::simpleipc {

inline constexpr std::size_t header_bytes = 64;
inline constexpr std::size_t num_slots_offset = 0;
inline constexpr std::size_t slot_size_offset = 4;
inline constexpr std::size_t req_offset_offset = 8;
inline constexpr std::size_t resp_offset_offset = 12;

inline constexpr std::size_t slot_header_bytes = 128;
inline constexpr std::size_t state_offset = 64;
inline constexpr std::size_t req_size_offset = 68;
inline constexpr std::size_t resp_size_offset = 72;
inline constexpr std::size_t msg_id_offset = 76;
inline constexpr std::size_t host_state_offset = 80;
inline constexpr std::size_t guest_state_offset = 84;

// A slot's state word.
enum slot_state : std::uint32_t { free = 0, req_ready = 1, resp_ready = 2, done = 3, busy = 4 };
// What a request or response is.
enum message_id : std::uint32_t {
    normal = 0,
    heartbeat_req = 1,
    heartbeat_resp = 2,
    shutdown = 3,
    flatbuffer = 10,
};
// hostState and guestState: whether that side sleeps on its semaphore (and must be posted).
enum side_state : std::uint32_t { active = 0, waiting = 1 };

// The most slots libipc makes or accepts (the format itself sets none).
inline constexpr std::uint32_t max_slots = 1024;
inline constexpr std::uint32_t min_slot_size = 128;

struct geometry {
    std::uint32_t slots;
    std::uint32_t slot_size;  // payload bytes per slot
    std::uint32_t half;       // each direction's capacity; the response starts here
    std::size_t object_bytes;

    std::size_t slot_offset(std::uint32_t i) const noexcept {
        return header_bytes + static_cast<std::size_t>(i) * (slot_header_bytes + slot_size);
    }
    std::size_t payload_offset(std::uint32_t i) const noexcept {
        return slot_offset(i) + slot_header_bytes;
    }
};

// The spec's split: floor(slot_size / 2 / 64) * 64, at least 64.
constexpr std::uint32_t half_of(std::uint32_t slot_size) noexcept {
    const std::uint32_t half = slot_size / 2 / 64 * 64;
    return half < 64 ? 64 : half;
}

// The geometry of these slots; nullopt when the count is not 1..max_slots, the size is below
// min_slot_size or not a multiple of 4 (the next slot's atomic words would be misaligned), or
// the object would exceed `max_bytes`.
std::optional<geometry> geometry_of(std::uint32_t slots, std::uint32_t slot_size,
                                    std::size_t max_bytes = std::size_t{1} << 40) noexcept;

// Where a payload of the signed size `size` lies within its half: a negative size is aligned to
// the half's end. nullopt when |size| exceeds the half.
struct placement {
    std::uint32_t offset;  // from the start of the half
    std::uint32_t length;
};
std::optional<placement> place(std::int32_t size, std::uint32_t half) noexcept;

}  // namespace ipc::detail::simpleipc
