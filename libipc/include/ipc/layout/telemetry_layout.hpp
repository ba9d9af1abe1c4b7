#pragma once
// The per-process telemetry segment "/libipc-tel-<pid>": a header and a fixed table of endpoint
// records. Each record's counters are written by exactly one endpoint in the owning process
// (relaxed stores of values it alone changes); observers map the segment read-only, load state
// and generation with acquire, the counters with relaxed loads, and drop a record whose state or
// generation changed while they copied it.

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "ipc/histogram.hpp"
#include "ipc/layout/segment_header.hpp"

namespace ipc::layout {

inline constexpr std::uint16_t telemetry_layout_version = 2;
inline constexpr std::uint32_t telemetry_endpoint_capacity = 256;

enum class endpoint_state : std::uint32_t {
    free = 0,    // never used
    active = 1,  // an open endpoint owns it
    closed = 2,  // its endpoint closed; counters kept until the record is reused
};

enum class channel_kind : std::uint16_t {
    ring = 1,
    slots = 2,
    duplex = 3,
    broker = 4,
    stream = 5,
    zipc = 6,       // a ZIPC-format ring's end (ipc/zipc.hpp)
    simpleipc = 7,  // a SimpleIPC-format host or guest (ipc/simpleipc.hpp)
};

enum class endpoint_role : std::uint16_t {
    writer = 1,
    reader = 2,
    host = 3,
    guest = 4,
    server = 5,
    client = 6,
    parent = 7,  // a duplex end that spawned its peer
    child = 8,
};

// The first line holds every field a send or a receive updates, so that a message costs one
// line of counters (plus one histogram bucket); the second, those that change only now and then.
struct endpoint_counters {
    std::uint64_t sent;             // messages handed to the channel
    std::uint64_t received;         // messages taken from the channel
    std::uint64_t bytes_out;        // payload bytes sent
    std::uint64_t bytes_in;         // payload bytes received
    std::uint64_t last_activity;    // stamp of the last send or receive (telemetry_header::clock)
    std::uint64_t latency_count;    // samples in the histogram
    std::uint64_t latency_sum_ns;   // sum of samples, for the mean
    std::uint64_t latency_max_ns;   // largest sample
    std::uint64_t dropped;          // messages refused (full, timed out) and reported to the caller
    std::uint64_t failed;           // operations that failed for another reason
    std::uint64_t queue_depth;      // messages waiting, as this endpoint last saw it
    std::uint64_t queue_depth_hwm;  // largest queue_depth seen
};
static_assert(std::is_trivially_copyable_v<endpoint_counters>);
static_assert(sizeof(endpoint_counters) == 96);
static_assert(offsetof(endpoint_counters, latency_max_ns) == 56);
static_assert(offsetof(endpoint_counters, dropped) == 64);

// Counts of an endpoint that makes or takes connections (a stream writer or reader; zero for
// the others). They sit where the record had 32 bytes of padding, which is zero in every
// record: a reader of the older layout ignores them, and reads zero from records that predate
// them, so the layout version stays.
struct endpoint_connection_counters {
    std::uint64_t connections;        // open now
    std::uint64_t connections_total;  // made (writer) or accepted (reader)
    std::uint64_t reconnects;         // connections made again after one was lost (writer)
    std::uint64_t retried;            // messages written again after a failed write (writer)
};
static_assert(std::is_trivially_copyable_v<endpoint_connection_counters>);
static_assert(sizeof(endpoint_connection_counters) == 32);

struct endpoint_record {
    std::uint32_t state;       // endpoint_state; stored with release after the fields below
    std::uint32_t generation;  // bumped each time the record is claimed
    std::uint16_t kind;        // channel_kind
    std::uint16_t role;        // endpoint_role
    std::int32_t peer_pid;     // 0 when unknown
    char name[136];            // channel name (up to 128 characters), NUL-terminated
    char region[168];          // object name, memfd:<pid>/<fd>#<inode> or socket path, NUL-ended
    endpoint_counters counters;
    endpoint_connection_counters connection_counters;
    std::uint64_t latency_buckets[histogram::bucket_count];  // see ipc/histogram.hpp
};
static_assert(std::is_standard_layout_v<endpoint_record>);
static_assert(std::is_trivially_copyable_v<endpoint_record>);
static_assert(offsetof(endpoint_record, state) == 0);
static_assert(offsetof(endpoint_record, generation) == 4);
static_assert(offsetof(endpoint_record, kind) == 8);
static_assert(offsetof(endpoint_record, role) == 10);
static_assert(offsetof(endpoint_record, peer_pid) == 12);
static_assert(offsetof(endpoint_record, name) == 16);
static_assert(offsetof(endpoint_record, region) == 152);
static_assert(offsetof(endpoint_record, counters) == 320);
static_assert(offsetof(endpoint_record, connection_counters) == 416);
static_assert(offsetof(endpoint_record, latency_buckets) == 448);
static_assert(sizeof(endpoint_record) == 448 + 8 * histogram::bucket_count);
static_assert(sizeof(endpoint_record) % 64 == 0);

struct telemetry_header {
    segment_header header;
    std::uint64_t heartbeat_ns;       // CLOCK_MONOTONIC at the last endpoint open or close or
                                      // blocking-wait slice (not per message)
    std::uint32_t endpoint_capacity;  // records in the table
    std::uint32_t endpoint_size;      // sizeof(endpoint_record)
    std::uint64_t endpoints_offset;   // from the start of the segment, a multiple of 64
    char program[24];                 // the owner's command name, NUL-terminated
    // How this process stamps last_activity: 0, CLOCK_MONOTONIC ns; 1, TSC ticks (such a stamp
    // also has bit 63 set) at ticks_per_second, its calibration against CLOCK_MONOTONIC.
    std::uint32_t clock;
    std::uint32_t reserved;
    std::uint64_t ticks_per_second;
};
static_assert(std::is_standard_layout_v<telemetry_header>);
static_assert(std::is_trivially_copyable_v<telemetry_header>);
static_assert(sizeof(telemetry_header) == 128);
static_assert(offsetof(telemetry_header, heartbeat_ns) == 64);
static_assert(offsetof(telemetry_header, endpoint_capacity) == 72);
static_assert(offsetof(telemetry_header, endpoint_size) == 76);
static_assert(offsetof(telemetry_header, endpoints_offset) == 80);
static_assert(offsetof(telemetry_header, program) == 88);
static_assert(offsetof(telemetry_header, clock) == 112);
static_assert(offsetof(telemetry_header, ticks_per_second) == 120);

}  // namespace ipc::layout
