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
    // A peer was found mapping the object: only then does finding none mean it is gone (a
    // peer that /proc does not show, root's or another namespace's, is never taken for gone).
    bool peer_seen = false;
    std::uint64_t last_look_ns = 0;

    // ok while the peer may still act: another process maps the object (or a second end of
    // this one does), or there never was a peer.
    error peer_check() noexcept;
    // The peer's work was seen (a message arrived, a slot was given back): looks for it in
    // /proc while it surely lives, at most once a peer_check_interval until found.
    void note_work() noexcept;
    // Indices read from the object are within its slots.
    bool in_range(std::uint32_t index) const noexcept { return index < seg.shape.slots; }
};

result<end> open_end(const std::string& name, const zipc_options& options,
                     layout::endpoint_role role);

}  // namespace ipc::detail::zipc
