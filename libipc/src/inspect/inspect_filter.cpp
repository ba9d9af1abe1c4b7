// Narrowing a snapshot to what a user asked about: a channel name, a kind, a process.

#include <algorithm>

#include "ipc/inspect.hpp"

namespace ipc::inspect {

namespace {

bool name_matches(const snapshot_filter& f, const std::string& name) {
    return f.name.empty() || name.find(f.name) != std::string::npos;
}

bool kind_matches(const snapshot_filter& f, std::string_view kind) {
    return f.kind.empty() || kind == f.kind;
}

bool channel_matches(const snapshot_filter& f, const std::string& name, std::string_view kind,
                     std::initializer_list<std::int32_t> pids) {
    const bool pid_ok = f.pid == 0 || std::find(pids.begin(), pids.end(), f.pid) != pids.end();
    return pid_ok && name_matches(f, name) && kind_matches(f, kind);
}

bool any_slot_guest(const slots_info& group, std::int32_t pid) {
    return std::any_of(group.slots.begin(), group.slots.end(),
                       [pid](const slot_info& s) { return s.guest.pid == pid; });
}

template <class T, class Keep>
void keep_if(std::vector<T>& items, Keep&& keep) {
    items.erase(std::remove_if(items.begin(), items.end(), [&](T& x) { return !keep(x); }),
                items.end());
}

}  // namespace

snapshot filtered(const snapshot& s, const snapshot_filter& f) {
    snapshot out = s;
    const bool only_pid = f.name.empty() && f.kind.empty();
    keep_if(out.processes, [&](process_info& p) {
        if (f.pid != 0 && p.pid != f.pid) {
            return false;
        }
        keep_if(p.endpoints, [&](const endpoint_info& e) {
            return name_matches(f, e.name) && kind_matches(f, to_string(e.kind));
        });
        return only_pid || !p.endpoints.empty();
    });
    keep_if(out.rings, [&](const ring_info& r) {
        return channel_matches(f, r.name, to_string(channel_kind::ring),
                               {r.writer.pid, r.reader.pid});
    });
    keep_if(out.slots, [&](const slots_info& g) {
        const bool pid_ok = f.pid == 0 || g.host.pid == f.pid || any_slot_guest(g, f.pid);
        return pid_ok && name_matches(f, g.name) && kind_matches(f, to_string(channel_kind::slots));
    });
    keep_if(out.channels, [&](const channel_info& c) {
        const bool pid_ok =
            f.pid == 0 || std::any_of(c.ends.begin(), c.ends.end(),
                                      [&](const channel_end& e) { return e.end.pid == f.pid; });
        return pid_ok && name_matches(f, c.name) && kind_matches(f, to_string(c.kind));
    });
    keep_if(out.connections, [&](const connection_info& c) {
        return channel_matches(f, c.name, to_string(c.kind), {c.pid, c.peer_pid});
    });
    keep_if(out.segments, [&](const segment_entry& seg) {
        return channel_matches(f, seg.name, to_string(seg.kind), {seg.creator_pid});
    });
    return out;
}

}  // namespace ipc::inspect
