#pragma once
// The SPSC message ring: control block and record format. The same control block sits in a
// named segment (ring), a memfd (duplex) or a per-client memfd (broker).
//
// Data is a power-of-two byte area of variable-length records, each a 16-byte header plus the
// payload, padded to 16 bytes. One 16-byte slot past the newest record is always kept free
// (its commit word zeroed), so a full ring holds capacity - 16 bytes of records. Indices are byte
// counts that only grow; position = index % capacity. A record never wraps: when it does not fit
// before the end, the writer first writes a padding record that covers the rest of the area.
// Indices and records are 16-aligned, so the room left before the end is always at least one header
// (never 0: a position is below the capacity).

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "ipc/layout/segment_header.hpp"
#include "sync/end_holder_layout.hpp"

namespace ipc::layout {

inline constexpr std::uint16_t ring_layout_version = 2;
inline constexpr std::size_t cache_line = 64;
inline constexpr std::uint32_t record_alignment = 16;

// ring_control::doorbell. futex: the sleeper waits on the *_seq word (0, the zeroed default, so
// rings made before the field existed read as futex rings). eventfd: the sleeper waits on an
// eventfd per direction that both ends hold (handed over with the region); the seq words are
// unused. Chosen by the ring's creator; an end that disagrees refuses to attach.
inline constexpr std::uint32_t ring_doorbell_futex = 0;
inline constexpr std::uint32_t ring_doorbell_eventfd = 1;

// A record is published in band: the writer stores its commit word last, with release, and the
// reader polls the commit word of the next record rather than the writer's index line. The word
// encodes the record's index, so bytes left from an earlier lap cannot pass for a new record;
// and before publishing a record the writer zeroes the commit word of the slot after it, so the
// reader never polls stale bytes. 0 means "not yet written".
inline constexpr std::uint32_t commit_padding_bit = 1;

constexpr std::uint32_t commit_word(std::uint64_t index, bool padding) noexcept {
    return 0x80000000u | static_cast<std::uint32_t>(((index >> 4) & 0x3fffffffu) << 1) |
           (padding ? commit_padding_bit : 0u);
}

struct record_header {
    std::uint32_t length;      // payload bytes (padding: bytes after this header up to the end)
    std::uint32_t commit;      // commit_word(index of this record, is padding); 0 = not written
    std::uint64_t send_stamp;  // when committed, on the writer's clock (core/stamp_clock.hpp)
};
static_assert(std::is_standard_layout_v<record_header>);
static_assert(std::is_trivially_copyable_v<record_header>);
static_assert(sizeof(record_header) == 16);
static_assert(offsetof(record_header, length) == 0);
static_assert(offsetof(record_header, commit) == 4);
static_assert(offsetof(record_header, send_stamp) == 8);

struct ring_control {
    // Geometry: written once by the creator before the segment is marked ready.
    std::uint64_t capacity;     // data bytes, a power of two
    std::uint64_t data_offset;  // from the start of the region, a multiple of 64
    std::uint32_t max_message;  // largest payload
    std::uint32_t doorbell;     // how a sleeper is woken: ring_doorbell_futex or _eventfd
    std::uint8_t pad0[cache_line - 24];

    // Writer's line: only the writer stores here.
    std::uint64_t write_index;  // bytes published
    std::uint64_t write_count;  // messages published
    end_holder writer;
    std::uint8_t pad1[cache_line - 32];

    // Reader's line: only the reader stores here.
    std::uint64_t read_index;     // bytes consumed
    std::uint64_t read_count;     // messages consumed
    std::uint64_t occupancy_hwm;  // most bytes seen waiting; the reader measures it each time it
                                  // loads write_index, the only moment either side knows it exactly
    end_holder reader;
    std::uint8_t pad2[cache_line - 40];

    // Doorbells: written only around a sleep, so in the steady state this line stays shared
    // (read-only) in both caches and checking it costs no coherence traffic.
    std::uint32_t reader_sleeping;  // 1 while the reader may be in futex wait on data_seq
    std::uint32_t data_seq;         // bumped by the writer to wake the reader
    std::uint32_t writer_sleeping;  // 1 while the writer may be in futex wait on space_seq
    std::uint32_t space_seq;        // bumped by the reader to wake the writer
    // 1: the reader issues membarrier before each sleep, so the writer may skip its full fence
    // before checking reader_sleeping. 0 (the zeroed default, and what an implementation that
    // knows nothing of membarrier leaves): the writer must fence.
    std::uint32_t reader_uses_membarrier;
    std::uint32_t writer_uses_membarrier;  // the same, for the reader waking the writer
    std::uint8_t pad3[cache_line - 24];
};
static_assert(std::is_standard_layout_v<ring_control>);
static_assert(std::is_trivially_copyable_v<ring_control>);
static_assert(sizeof(ring_control) == 4 * cache_line);
static_assert(offsetof(ring_control, capacity) == 0);
static_assert(offsetof(ring_control, data_offset) == 8);
static_assert(offsetof(ring_control, max_message) == 16);
static_assert(offsetof(ring_control, doorbell) == 20);
static_assert(offsetof(ring_control, write_index) == 64);
static_assert(offsetof(ring_control, write_count) == 72);
static_assert(offsetof(ring_control, writer) == 80);
static_assert(offsetof(ring_control, read_index) == 128);
static_assert(offsetof(ring_control, read_count) == 136);
static_assert(offsetof(ring_control, occupancy_hwm) == 144);
static_assert(offsetof(ring_control, reader) == 152);
static_assert(offsetof(ring_control, reader_sleeping) == 192);
static_assert(offsetof(ring_control, data_seq) == 196);
static_assert(offsetof(ring_control, writer_sleeping) == 200);
static_assert(offsetof(ring_control, space_seq) == 204);
static_assert(offsetof(ring_control, reader_uses_membarrier) == 208);
static_assert(offsetof(ring_control, writer_uses_membarrier) == 212);

// A named ring segment: common header, then the control block, then data at data_offset.
struct ring_segment {
    segment_header header;
    ring_control control;
};
static_assert(std::is_standard_layout_v<ring_segment>);
static_assert(offsetof(ring_segment, control) == 64);
static_assert(sizeof(ring_segment) == 320);
inline constexpr std::uint64_t ring_segment_data_offset = 384;  // sizeof rounded up to 128

// Bytes a message of `length` occupies in the data area.
constexpr std::uint64_t record_size(std::uint64_t length) noexcept {
    return (sizeof(record_header) + length + record_alignment - 1) &
           ~std::uint64_t{record_alignment - 1};
}

}  // namespace ipc::layout
