// The channels of the families built on rings (duplex, broker) as observers show them. Their
// rings' ends registered under the family's kind: each ring stays a channel of its own (its
// occupancy, its health), relabelled with the family, its ends named by what they are. A native
// duplex's are parent and child, by the processes' parentage; a broker connection's are server
// and client, the server being the process with that broker's listening record. The writer
// comes first, so "parent 12 → child 13" is the parent-to-child direction. An efdstream pair shares
// nothing an observer can read but the two ends' records (one may be a foreign program's, without
// one): they make one channel, whose waiting messages are those in flight, one at most per
// direction.

#include <map>
#include <utility>

#include "inspect/kinds.hpp"
#include "ipc/process.hpp"

namespace ipc::inspect::detail {

namespace {

// Spoofed processes' records are skipped throughout: they may name any channel and any pid.
// The family whose ring `segment` is, by its ends' records (ring: none).
channel_kind family_of(const snapshot& s, const std::string& segment) {
    for (const auto& p : s.processes) {
        for (const auto& e : p.endpoints) {
            if (!p.spoofed && e.segment == segment &&
                (e.kind == channel_kind::duplex || e.kind == channel_kind::broker)) {
                return e.kind;
            }
        }
    }
    return channel_kind::ring;
}

// Whether `pid` listens as the broker server `name`.
bool is_broker_server(const snapshot& s, std::int32_t pid, const std::string& name) {
    for (const auto& p : s.processes) {
        if (p.pid != pid || p.spoofed) {
            continue;
        }
        for (const auto& e : p.endpoints) {
            if (e.kind == channel_kind::broker && e.role == endpoint_role::server &&
                e.name == name && e.state == endpoint_state::active) {
                return true;
            }
        }
    }
    return false;
}

// A broker ring's writer and reader, renamed server and client.
void name_by_listener(const snapshot& s, channel_info& c) {
    if (c.ends.size() != 2) {
        return;
    }
    auto& writer = c.ends[0];
    auto& reader = c.ends[1];
    if (is_broker_server(s, writer.end.pid, c.name)) {
        writer.role = endpoint_role::server;
        reader.role = endpoint_role::client;
    } else if (is_broker_server(s, reader.end.pid, c.name)) {
        writer.role = endpoint_role::client;
        reader.role = endpoint_role::server;
    }
}

// A ring's writer and reader, renamed parent and child when one is the other's parent.
void name_by_parentage(channel_info& c) {
    if (c.ends.size() != 2) {
        return;
    }
    auto& writer = c.ends[0];
    auto& reader = c.ends[1];
    if (writer.end.pid > 0 && process_parent(reader.end.pid) == writer.end.pid) {
        writer.role = endpoint_role::parent;
        reader.role = endpoint_role::child;
    } else if (reader.end.pid > 0 && process_parent(writer.end.pid) == reader.end.pid) {
        writer.role = endpoint_role::child;
        reader.role = endpoint_role::parent;
    }
}

bool is_efdstream_end(const endpoint_info& e) {
    return e.kind == channel_kind::duplex &&
           (e.role == endpoint_role::parent || e.role == endpoint_role::child);
}

// An end as its own record says it is, or, without one (a foreign program), as the other's:
// a parent that closed has ended its child too.
end_info end_of(std::int32_t pid, const endpoint_info* record, const endpoint_info* other,
                bool alive) {
    const endpoint_info* said = record != nullptr ? record : other;
    end_info end;
    end.pid = pid;
    end.state = said == nullptr || said->state == endpoint_state::active ? end_state::attached
                                                                         : end_state::closed;
    end.alive = alive;
    return end;
}

struct efdstream_pair {
    endpoint_info* parent = nullptr;
    endpoint_info* child = nullptr;
    bool parent_alive = false;
    bool child_alive = false;
};

void add_efdstream_channels(snapshot& s) {
    // (parent pid, child pid) -> its ends' records. Not by name: a child learns none from the
    // protocol, and calls itself what its own options say.
    std::map<std::pair<std::int32_t, std::int32_t>, efdstream_pair> pairs;
    for (auto& p : s.processes) {
        for (auto& e : p.endpoints) {
            // peer_pid 0: a record read before its end knew its peer.
            if (p.spoofed || !is_efdstream_end(e) || e.peer_pid <= 0) {
                continue;
            }
            const bool parent = e.role == endpoint_role::parent;
            auto& pair = pairs[{parent ? p.pid : e.peer_pid, parent ? e.peer_pid : p.pid}];
            endpoint_info*& slot = parent ? pair.parent : pair.child;
            if (slot == nullptr) {  // the first record of an end; a later one cannot replace it
                slot = &e;
                (parent ? pair.parent_alive : pair.child_alive) = p.alive;
            }
        }
    }
    for (auto& [key, pair] : pairs) {
        const auto [parent_pid, child_pid] = key;
        const std::string segment =
            "efdstream:" + std::to_string(parent_pid) + "-" + std::to_string(child_pid);
        // The parent's name: it chose the channel's.
        const std::string& name = pair.parent != nullptr ? pair.parent->name : pair.child->name;
        channel_info c = channel_of(channel_kind::duplex, name, segment, false);
        // An end without a record of its own (a foreign program) is the one its peer named, and
        // alive, only while the two are still parent and child: a record cannot make any
        // process a party to it, nor a reused pid pass for a dead end.
        const bool related = process_parent(child_pid) == parent_pid;
        const bool parent_alive = pair.parent ? pair.parent_alive : related;
        const bool child_alive = pair.child ? pair.child_alive : related;
        c.ends = {
            {endpoint_role::parent, end_of(parent_pid, pair.parent, pair.child, parent_alive)},
            {endpoint_role::child, end_of(child_pid, pair.child, pair.parent, child_alive)}};
        c.stale = !parent_alive && !child_alive;
        for (endpoint_info* e : {pair.parent, pair.child}) {
            if (e != nullptr) {
                e->segment = segment;
                c.waiting += e->counters.queue_depth;
            }
        }
        c.used = c.waiting;  // capacity 0: one in flight per direction is no backpressure
        s.channels.push_back(std::move(c));
    }
}

}  // namespace

void add_family_channels(snapshot& s) {
    for (auto& c : s.channels) {
        if (c.kind != channel_kind::ring) {
            continue;
        }
        c.kind = family_of(s, c.segment);
        if (c.kind == channel_kind::duplex) {
            name_by_parentage(c);
        } else if (c.kind == channel_kind::broker) {
            name_by_listener(s, c);
        }
    }
    add_efdstream_channels(s);
}

}  // namespace ipc::inspect::detail
