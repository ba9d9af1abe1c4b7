// The telemetry segment kind: each process's table of endpoint records, decoded record by
// record (seqlock-style), checked for spoofing, and exported as processes and endpoints (JSON,
// CSV rows, Prometheus families).

#include <sys/stat.h>

#include <cstring>
#include <initializer_list>
#include <optional>

#include <nlohmann/json.hpp>

#include "inspect/export_parts.hpp"
#include "inspect/json_fields.hpp"
#include "inspect/kinds.hpp"
#include "ipc/process.hpp"
#include "telemetry/telemetry_spec.hpp"

namespace ipc::inspect {

namespace {

using detail::check_ready;
using detail::family;
using detail::label;
using detail::seconds;
using detail::strip_prefix;
using detail::with_slash;
using nlohmann::json;

// A fixed-size char field as a string, stopping at the first NUL or the field's end.
template <std::size_t N>
std::string field_string(const char (&field)[N]) {
    return printable(std::string_view(field, ::strnlen(field, N)));  // the owner is untrusted
}

channel_kind kind_of(std::uint16_t kind) {
    switch (static_cast<layout::channel_kind>(kind)) {
        case layout::channel_kind::ring:
            return channel_kind::ring;
        case layout::channel_kind::slots:
            return channel_kind::slots;
        case layout::channel_kind::duplex:
            return channel_kind::duplex;
        case layout::channel_kind::broker:
            return channel_kind::broker;
        case layout::channel_kind::stream:
            return channel_kind::stream;
        case layout::channel_kind::zipc:
            return channel_kind::zipc;
        case layout::channel_kind::simpleipc:
            return channel_kind::simpleipc;
    }
    return channel_kind::unknown;
}

endpoint_role role_of(std::uint16_t role) {
    switch (static_cast<layout::endpoint_role>(role)) {
        case layout::endpoint_role::writer:
            return endpoint_role::writer;
        case layout::endpoint_role::reader:
            return endpoint_role::reader;
        case layout::endpoint_role::host:
            return endpoint_role::host;
        case layout::endpoint_role::guest:
            return endpoint_role::guest;
        case layout::endpoint_role::server:
            return endpoint_role::server;
        case layout::endpoint_role::client:
            return endpoint_role::client;
        case layout::endpoint_role::parent:
            return endpoint_role::parent;
        case layout::endpoint_role::child:
            return endpoint_role::child;
    }
    return endpoint_role::unknown;
}

endpoint_info decode_record(const layout::endpoint_record& r, std::uint32_t index,
                            const detail::stamp_reader& stamps) {
    endpoint_info e;
    e.index = index;
    e.generation = r.generation;
    e.state = r.state == static_cast<std::uint32_t>(layout::endpoint_state::active)
                  ? endpoint_state::active
                  : endpoint_state::closed;
    e.kind = kind_of(r.kind);
    e.role = role_of(r.role);
    e.peer_pid = r.peer_pid;
    e.name = field_string(r.name);
    e.region = field_string(r.region);
    e.segment = detail::segment_of(e.region);
    e.counters = r.counters;
    e.connection_counters = r.connection_counters;
    e.last_activity_ns = stamps.monotonic_ns(r.counters.last_activity);
    e.latency_buckets.assign(std::begin(r.latency_buckets), std::end(r.latency_buckets));
    e.latency = detail::summarise(e.latency_buckets, e.counters.latency_count,
                                  e.counters.latency_sum_ns, e.counters.latency_max_ns);
    e.error = detail::implausible(e.latency);
    return e;
}

std::string clock_name(std::uint32_t clock) {
    using ::ipc::detail::clock_kind;
    switch (static_cast<clock_kind>(clock)) {
        case clock_kind::monotonic:
            return "monotonic";
        case clock_kind::tsc:
            return "tsc";
    }
    return "unknown";
}

bool in_use(std::uint32_t state) {
    return state == static_cast<std::uint32_t>(layout::endpoint_state::active) ||
           state == static_cast<std::uint32_t>(layout::endpoint_state::closed);
}

// One record, if it is in use and did not change while it was copied. Seqlock-style, with each
// step a pread of its own, so that the kernel's copy order within one read does not matter:
// state and generation, then the record, then state and generation again (the owner stores
// state last with release and bumps generation on every claim). A record that changed is read
// again, a few times, then skipped for this snapshot. The table copy only says which records
// to look at.
std::optional<endpoint_info> read_record(const detail::segment_copy& copy, std::uint64_t at,
                                         std::uint32_t index, const detail::stamp_reader& stamps) {
    static_assert(offsetof(layout::endpoint_record, generation) == sizeof(std::uint32_t));
    if (at + sizeof(layout::endpoint_record) > copy.copied() ||
        !in_use(copy.as<layout::endpoint_record>(at).state)) {
        return std::nullopt;
    }
    layout::endpoint_record r;
    for (int attempt = 0; attempt < detail::reread_attempts; ++attempt) {
        std::uint32_t before[2];
        std::uint32_t after[2];
        if (!copy.read(at, before, sizeof before) || !copy.read(at, &r, sizeof r) ||
            !copy.read(at, after, sizeof after) || !in_use(before[0])) {
            return std::nullopt;
        }
        if (before[0] == after[0] && before[1] == after[1] && r.state == before[0] &&
            r.generation == before[1]) {
            return decode_record(r, index, stamps);
        }
    }
    return std::nullopt;
}

// The largest telemetry segment the layout allows; nothing past it is ever read.
constexpr std::uint64_t max_telemetry_size =
    sizeof(layout::telemetry_header) +
    std::uint64_t{layout::telemetry_endpoint_capacity} * sizeof(layout::endpoint_record);

// The pid in "libipc-tel-<pid>" or "libipc-tel-<pid>-<suffix>", or 0.
std::int32_t pid_in_name(const std::string& object) {
    const std::string rest = strip_prefix(object, "libipc-tel-");
    std::int64_t pid = 0;
    std::size_t i = 0;
    for (; i < rest.size() && i < 10 && rest[i] >= '0' && rest[i] <= '9'; ++i) {
        pid = pid * 10 + (rest[i] - '0');
    }
    const bool ends = i > 0 && (i == rest.size() || rest[i] == '-');
    return ends && pid <= INT32_MAX ? static_cast<std::int32_t>(pid) : 0;
}

// A live process's telemetry can only be written by that process: a segment whose owner is not
// the process's user, or whose name names another pid, was made by somebody else. Root's are
// trusted, as by channel ends: a process that dropped privileges after its first endpoint
// keeps the segment it made as root.
bool spoofed(const process_info& p, const std::string& object) {
    if (pid_in_name(object) != p.pid) {
        return true;
    }
    const auto uid = process_uid(p.pid);
    return p.alive && uid && *uid != p.owner_uid && p.owner_uid != 0;
}

result<process_info> decode_telemetry(const detail::segment_copy& copy, const std::string& object) {
    if (auto ok = check_ready(copy, ipc::detail::telemetry_spec); !ok) {
        return ok.error_value();
    }
    const auto& h = copy.as<layout::telemetry_header>();
    const std::uint64_t capacity = h.endpoint_capacity;
    if (h.endpoint_size != sizeof(layout::endpoint_record) ||
        h.endpoints_offset != sizeof(layout::telemetry_header) ||
        capacity > layout::telemetry_endpoint_capacity ||
        copy.file_size() != h.endpoints_offset + capacity * sizeof(layout::endpoint_record) ||
        copy.copied() != copy.file_size()) {
        return error{errc::corrupt, "telemetry table disagrees with the layout's fixed limits"};
    }
    process_info p;
    p.segment = printable(with_slash(object).substr(1));
    p.pid = h.header.creator_pid;
    p.start_time = h.header.creator_start_time;
    p.program = field_string(h.program);
    p.heartbeat_ns = h.heartbeat_ns;
    p.clock = clock_name(h.clock);
    p.ticks_per_second = h.ticks_per_second;
    p.alive = is_alive(p.pid, p.start_time);
    struct stat st {};
    p.owner_uid = ::fstat(copy.fd(), &st) == 0 ? st.st_uid : 0;
    p.spoofed = spoofed(p, object);
    p.alive = p.alive && !p.spoofed;
    const detail::stamp_reader stamps(h.ticks_per_second);
    for (std::uint32_t i = 0; i < capacity; ++i) {
        const std::uint64_t at = h.endpoints_offset + i * sizeof(layout::endpoint_record);
        if (auto e = read_record(copy, at, i, stamps)) {
            p.endpoints.push_back(std::move(*e));
        }
    }
    return p;
}

result<bool> decode_into(detail::segment_copy& copy, const std::string& object, snapshot* sink) {
    return detail::keep_decoded(decode_telemetry(copy, object), sink, &snapshot::processes,
                                [](const process_info& p) { return !p.alive && !p.spoofed; });
}

bool no_ends(const detail::segment_copy&) {
    return false;  // a process's table has no channel ends
}

json counters_json(const endpoint_info& e) {
    const auto& c = e.counters;
    return {{"sent", c.sent},
            {"received", c.received},
            {"dropped", c.dropped},
            {"failed", c.failed},
            {"bytes_out", c.bytes_out},
            {"bytes_in", c.bytes_in},
            {"queue_depth", c.queue_depth},
            {"queue_depth_hwm", c.queue_depth_hwm},
            {"last_activity_ns", e.last_activity_ns},
            {"connections", e.connection_counters.connections},
            {"connections_total", e.connection_counters.connections_total},
            {"reconnects", e.connection_counters.reconnects},
            {"retried", e.connection_counters.retried}};
}

json endpoint_json(const endpoint_info& e) {
    return {
        {"index", e.index},
        {"generation", e.generation},
        {"state", to_string(e.state)},
        {"kind", to_string(e.kind)},
        {"role", to_string(e.role)},
        {"name", e.name},
        {"region", e.region},
        {"segment", e.segment},
        {"peer_pid", e.peer_pid},
        {"counters", counters_json(e)},
        {"latency", detail::latency_json(e.latency, e.latency_buckets, e.counters.latency_sum_ns)},
        {"error", e.error},
        {"health", detail::health_json(e.health)}};
}

json processes_json(const snapshot& s) {
    json processes = json::array();
    for (const auto& p : s.processes) {
        json endpoints = json::array();
        for (const auto& e : p.endpoints) {
            endpoints.push_back(endpoint_json(e));
        }
        processes.push_back({{"pid", p.pid},
                             {"start_time", p.start_time},
                             {"program", p.program},
                             {"segment", p.segment},
                             {"alive", p.alive},
                             {"owner_uid", p.owner_uid},
                             {"spoofed", p.spoofed},
                             {"heartbeat_ns", p.heartbeat_ns},
                             {"clock", p.clock},
                             {"ticks_per_second", p.ticks_per_second},
                             {"endpoints", endpoints}});
    }
    return processes;
}

endpoint_info endpoint_from_json(const json& j) {
    using detail::field;
    endpoint_info e;
    e.index = field<std::uint32_t>(j, "index");
    e.generation = field<std::uint32_t>(j, "generation");
    e.state = detail::named(field<std::string>(j, "state"), endpoint_state::closed,
                            endpoint_state::closed);
    e.kind = detail::named(field<std::string>(j, "kind"), channel_kind::simpleipc,
                           channel_kind::unknown);
    e.role =
        detail::named(field<std::string>(j, "role"), endpoint_role::child, endpoint_role::unknown);
    e.name = field<std::string>(j, "name");
    e.region = field<std::string>(j, "region");
    e.segment = field<std::string>(j, "segment");
    e.peer_pid = field<std::int32_t>(j, "peer_pid");
    const auto& c = detail::member(j, "counters");
    e.counters.sent = field<std::uint64_t>(c, "sent");
    e.counters.received = field<std::uint64_t>(c, "received");
    e.counters.dropped = field<std::uint64_t>(c, "dropped");
    e.counters.failed = field<std::uint64_t>(c, "failed");
    e.counters.bytes_out = field<std::uint64_t>(c, "bytes_out");
    e.counters.bytes_in = field<std::uint64_t>(c, "bytes_in");
    e.counters.queue_depth = field<std::uint64_t>(c, "queue_depth");
    e.counters.queue_depth_hwm = field<std::uint64_t>(c, "queue_depth_hwm");
    e.last_activity_ns = field<std::uint64_t>(c, "last_activity_ns");
    e.counters.last_activity = e.last_activity_ns;
    e.connection_counters.connections = field<std::uint64_t>(c, "connections");
    e.connection_counters.connections_total = field<std::uint64_t>(c, "connections_total");
    e.connection_counters.reconnects = field<std::uint64_t>(c, "reconnects");
    e.connection_counters.retried = field<std::uint64_t>(c, "retried");
    e.latency = detail::latency_from_json(detail::member(j, "latency"), e.latency_buckets);
    e.counters.latency_count = e.latency.count;
    e.counters.latency_max_ns = e.latency.max_ns;
    e.counters.latency_sum_ns =
        detail::latency_sum_from_json(detail::member(j, "latency"), e.latency);
    e.error = field<std::string>(j, "error");
    e.health = detail::health_from_json(detail::member(j, "health"));
    return e;
}

void processes_from_json(const json& array, snapshot& s) {
    using detail::field;
    detail::for_each_object(array, [&](const json& j) {
        process_info p;
        p.pid = field<std::int32_t>(j, "pid");
        p.start_time = field<std::uint64_t>(j, "start_time");
        p.program = field<std::string>(j, "program");
        p.segment = field<std::string>(j, "segment");
        p.alive = field<bool>(j, "alive");
        p.owner_uid = field<std::uint32_t>(j, "owner_uid");
        p.spoofed = field<bool>(j, "spoofed");
        p.heartbeat_ns = field<std::uint64_t>(j, "heartbeat_ns");
        p.clock = field<std::string>(j, "clock");
        p.ticks_per_second = field<std::uint64_t>(j, "ticks_per_second");
        detail::for_each_object(detail::list(j, "endpoints"), [&](const json& e) {
            p.endpoints.push_back(endpoint_from_json(e));
        });
        s.processes.push_back(std::move(p));
    });
}

std::vector<label> endpoint_labels(const process_info& p, const endpoint_info& e) {
    return {{"pid", std::to_string(p.pid)},
            {"program", p.program},
            {"channel", e.name},
            {"kind", std::string(to_string(e.kind))},
            {"role", std::string(to_string(e.role))},
            {"record", std::to_string(e.index)}};
}

std::string process_metrics(const snapshot& s) {
    family alive("libipc_process_alive", "gauge",
                 "1 while the process that owns the telemetry segment runs.");
    family heartbeat("libipc_process_heartbeat_age_seconds", "gauge",
                     "Time since the process last opened, closed or slept on an endpoint.");
    for (const auto& p : s.processes) {
        if (p.spoofed) {
            continue;  // not written by the process it names: its labels would lie
        }
        const std::vector<label> l = {{"pid", std::to_string(p.pid)}, {"program", p.program}};
        alive.add(l, p.alive ? 1 : 0);
        heartbeat.add(l, seconds(s.taken_ns > p.heartbeat_ns
                                     ? static_cast<double>(s.taken_ns - p.heartbeat_ns)
                                     : 0.0));
    }
    return detail::joined({&alive, &heartbeat});
}

std::string endpoint_metrics(const snapshot& s) {
    family active("libipc_endpoint_active", "gauge", "1 while the endpoint is open.");
    family sent("libipc_endpoint_messages_sent_total", "counter", "Messages or calls sent.");
    family received("libipc_endpoint_messages_received_total", "counter",
                    "Messages or responses received.");
    family dropped("libipc_endpoint_messages_dropped_total", "counter",
                   "Messages refused or given up, each reported to the caller.");
    family failed("libipc_endpoint_failures_total", "counter",
                  "Operations that failed for another reason.");
    family bytes_out("libipc_endpoint_sent_bytes_total", "counter", "Payload bytes sent.");
    family bytes_in("libipc_endpoint_received_bytes_total", "counter", "Payload bytes received.");
    family depth("libipc_endpoint_queue_depth", "gauge",
                 "Messages waiting (calls in flight for a slots host).");
    family depth_max("libipc_endpoint_queue_depth_max", "gauge", "Largest queue depth seen.");
    family connections("libipc_endpoint_connections", "gauge",
                       "Connections open (a stream writer or reader).");
    family connections_total("libipc_endpoint_connections_total", "counter",
                             "Connections made or accepted (a stream writer or reader).");
    family reconnects("libipc_endpoint_reconnects_total", "counter",
                      "Connections made again after one was lost (a stream writer).");
    family retried("libipc_endpoint_messages_retried_total", "counter",
                   "Messages written again after a failed write (a stream writer).");
    family latency("libipc_endpoint_latency_seconds", "histogram",
                   "Message latency (a slots host: call round trip).");
    family health("libipc_endpoint_health", "gauge",
                  "1 for the endpoint's health state (docs/SNAPSHOT.md), 0 for the others.");
    for (const auto& p : s.processes) {
        if (p.spoofed) {
            continue;
        }
        for (const auto& e : p.endpoints) {
            const auto l = endpoint_labels(p, e);
            const auto& c = e.counters;
            active.add(l, e.state == endpoint_state::active ? 1 : 0);
            sent.add(l, c.sent);
            received.add(l, c.received);
            dropped.add(l, c.dropped);
            failed.add(l, c.failed);
            bytes_out.add(l, c.bytes_out);
            bytes_in.add(l, c.bytes_in);
            depth.add(l, c.queue_depth);
            depth_max.add(l, c.queue_depth_hwm);
            if (e.kind == channel_kind::stream) {
                const auto& k = e.connection_counters;
                connections.add(l, k.connections);
                connections_total.add(l, k.connections_total);
                reconnects.add(l, k.reconnects);
                retried.add(l, k.retried);
            }
            latency.add_histogram(l, e.latency_buckets, c.latency_sum_ns);
            health.add_health(l, e.health.state);
        }
    }
    return detail::joined({&active, &sent, &received, &dropped, &failed, &bytes_out, &bytes_in,
                           &depth, &depth_max, &connections, &connections_total, &reconnects,
                           &retried, &latency, &health});
}

std::string telemetry_metrics(const snapshot& s) {
    std::string out = process_metrics(s);
    out += endpoint_metrics(s);
    return out;
}

}  // namespace

result<process_info> read_telemetry(const std::string& object, const std::string& dir) {
    auto copy = detail::segment_copy::open(dir, object, max_telemetry_size);
    if (!copy) {
        return copy.error_value();
    }
    return decode_telemetry(*copy, object);
}

std::string to_csv(const snapshot& s) {
    std::string out =
        "taken_ns,pid,program,alive,index,generation,state,kind,role,name,region,peer_pid,sent,"
        "received,dropped,failed,bytes_out,bytes_in,queue_depth,queue_depth_hwm,"
        "last_activity_ns,latency_count,latency_mean_ns,latency_p50_ns,latency_p90_ns,"
        "latency_p99_ns,latency_max_ns,health,health_reason\r\n";
    for (const auto& p : s.processes) {
        if (p.spoofed) {
            continue;  // its rows would be credited to a process that did not write them
        }
        for (const auto& e : p.endpoints) {
            const auto& c = e.counters;
            const auto& l = e.latency;
            std::string row = std::to_string(s.taken_ns) + ',' + std::to_string(p.pid) + ',' +
                              detail::csv_field(p.program) + ',' + (p.alive ? "1" : "0");
            detail::append_csv_numbers(row, {e.index, e.generation});
            row += ',' + std::string(to_string(e.state)) + ',' + std::string(to_string(e.kind)) +
                   ',' + std::string(to_string(e.role)) + ',' + detail::csv_field(e.name) + ',' +
                   detail::csv_field(e.region) + ',' + std::to_string(e.peer_pid);
            detail::append_csv_numbers(
                row, {c.sent, c.received, c.dropped, c.failed, c.bytes_out, c.bytes_in,
                      c.queue_depth, c.queue_depth_hwm, e.last_activity_ns, l.count, l.mean_ns,
                      l.p50_ns, l.p90_ns, l.p99_ns, l.max_ns});
            row += ',' + std::string(to_string(e.health.state)) + ',' +
                   detail::csv_field(e.health.reason);
            out += row + "\r\n";
        }
    }
    return out;
}

const detail::kind_parts& detail::telemetry_parts() {
    static const kind_parts parts{layout::segment_kind::telemetry,
                                  segment_kind::telemetry,
                                  max_telemetry_size,
                                  decode_into,
                                  no_ends,
                                  nullptr,
                                  nullptr,
                                  "processes",
                                  processes_json,
                                  processes_from_json,
                                  telemetry_metrics};
    return parts;
}

}  // namespace ipc::inspect
