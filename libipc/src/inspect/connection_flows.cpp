// A connection's two directions, joined from the snapshot it was merged into: the reporting
// process's ring endpoints count its messages, the rings' channels say how full they are. The
// control socket reports only what shared memory does not hold, so nothing is counted twice; a
// connection without rings (a stream's) counts itself, and its answer's counts are kept.

#include <map>
#include <unordered_map>
#include <utility>

#include "inspect/kinds.hpp"

namespace ipc::inspect::detail {

namespace {

// Each active endpoint by its process and segment, and each channel by its segment: built once,
// so that a server with a thousand connections costs a thousand lookups, not a million scans.
struct segment_index {
    std::map<std::pair<std::int32_t, std::string_view>, const endpoint_info*> readers, writers;
    std::unordered_map<std::string_view, const channel_info*> channels;

    explicit segment_index(const snapshot& s) {
        for (const auto& p : s.processes) {
            for (const auto& e : p.endpoints) {
                if (!p.alive || e.state != endpoint_state::active || e.segment.empty()) {
                    continue;
                }
                if (e.role == endpoint_role::reader) {
                    readers.emplace(std::pair{p.pid, std::string_view(e.segment)}, &e);
                } else if (e.role == endpoint_role::writer) {
                    writers.emplace(std::pair{p.pid, std::string_view(e.segment)}, &e);
                }
            }
        }
        for (const auto& c : s.channels) {
            channels.emplace(c.segment, &c);
        }
    }

    connection_flow flow(std::int32_t pid, const std::string& segment, bool inbound) const {
        connection_flow f;
        const auto& ends = inbound ? readers : writers;
        const auto e = ends.find({pid, segment});
        if (e == ends.end()) {
            return f;
        }
        const auto& counters = e->second->counters;
        f.found = true;
        f.messages = inbound ? counters.received : counters.sent;
        f.bytes = inbound ? counters.bytes_in : counters.bytes_out;
        if (const auto c = channels.find(segment);
            c != channels.end() && c->second->used_is_bytes) {
            f.used_bytes = c->second->used;
            f.capacity_bytes = c->second->capacity;
        }
        return f;
    }
};

}  // namespace

void join_connection_flows(snapshot& s) {
    const segment_index index(s);
    for (auto& c : s.connections) {
        if (!c.inbound_segment.empty()) {  // with rings; else it counted itself
            c.inbound = index.flow(c.pid, c.inbound_segment, true);
            c.outbound = index.flow(c.pid, c.outbound_segment, false);
        }
    }
}

}  // namespace ipc::inspect::detail
