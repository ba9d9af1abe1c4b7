// Health at a glance (docs/SNAPSHOT.md): each endpoint and channel judged from one snapshot, and
// from the one before it for drops. Judged here, not in the views, so that the monitor, ipcstat
// and every export say the same thing about the same state.

#include <algorithm>
#include <string>

#include "ipc/inspect.hpp"

namespace ipc::inspect {

namespace {

std::string end_name(const channel_end& e) {
    return std::string(to_string(e.role)) + " " + std::to_string(e.end.pid);
}

void keep_worst(health_verdict& current, const health_verdict& candidate) {
    if (candidate.state > current.state) {
        current = candidate;
    }
}

// An end that claimed the channel and is not alive died without closing it (a clean close
// leaves the end closed).
health_verdict dead_end(const channel_info& c, endpoint_role except) {
    for (const auto& e : c.ends) {
        if (e.role != except && e.end.state == end_state::attached && !e.end.alive) {
            return {health_state::peer_dead, end_name(e) + " died"};
        }
    }
    return {};
}

// A ring at least 90 % full, or every slot busy. Written without products, which values from
// a segment could overflow.
health_verdict fullness(const channel_info& c) {
    if (c.capacity == 0) {
        return {};
    }
    if (c.used_is_bytes && c.used >= c.capacity - c.capacity / 10) {
        const auto percent = static_cast<int>(
            std::min(100.0, 100.0 * static_cast<double>(c.used) / static_cast<double>(c.capacity)));
        return {health_state::backpressure, "ring " + std::to_string(percent) + " % full"};
    }
    if (!c.used_is_bytes && c.used >= c.capacity) {
        return {health_state::backpressure, "all " + std::to_string(c.capacity) + " slots busy"};
    }
    return {};
}

// The shared state is broken, as opposed to unreadable by this observer (not corruption).
bool broken(const channel_info& c) {
    return !c.error.empty() && !c.unreadable;
}

// An endpoint whose channel's segment failed validation has no channel in the snapshot: its
// segment's entry says why.
const segment_entry* broken_segment(const snapshot& s, const endpoint_info& e) {
    const auto it =
        std::find_if(s.segments.begin(), s.segments.end(), [&](const segment_entry& seg) {
            return !e.segment.empty() && seg.name == e.segment && !seg.error.empty();
        });
    return it == s.segments.end() ? nullptr : &*it;
}

// What the channel's shared state alone says.
health_verdict channel_own(const channel_info& c) {
    if (broken(c)) {
        return {health_state::corrupt, c.error};
    }
    if (c.unreadable) {
        return {};  // nothing known of its state: its endpoints say what they can
    }
    if (c.stale) {
        return {health_state::stale, "no live process uses it"};
    }
    if (auto dead = dead_end(c, endpoint_role::unknown); dead.state != health_state::ok) {
        return dead;
    }
    return fullness(c);
}

health_verdict drops(const endpoint_info& e, const endpoint_info& before) {
    const auto grew = [](std::uint64_t was, std::uint64_t is) { return is > was ? is - was : 0; };
    const std::uint64_t dropped = grew(before.counters.dropped, e.counters.dropped);
    const std::uint64_t failed = grew(before.counters.failed, e.counters.failed);
    if (dropped == 0 && failed == 0) {
        return {};
    }
    std::string reason = dropped != 0 ? std::to_string(dropped) + " dropped" : std::string();
    if (failed != 0) {
        reason += (reason.empty() ? "" : ", ") + std::to_string(failed) + " failed";
    }
    return {health_state::dropping, reason + " since the snapshot before"};
}

health_verdict activity(const snapshot& now, const endpoint_info& e) {
    if (e.state == endpoint_state::closed) {
        return {health_state::idle, "closed"};
    }
    if (e.last_activity_ns == 0) {
        return {health_state::idle, "no traffic yet"};
    }
    const std::uint64_t age =
        now.taken_ns > e.last_activity_ns ? now.taken_ns - e.last_activity_ns : 0;
    if (age >= idle_after_ns) {
        return {health_state::idle, "no traffic for " + std::to_string(age / 1'000'000'000) + " s"};
    }
    return {};
}

health_verdict endpoint_health(const snapshot& now, const process_info& p, const endpoint_info& e,
                               const snapshot* before) {
    if (!e.error.empty()) {
        return {health_state::corrupt, e.error};
    }
    if (p.spoofed) {
        return {health_state::corrupt, "its telemetry segment is spoofed"};
    }
    if (!p.alive) {
        return {health_state::stale, "process " + std::to_string(p.pid) + " is gone"};
    }
    const channel_info* c = find_channel(now, e);
    if (c != nullptr && broken(*c)) {
        return {health_state::corrupt, c->error};
    }
    if (const segment_entry* seg = c == nullptr ? broken_segment(now, e) : nullptr) {
        return {health_state::corrupt, seg->error};
    }
    if (c != nullptr) {
        if (auto dead = dead_end(*c, e.role); dead.state != health_state::ok) {
            return dead;
        }
    }
    if (const endpoint_info* was = before == nullptr ? nullptr : find_endpoint(*before, p, e)) {
        if (auto dropping = drops(e, *was); dropping.state != health_state::ok) {
            return dropping;
        }
    }
    if (c != nullptr) {
        if (auto full = fullness(*c); full.state != health_state::ok) {
            return full;
        }
    }
    return activity(now, e);
}

// Its own state, then the worst of its endpoints' that says something about the channel: not
// an endpoint of a dead process (the channel's ends say that) nor of a spoofed one (whose
// records may name any channel), and idle only when every live endpoint is.
void judge_channel(const snapshot& now, channel_info& c) {
    c.health = channel_own(c);
    health_verdict worst;
    bool any_live = false;
    bool all_idle = true;
    for (const auto& p : now.processes) {
        for (const auto& e : p.endpoints) {
            if (p.spoofed || e.segment != c.segment || e.health.state == health_state::stale) {
                continue;
            }
            any_live = true;
            all_idle = all_idle && e.health.state == health_state::idle;
            if (e.health.state != health_state::idle) {
                keep_worst(worst, e.health);
            } else if (worst.state == health_state::ok && worst.reason.empty()) {
                worst.reason = e.health.reason;  // kept in case every one is idle
            }
        }
    }
    if (any_live && all_idle) {
        worst.state = health_state::idle;
    } else if (worst.state == health_state::ok) {
        worst.reason.clear();
    }
    keep_worst(c.health, worst);
}

}  // namespace

const channel_info* find_channel(const snapshot& s, const endpoint_info& e) {
    const auto it = std::find_if(s.channels.begin(), s.channels.end(),
                                 [&](const channel_info& c) { return c.segment == e.segment; });
    return it == s.channels.end() ? nullptr : &*it;
}

void judge_health(snapshot& now, const snapshot* before) {
    for (auto& p : now.processes) {
        for (auto& e : p.endpoints) {
            e.health = endpoint_health(now, p, e, before);
        }
    }
    for (auto& c : now.channels) {
        judge_channel(now, c);
    }
}

}  // namespace ipc::inspect
