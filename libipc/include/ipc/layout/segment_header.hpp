#pragma once
// The 64-byte header every libipc segment starts with. docs/LAYOUT.md lists every field.

#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace ipc::layout {

inline constexpr std::uint32_t segment_magic = 0x4350494cu;  // "LIPC" in memory order
inline constexpr std::uint32_t ready_value = 0x59444552u;    // "REDY": the creator finished

enum class segment_kind : std::uint16_t {
    telemetry = 1,
    ring = 2,
    slots = 3,
};

struct segment_header {
    std::uint32_t magic;                // segment_magic
    std::uint16_t layout_version;       // version of the kind-specific layout
    std::uint16_t kind;                 // segment_kind
    std::uint32_t header_size;          // bytes from offset 0 up to the kind's variable part
    std::uint32_t ready;                // ready_value, stored last with release order
    std::uint64_t total_size;           // bytes of the whole segment
    std::int32_t creator_pid;           //
    std::uint32_t removing;             // 1 while a remover is unlinking it; openers that see it
                                        // after claiming an end leave and open again
    std::uint64_t creator_start_time;   // ticks since boot, /proc/PID/stat field 22
    std::uint64_t created_realtime_ns;  // CLOCK_REALTIME at creation, for display
    std::uint8_t reserved1[16];         // zero
};

static_assert(std::is_standard_layout_v<segment_header>);
static_assert(std::is_trivially_copyable_v<segment_header>);
static_assert(sizeof(segment_header) == 64);
static_assert(offsetof(segment_header, magic) == 0);
static_assert(offsetof(segment_header, layout_version) == 4);
static_assert(offsetof(segment_header, kind) == 6);
static_assert(offsetof(segment_header, header_size) == 8);
static_assert(offsetof(segment_header, ready) == 12);
static_assert(offsetof(segment_header, total_size) == 16);
static_assert(offsetof(segment_header, creator_pid) == 24);
static_assert(offsetof(segment_header, removing) == 28);
static_assert(offsetof(segment_header, creator_start_time) == 32);
static_assert(offsetof(segment_header, created_realtime_ns) == 40);

}  // namespace ipc::layout
