#include "ipcstat/tables.hpp"

#include <fmt/format.h>

#include "common/units.hpp"

namespace ipcstat {

namespace {

using ipc::inspect::endpoint_info;
using ipc::inspect::process_info;
using ipc::inspect::snapshot;

const char* segment_status(const ipc::inspect::segment_entry& s) {
    if (!s.error.empty()) {
        return "error";
    }
    return s.stale ? "stale" : "ok";
}

// One letter per slot: . free, R request ready, S serving, A answer (response ready), x abandoned
// (a late response is due).
char slot_state_letter(const ipc::inspect::slot_info& slot) {
    if (slot.abandoned) {
        return 'x';
    }
    if (slot.state == ipc::inspect::slot_state::free) {
        return '.';
    }
    if (slot.state == ipc::inspect::slot_state::request_ready) {
        return 'R';
    }
    if (slot.state == ipc::inspect::slot_state::serving) {
        return 'S';
    }
    return 'A';
}

std::string health_text(const ipc::inspect::health_verdict& h) {
    return h.reason.empty() ? std::string(to_string(h.state))
                            : fmt::format("{} ({})", to_string(h.state), h.reason);
}

// "writer 12688 -> reader 12692", "host 12700, guest 12701, guest 12702".
std::string ends_text(const ipc::inspect::channel_info& c) {
    std::string out;
    for (const auto& e : c.ends) {
        if (!out.empty()) {
            out += c.one_way ? " -> " : ", ";
        }
        out += fmt::format("{} {}", to_string(e.role), e.end.pid);
    }
    return out;
}

std::string used_text(const ipc::inspect::channel_info& c) {
    if (ipc::inspect::used_unit(c) == "messages") {
        return fmt::format("{} in flight", c.used);
    }
    if (c.used_is_bytes) {
        return units::format_bytes(static_cast<double>(c.used)) + " of " +
               units::format_bytes(static_cast<double>(c.capacity));
    }
    return fmt::format("{} of {} slots", c.used, c.capacity);
}

void append_channels(std::string& out, const snapshot& s) {
    out += fmt::format("\nCHANNELS\n{:<24} {:<9} {:<34} {:>20} {:>8} {}\n", "NAME", "KIND", "ENDS",
                       "USED", "WAITING", "HEALTH");
    for (const auto& c : s.channels) {
        out += fmt::format("{:<24} {:<9} {:<34} {:>20} {:>8} {}\n", c.name, to_string(c.kind),
                           ends_text(c), used_text(c), c.waiting, health_text(c.health));
    }
}

// A direction's messages, bytes and ring use, "-" each when its endpoint was not found (the ring
// use also when it has no ring).
std::string flow_text(const ipc::inspect::connection_flow& f) {
    if (!f.found) {
        return fmt::format("{:>10} {:>10} {:>10}", "-", "-", "-");
    }
    return fmt::format(
        "{:>10} {:>10} {:>10}", f.messages, units::format_bytes(static_cast<double>(f.bytes)),
        f.capacity_bytes == 0 ? std::string("-")  // no ring: a stream's
                              : units::format_bytes(static_cast<double>(f.used_bytes)));
}

void append_connections(std::string& out, const snapshot& s) {
    out += fmt::format(
        "\nCONNECTIONS (IN: to the process, OUT: from it)\n{:>8}  {:<24} {:<6} {:>8} {:>6} {:>10} "
        "{:>10} {:>10} {:>10} {:>10} {:>10} {:>10}\n",
        "PID", "NAME", "SIDE", "PEER", "UID", "FOR", "MSGS IN", "BYTES IN", "USED IN", "MSGS OUT",
        "BYTES OUT", "USED OUT");
    for (const auto& c : s.connections) {
        const std::uint64_t age_ns = s.taken_ns > c.since_ns ? s.taken_ns - c.since_ns : 0;
        out += fmt::format("{:>8}  {:<24} {:<6} {:>8} {:>6} {:>10} {} {}\n", c.pid, c.name, c.role,
                           c.peer_pid, c.peer_uid, units::format_duration_ns(age_ns),
                           flow_text(c.inbound), flow_text(c.outbound));
    }
    for (const auto& sock : s.control_sockets) {
        if (!sock.error.empty()) {
            out += fmt::format("  control socket of {}: {}\n", sock.pid, sock.error);
        }
    }
}

void append_processes(std::string& out, const snapshot& s) {
    out += fmt::format("PROCESSES\n{:>8}  {:<16} {:<7} {:>9}\n", "PID", "PROGRAM", "ALIVE",
                       "ENDPOINTS");
    for (const auto& p : s.processes) {
        out += fmt::format("{:>8}  {:<16} {:<7} {:>9}\n", p.pid, p.program,
                           p.spoofed ? "SPOOFED"
                           : p.alive ? "yes"
                                     : "no",
                           p.endpoints.size());
    }
}

void append_endpoints(std::string& out, const snapshot& s) {
    out += fmt::format(
        "\nENDPOINTS\n{:>8}  {:<24} {:<6} {:<7} {:<7} {:>10} {:>10} {:>8} {:>10} {}\n", "PID",
        "NAME", "KIND", "ROLE", "STATE", "SENT", "RECEIVED", "DROPPED", "P99", "HEALTH");
    for (const auto& p : s.processes) {
        for (const auto& e : p.endpoints) {
            out += fmt::format(
                "{:>8}  {:<24} {:<6} {:<7} {:<7} {:>10} {:>10} {:>8} {:>10} {}\n", p.pid, e.name,
                to_string(e.kind), to_string(e.role), to_string(e.state), e.counters.sent,
                e.counters.received, e.counters.dropped,
                e.latency.count == 0 ? "-" : units::format_duration_ns(e.latency.p99_ns),
                health_text(e.health));
        }
    }
}

void append_rings(std::string& out, const snapshot& s) {
    out += fmt::format("\nRINGS\n{:<24} {:<5} {:>10} {:>10} {:>10} {:>8} {:>8} {:>6}\n", "NAME",
                       "KIND", "CAPACITY", "USED", "HWM", "WRITER", "READER", "STALE");
    for (const auto& r : s.rings) {
        if (!r.error.empty()) {
            out += fmt::format("{:<24} {:<5} {}\n", r.name, to_string(r.kind), r.error);
            continue;
        }
        out += fmt::format("{:<24} {:<5} {:>10} {:>10} {:>10} {:>8} {:>8} {:>6}\n", r.name,
                           to_string(r.kind), units::format_bytes(static_cast<double>(r.capacity)),
                           units::format_bytes(static_cast<double>(r.occupancy_bytes)),
                           units::format_bytes(static_cast<double>(r.occupancy_hwm_bytes)),
                           r.writer.pid, r.reader.pid, r.stale ? "yes" : "no");
    }
}

void append_slots(std::string& out, const snapshot& s) {
    out += fmt::format("\nSLOTS\n{:<24} {:<9} {:>5} {:>8} {:>8} {:>10} {:>10} {:>8} {:>6} {:<24}\n",
                       "NAME", "KIND", "SLOTS", "HOST", "GUESTS", "CALLS", "COMPLETED", "TIMEOUTS",
                       "STALE", "STATES");
    for (const auto& group : s.slots) {
        std::uint64_t calls = 0, completed = 0, timeouts = 0;
        std::size_t guests = 0;
        std::string states;
        for (const auto& slot : group.slots) {
            calls += slot.counters.calls;
            completed += slot.counters.completed;
            timeouts += slot.counters.timeouts;
            guests += slot.guest.alive ? 1 : 0;
            states += slot_state_letter(slot);
        }
        out += fmt::format("{:<24} {:<9} {:>5} {:>8} {:>8} {:>10} {:>10} {:>8} {:>6} {:<24}\n",
                           group.name, to_string(group.kind), group.slot_count, group.host.pid,
                           guests, calls, completed, timeouts, group.stale ? "yes" : "no", states);
    }
}

void append_segments(std::string& out, const snapshot& s) {
    out += fmt::format("\nSEGMENTS\n{:<40} {:<10} {:>8} {:>10} {:<7} {}\n", "NAME", "KIND", "PID",
                       "SIZE", "STATUS", "ERROR");
    for (const auto& seg : s.segments) {
        out += fmt::format("{:<40} {:<10} {:>8} {:>10} {:<7} {}\n", seg.name, to_string(seg.kind),
                           seg.creator_pid, units::format_bytes(static_cast<double>(seg.size)),
                           segment_status(seg), seg.error);
    }
}

}  // namespace

std::string list_tables(const snapshot& s) {
    std::string out;
    append_processes(out, s);
    append_endpoints(out, s);
    append_channels(out, s);
    append_connections(out, s);
    append_rings(out, s);
    append_slots(out, s);
    append_segments(out, s);
    return out;
}

std::string watch_table(const snapshot& now, const snapshot* before) {
    const double seconds =
        before == nullptr ? 0 : static_cast<double>(now.taken_ns - before->taken_ns) / 1e9;
    std::string out = fmt::format(
        "{:>8}  {:<22} {:<7} {:>10} {:>10} {:>10} {:>10} {:>8} {:>6} {:>9} {:>9} {:>9} {}\n", "PID",
        "NAME", "ROLE", "SENT", "RECEIVED", "MSG/S", "BYTES/S", "DROPPED", "DEPTH", "P50", "P99",
        "MAX", "HEALTH");
    for (const auto& p : now.processes) {
        if (!p.alive) {
            continue;  // `ipcstat list` shows what dead processes left behind
        }
        for (const auto& e : p.endpoints) {
            if (e.state != ipc::inspect::endpoint_state::active) {
                continue;
            }
            const endpoint_info* prev =
                before == nullptr ? nullptr : ipc::inspect::find_endpoint(*before, p, e);
            ipc::inspect::endpoint_rates r;
            if (prev != nullptr) {
                r = ipc::inspect::rates(*prev, e, now.taken_ns - before->taken_ns);
            }
            const bool has_rate = prev != nullptr && seconds > 0;
            const double msgs = r.messages_per_s();
            const double bytes = r.bytes_per_s();
            // Latency of this interval's samples, as the monitor shows it; the first table (no
            // interval yet) shows everything since the endpoint opened.
            const auto latency =
                prev != nullptr ? ipc::inspect::interval_latency(prev, e) : e.latency;
            const bool has_latency = latency.count != 0;
            out += fmt::format(
                "{:>8}  {:<22} {:<7} {:>10} {:>10} {:>10} {:>10} {:>8} {:>6} {:>9} {:>9} {:>9} "
                "{}\n",
                p.pid, e.name, to_string(e.role), e.counters.sent, e.counters.received,
                has_rate ? units::format_count(msgs) : "-",
                has_rate ? units::format_bytes(bytes) : "-", e.counters.dropped,
                e.counters.queue_depth,
                has_latency ? units::format_duration_ns(latency.p50_ns) : "-",
                has_latency ? units::format_duration_ns(latency.p99_ns) : "-",
                has_latency ? units::format_duration_ns(latency.max_ns) : "-",
                health_text(e.health));
        }
    }
    return out;
}

}  // namespace ipcstat
