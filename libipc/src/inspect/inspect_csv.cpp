// CSV (RFC 4180, docs/SNAPSHOT.md): the fields every table writes, and the connections' table
// (the endpoints' is the telemetry kind's, kind_telemetry.cpp).

#include <string>

#include "inspect/export_parts.hpp"

namespace ipc::inspect {

namespace detail {

std::string csv_field(const std::string& text) {
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

void append_csv_numbers(std::string& row, std::initializer_list<std::uint64_t> values) {
    for (auto v : values) {
        row += ',';
        row += std::to_string(v);
    }
}

}  // namespace detail

namespace {

// A direction's columns: empty where its endpoint was not found (not zeros, which would read
// as real), its ring's use only where it has a ring.
void append_flow(std::string& row, const connection_flow& f) {
    if (!f.found) {
        row += ",,,,";
        return;
    }
    detail::append_csv_numbers(row, {f.messages, f.bytes});
    if (f.capacity_bytes == 0) {
        row += ",,";
        return;
    }
    detail::append_csv_numbers(row, {f.used_bytes, f.capacity_bytes});
}

}  // namespace

std::string to_connections_csv(const snapshot& s) {
    std::string out =
        "taken_ns,pid,id,kind,name,side,peer_pid,peer_uid,peer_gid,since_ns,max_message,"
        "capacity,inbound_segment,outbound_segment,messages_in,bytes_in,used_bytes_in,"
        "capacity_bytes_in,messages_out,bytes_out,used_bytes_out,capacity_bytes_out\r\n";
    for (const auto& c : s.connections) {
        std::string row = std::to_string(s.taken_ns) + ',' + std::to_string(c.pid) + ',' +
                          std::to_string(c.id) + ',' + std::string(to_string(c.kind)) + ',' +
                          detail::csv_field(c.name) + ',' + detail::csv_field(c.role) + ',' +
                          std::to_string(c.peer_pid);
        detail::append_csv_numbers(row,
                                   {c.peer_uid, c.peer_gid, c.since_ns, c.max_message, c.capacity});
        row += ',' + detail::csv_field(c.inbound_segment) + ',' +
               detail::csv_field(c.outbound_segment);
        append_flow(row, c.inbound);
        append_flow(row, c.outbound);
        out += row + "\r\n";
    }
    return out;
}

}  // namespace ipc::inspect
