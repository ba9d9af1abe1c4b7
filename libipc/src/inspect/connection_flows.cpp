// A connection's two directions, joined from the snapshot it was merged into: the reporting
// process's ring endpoints count its messages, the rings' channels say how full they are. The
// control socket reports only what shared memory does not hold, so nothing is counted twice; a
// connection without rings (a stream's) counts itself, and its answer's counts are kept.

#include "inspect/kinds.hpp"

namespace ipc::inspect::detail {

namespace {

const endpoint_info* endpoint_of(const process_info& p, const std::string& segment,
                                 endpoint_role role) {
    for (const auto& e : p.endpoints) {
        if (e.state == endpoint_state::active && e.role == role && e.segment == segment) {
            return &e;
        }
    }
    return nullptr;
}

connection_flow flow_of(const snapshot& s, const process_info& p, const std::string& segment,
                        bool inbound) {
    connection_flow f;
    const auto* e =
        endpoint_of(p, segment, inbound ? endpoint_role::reader : endpoint_role::writer);
    if (e == nullptr || segment.empty()) {
        return f;
    }
    f.found = true;
    f.messages = inbound ? e->counters.received : e->counters.sent;
    f.bytes = inbound ? e->counters.bytes_in : e->counters.bytes_out;
    if (const auto* c = find_channel(s, *e); c != nullptr && c->used_is_bytes) {
        f.used_bytes = c->used;
        f.capacity_bytes = c->capacity;
    }
    return f;
}

}  // namespace

void join_connection_flows(snapshot& s) {
    for (auto& c : s.connections) {
        for (const auto& p : s.processes) {
            if (p.pid == c.pid && p.alive && !c.inbound_segment.empty()) {
                c.inbound = flow_of(s, p, c.inbound_segment, true);
                c.outbound = flow_of(s, p, c.outbound_segment, false);
            }
        }
    }
}

}  // namespace ipc::inspect::detail
