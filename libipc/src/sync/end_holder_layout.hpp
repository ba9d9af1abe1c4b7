#pragma once
// The holder word of a channel end, shared by every segment kind. docs/LAYOUT.md 4.7.

#include <cstddef>
#include <cstdint>

namespace ipc::layout {

// Who holds one end of a channel (a ring's writer or reader, a slots host or a slot's guest).
// `owner` packs the holder's pid (high 32 bits) and its end_state (low 32 bits) so that a single
// compare-and-swap decides between racing claimants.
enum class end_state : std::uint32_t {
    none = 0,      // never attached
    attached = 1,  // pid and start_time identify the holder
    closed = 2,    // the holder detached cleanly
    claiming = 3,  // pid is taking the end; start_time not yet written
};

struct end_holder {
    std::uint64_t owner;       // (pid << 32) | end_state
    std::uint64_t start_time;  // holder's start time; valid once owner says attached
};
static_assert(sizeof(end_holder) == 16);
static_assert(offsetof(end_holder, owner) == 0);
static_assert(offsetof(end_holder, start_time) == 8);

constexpr std::uint64_t make_owner(std::int32_t pid, end_state state) noexcept {
    return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(pid)) << 32) |
           static_cast<std::uint32_t>(state);
}
constexpr std::int32_t owner_pid(std::uint64_t owner) noexcept {
    return static_cast<std::int32_t>(static_cast<std::uint32_t>(owner >> 32));
}
constexpr std::uint32_t owner_state(std::uint64_t owner) noexcept {
    return static_cast<std::uint32_t>(owner);
}

}  // namespace ipc::layout
