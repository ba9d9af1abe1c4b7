#pragma once
// Each segment kind's parts in one place (internal): how much of a segment an observer copies,
// its decoder, what it adds to a snapshot afterwards, and its JSON and Prometheus parts. The
// scan and the exporters go through kinds(), so a new kind is a file of its own (kind_*.cpp)
// and one line in kinds.cpp.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "inspect/inspect_support.hpp"
#include "ipc/inspect.hpp"
#include "ipc/layout/segment_header.hpp"

namespace ipc::inspect::detail {

struct kind_parts {
    layout::segment_kind layout_kind;  // the common header's kind
    segment_kind kind;
    std::uint64_t prefix;  // bytes an observer copies before decoding (nothing past them is read)
    // Decodes a copy whose header names this kind, adds what it found to `sink` (unless null),
    // and returns whether the segment is stale (no process that uses it is alive), or why the
    // copy cannot be decoded.
    result<bool> (*decode)(segment_copy& copy, const std::string& object, snapshot* sink);
    // Whether an end recorded in a copy that failed to decode is alive (kept, not stale).
    bool (*any_end_alive)(const segment_copy& copy);
    // What the kind adds once every segment was decoded (null: nothing).
    void (*complete)(snapshot& s);
    // Its channels as a whole, appended to `out` (null: it has none).
    void (*channels)(const snapshot& s, std::vector<channel_info>& out);
    // Its array in the JSON document, under json_key.
    const char* json_key;
    nlohmann::json (*json)(const snapshot& s);
    // Reads that array back into `s` (from_json); the array is untrusted (json_fields.hpp).
    void (*read_json)(const nlohmann::json& array, snapshot& s);
    // Its Prometheus metric families.
    std::string (*prometheus)(const snapshot& s);
};

// A kind's decode: keeps what `decoded` holds in the snapshot's `list` (unless sink is null)
// and returns whether `stale` says it is stale, or passes the decoding error on.
template <class Info, class Stale>
result<bool> keep_decoded(result<Info> decoded, snapshot* sink, std::vector<Info> snapshot::*list,
                          Stale&& stale) {
    if (!decoded) {
        return decoded.error_value();
    }
    const bool is_stale = stale(*decoded);
    if (sink != nullptr) {
        (sink->*list).push_back(std::move(*decoded));
    }
    return is_stale;
}

// A channel of `kind` as a kind's `channels` part starts one: named, linked by `segment`.
inline channel_info channel_of(channel_kind kind, const std::string& name,
                               const std::string& segment, bool stale) {
    channel_info c;
    c.kind = kind;
    c.name = name;
    c.segment = segment;
    c.stale = stale;
    return c;
}

const kind_parts& telemetry_parts();  // kind_telemetry.cpp: processes and their endpoints
const kind_parts& ring_parts();       // kind_ring.cpp
const kind_parts& slots_parts();      // kind_slots.cpp

// The channels of families built on rings (family_channels.cpp), once every kind added its own:
// the rings of native duplex pairs and broker connections relabelled, and one channel per
// efdstream pair from its ends' records. A family without segments of its own has no entry in
// kinds().
void add_family_channels(snapshot& s);

// Fills each connection's inbound and outbound flow (connection_flow) from the endpoints and
// channels of the same snapshot (connection_flows.cpp).
void join_connection_flows(snapshot& s);

// Every kind, in the order the exporters write them.
const std::vector<const kind_parts*>& kinds();
// The parts for a common header's kind, or null for a kind this observer does not know.
const kind_parts* kind_for(std::uint16_t layout_kind);

}  // namespace ipc::inspect::detail
