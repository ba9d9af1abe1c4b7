#pragma once
// The slots segment "/libipc-slots-<name>": a host makes calls, guest workers answer them, through
// a fixed number of slots, each with a request area and a response area. docs/LAYOUT.md 8.
//
//   [segment_header 64][slots_control 128][pad to 256][slot record]...[slot_stats]...
//
// Per-slot statistics sit apart, after the last record: only the host writes them, only
// observers read them, so they never share a cache line with the exchange.

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "ipc/histogram.hpp"
#include "ipc/layout/segment_header.hpp"
#include "sync/end_holder_layout.hpp"

namespace ipc::layout {

inline constexpr std::uint16_t slots_layout_version = 2;
inline constexpr std::uint32_t max_slot_count = 256;
inline constexpr std::uint32_t max_slot_area = 64u << 20;  // bytes, request or response

// What the guest says about its response.
enum class response_status : std::uint32_t {
    ok = 0,
    handler_failed = 1,      // the handler returned an error; handler_error holds its errc
    response_too_large = 2,  // the handler claimed more bytes than the response area holds
    bad_request = 3,         // request_length was larger than the request area
    guest_gone = 4,          // the worker serving the call died; a successor answered for it
    cancelled = 5,           // the host gave the call up before a worker took it: not run
};

// One direction's sleep/wake words (sync/doorbell.hpp).
struct slot_bell {
    std::uint32_t sleeping;         // 1 while the sleeper announced a futex sleep
    std::uint32_t seq;              // the futex word, bumped by each wake-up
    std::uint32_t uses_membarrier;  // 1: the sleeper fences with membarrier, the waker need not
    std::uint32_t reserved;
};
static_assert(sizeof(slot_bell) == 16);

// Each line of a slot has one writer per call, so a round trip moves each line across once:
// the host writes the request line, the guest the response line. A call is pending while
// request_id differs from response_id (docs/LAYOUT.md 8.4).
struct slot_request {              // written by the host only; the guest polls it
    std::uint64_t request_id;      // published last (release); 0: never used
    std::uint32_t request_length;  // bytes in the request area
    std::uint32_t reserved0;
    std::uint64_t request_stamp;  // when posted, on the host's clock (slots_control::host_clock);
                                  // 0 when the host does not count
    std::uint64_t cancelled_id;   // a call the host gave up: a worker that has not started it
                                  // answers `cancelled` instead of running it
    std::uint8_t pad[32];
};
static_assert(sizeof(slot_request) == 64);
static_assert(offsetof(slot_request, request_id) == 0);
static_assert(offsetof(slot_request, request_length) == 8);
static_assert(offsetof(slot_request, request_stamp) == 16);
static_assert(offsetof(slot_request, cancelled_id) == 24);

struct slot_response {              // written by the guest serving the slot only; the host polls it
    std::uint64_t response_id;      // the request_id answered, published last (release)
    std::uint32_t response_length;  // bytes in the response area
    std::uint32_t response_status;  // response_status
    std::uint32_t handler_error;    // errc of a failed handler
    std::uint8_t pad[44];
};
static_assert(sizeof(slot_response) == 64);
static_assert(offsetof(slot_response, response_id) == 0);
static_assert(offsetof(slot_response, response_length) == 8);
static_assert(offsetof(slot_response, response_status) == 12);
static_assert(offsetof(slot_response, handler_error) == 16);

struct slot_serving {        // written by the guest per call; nobody polls it
    std::uint64_t taken_id;  // the request_id a worker started serving
    std::uint8_t pad[56];
};
static_assert(sizeof(slot_serving) == 64);

struct slot_control {               // written rarely: attach, detach, sleep and wake
    end_holder guest;               // the guest process serving this slot
    std::uint32_t guest_bell_slot;  // whose guest_bell the serving worker sleeps on (a pool
                                    // worker serves several slots and sleeps on one bell)
    std::uint32_t reserved;
    slot_bell guest_bell;  // a worker sleeps here for a request
    slot_bell host_bell;   // the host sleeps here for the response
    std::uint8_t pad[8];
};
static_assert(std::is_standard_layout_v<slot_control>);
static_assert(std::is_trivially_copyable_v<slot_control>);
static_assert(sizeof(slot_control) == 64);
static_assert(offsetof(slot_control, guest) == 0);
static_assert(offsetof(slot_control, guest_bell_slot) == 16);
static_assert(offsetof(slot_control, guest_bell) == 24);
static_assert(offsetof(slot_control, host_bell) == 40);

// Counters of one slot, written only by the host thread that holds the slot at the time (the
// host's private busy flag hands the slot, and so these fields, from one thread to the next).
struct slot_stats {
    std::uint64_t calls;           // requests posted
    std::uint64_t completed;       // responses handed to a caller
    std::uint64_t timeouts;        // calls that gave up waiting
    std::uint64_t failed;          // calls that ended in an error other than a timeout
    std::uint64_t late_responses;  // responses that came after their call gave up, discarded
    std::uint64_t bytes_out;       // request bytes
    std::uint64_t bytes_in;        // response bytes
    std::uint64_t in_flight;       // 1 while a call waits for its response
    std::uint64_t abandoned_id;    // id of a call that gave up before its response; 0: none
    std::uint64_t last_activity;   // stamp of the last completed call (slots_control::host_clock)
    std::uint64_t latency_count;   // round trips in the histogram
    std::uint64_t latency_sum_ns;  //
    std::uint64_t latency_max_ns;  //
    std::uint64_t reserved[3];
    std::uint64_t latency_buckets[histogram::bucket_count];  // round-trip times, ipc/histogram.hpp
};
static_assert(std::is_standard_layout_v<slot_stats>);
static_assert(std::is_trivially_copyable_v<slot_stats>);
static_assert(offsetof(slot_stats, abandoned_id) == 64);
static_assert(offsetof(slot_stats, latency_count) == 80);
static_assert(offsetof(slot_stats, latency_buckets) == 128);
static_assert(sizeof(slot_stats) == 128 + 8 * histogram::bucket_count);
static_assert(sizeof(slot_stats) % 64 == 0);

struct slots_control {
    // Geometry: written once by the creator before ready. Everything else in the segment's
    // layout follows from these three numbers; readers recompute it and compare.
    std::uint32_t slot_count;         // 1 .. max_slot_count
    std::uint32_t request_capacity;   // bytes, 1 .. max_slot_area
    std::uint32_t response_capacity;  // bytes, 1 .. max_slot_area
    std::uint32_t slot_stride;        // bytes per slot record
    std::uint64_t slots_offset;       // of slot record 0, from the start of the segment
    std::uint64_t stats_offset;       // of slot_stats 0
    std::uint8_t pad0[32];
    // The host line.
    end_holder host;              // the host process
    std::uint32_t shutdown;       // 1: the host closed; guests stop
    std::uint32_t host_epoch;     // bumped by each host that takes the segment over
    std::uint64_t calls_refused;  // calls refused before they held a slot (host, fetch_add)
    std::uint32_t guests_seq;     // futex word: bumped by a guest after it took slots
    // How the host stamps last_activity, as telemetry_header::clock and ::ticks_per_second;
    // written by each host as it attaches.
    std::uint32_t host_clock;
    std::uint64_t host_ticks_per_second;
    std::uint8_t pad1[16];
};
static_assert(std::is_standard_layout_v<slots_control>);
static_assert(std::is_trivially_copyable_v<slots_control>);
static_assert(sizeof(slots_control) == 128);
static_assert(offsetof(slots_control, slot_count) == 0);
static_assert(offsetof(slots_control, request_capacity) == 4);
static_assert(offsetof(slots_control, response_capacity) == 8);
static_assert(offsetof(slots_control, slot_stride) == 12);
static_assert(offsetof(slots_control, slots_offset) == 16);
static_assert(offsetof(slots_control, stats_offset) == 24);
static_assert(offsetof(slots_control, host) == 64);
static_assert(offsetof(slots_control, shutdown) == 80);
static_assert(offsetof(slots_control, host_epoch) == 84);
static_assert(offsetof(slots_control, calls_refused) == 88);
static_assert(offsetof(slots_control, guests_seq) == 96);
static_assert(offsetof(slots_control, host_clock) == 100);
static_assert(offsetof(slots_control, host_ticks_per_second) == 104);

struct slots_segment {
    segment_header header;
    slots_control control;
};
static_assert(std::is_standard_layout_v<slots_segment>);
static_assert(offsetof(slots_segment, control) == 64);
static_assert(sizeof(slots_segment) == 192);

constexpr std::uint64_t round_up(std::uint64_t n, std::uint64_t to) noexcept {
    return (n + to - 1) / to * to;
}

// The layout that follows from the geometry; a reader compares the stored fields against it.
// A slot record: [slot_request][request area][slot_response][response area][slot_serving]
// [slot_control], areas rounded up to 64 bytes and the record to 128, so that a header and the
// first line of its area form one 128-byte pair (adjacent-line prefetch brings both).
struct slots_geometry {
    std::uint32_t slot_count;
    std::uint32_t request_capacity;
    std::uint32_t response_capacity;

    constexpr std::uint64_t request_area_offset() const noexcept { return sizeof(slot_request); }
    constexpr std::uint64_t response_offset() const noexcept {
        return request_area_offset() + round_up(request_capacity, 64);
    }
    constexpr std::uint64_t response_area_offset() const noexcept {
        return response_offset() + sizeof(slot_response);
    }
    constexpr std::uint64_t serving_offset() const noexcept {
        return response_area_offset() + round_up(response_capacity, 64);
    }
    constexpr std::uint64_t control_offset() const noexcept {
        return serving_offset() + sizeof(slot_serving);
    }
    constexpr std::uint64_t slot_stride() const noexcept {
        return round_up(control_offset() + sizeof(slot_control), 128);
    }
    constexpr std::uint64_t slots_offset() const noexcept { return 256; }
    constexpr std::uint64_t stats_offset() const noexcept {
        return slots_offset() + std::uint64_t{slot_count} * slot_stride();
    }
    constexpr std::uint64_t total_size() const noexcept {
        return stats_offset() + std::uint64_t{slot_count} * sizeof(slot_stats);
    }
    friend constexpr bool operator==(const slots_geometry&, const slots_geometry&) = default;
};
static_assert(sizeof(slots_segment) <= slots_geometry{}.slots_offset());

}  // namespace ipc::layout
