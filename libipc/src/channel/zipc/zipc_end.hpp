#pragma once
// What a ZIPC sender and receiver share (internal): the object, counters, and the look for a
// peer that the format cannot record.

#include <string>

#include "channel/zipc/zipc_segment.hpp"
#include "core/object_users.hpp"
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
    // The other side: another process that maps the object, or a second end in this one.
    mapper_watch peer;

    error peer_check() noexcept { return peer.check(); }
    // The peer's work was seen (a message arrived, a slot was given back).
    void note_work() noexcept { peer.note_work(); }
    // Indices read from the object are within its slots.
    bool in_range(std::uint32_t index) const noexcept { return index < seg.shape.slots; }
};

result<end> open_end(const std::string& name, const zipc_options& options,
                     layout::endpoint_role role);

}  // namespace ipc::detail::zipc
