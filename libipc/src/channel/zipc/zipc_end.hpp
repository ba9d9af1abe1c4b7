#pragma once
// What a ZIPC sender and receiver share (internal): the object, counters, and the look for a
// peer that the format cannot record.

#include <string>

#include "channel/zipc/zipc_segment.hpp"
#include "core/stamp_clock.hpp"
#include "ipc/telemetry.hpp"
#include "ipc/zipc.hpp"

namespace ipc::detail::zipc {

struct end {
    segment seg;
    zipc_options options;
    telemetry::endpoint counters;
    const stamp_clock clock = process_stamp_clock();
    zipc_stats stats;
    // There was a peer: one was found mapping the object, or its work was seen (a message
    // arrived, a slot was given back), however briefly it lived.
    bool peer_seen = false;

    // ok while the peer may still act: another process maps the object (or a second end of
    // this one does), or there never was a peer.
    error peer_check() noexcept;
    // Indices read from the object are within its slots.
    bool in_range(std::uint32_t index) const noexcept { return index < seg.shape.slots; }
};

result<end> open_end(const std::string& name, const zipc_options& options,
                     layout::endpoint_role role);

}  // namespace ipc::detail::zipc
