// A snapshot as CSV: one row per endpoint record, for spreadsheets and quick scripts.

#include <cstdint>
#include <initializer_list>
#include <string>

#include "ipc/inspect.hpp"

namespace ipc::inspect {

namespace {

// RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled.
std::string text_field(const std::string& text) {
    if (text.find_first_of(",\"\r\n") == std::string::npos) {
        return text;
    }
    std::string quoted = "\"";
    for (char c : text) {
        quoted += c;
        if (c == '"') {
            quoted += '"';
        }
    }
    return quoted + "\"";
}

void append_numbers(std::string& row, std::initializer_list<std::uint64_t> values) {
    for (auto v : values) {
        row += ',';
        row += std::to_string(v);
    }
}

}  // namespace

std::string to_csv(const snapshot& s) {
    std::string out =
        "taken_ns,pid,program,alive,index,generation,state,kind,role,name,region,peer_pid,sent,"
        "received,dropped,failed,bytes_out,bytes_in,queue_depth,queue_depth_hwm,"
        "last_activity_ns,latency_count,latency_mean_ns,latency_p50_ns,latency_p90_ns,"
        "latency_p99_ns,latency_max_ns\r\n";
    for (const auto& p : s.processes) {
        if (p.spoofed) {
            continue;  // its rows would be credited to a process that did not write them
        }
        for (const auto& e : p.endpoints) {
            const auto& c = e.counters;
            const auto& l = e.latency;
            std::string row = std::to_string(s.taken_ns) + ',' + std::to_string(p.pid) + ',' +
                              text_field(p.program) + ',' + (p.alive ? "1" : "0");
            append_numbers(row, {e.index, e.generation});
            row += ',' + e.state + ',' + e.kind + ',' + e.role + ',' + text_field(e.name) + ',' +
                   text_field(e.region) + ',' + std::to_string(e.peer_pid);
            append_numbers(row, {c.sent, c.received, c.dropped, c.failed, c.bytes_out, c.bytes_in,
                                 c.queue_depth, c.queue_depth_hwm, c.last_activity_ns, l.count,
                                 l.mean_ns, l.p50_ns, l.p90_ns, l.p99_ns, l.max_ns});
            out += row + "\r\n";
        }
    }
    return out;
}

}  // namespace ipc::inspect
