#include <nlohmann/json.hpp>

#include "ipc/inspect.hpp"

namespace ipc::inspect {

namespace {

using nlohmann::json;

json counters_json(const layout::endpoint_counters& c) {
    return {{"sent", c.sent},
            {"received", c.received},
            {"dropped", c.dropped},
            {"failed", c.failed},
            {"bytes_out", c.bytes_out},
            {"bytes_in", c.bytes_in},
            {"queue_depth", c.queue_depth},
            {"queue_depth_hwm", c.queue_depth_hwm},
            {"last_activity_ns", c.last_activity_ns}};
}

// `counts`: samples per log-linear bucket (ipc/histogram.hpp).
json latency_json(const latency_summary& l, const std::vector<std::uint64_t>& counts) {
    json buckets = json::array();
    for (std::size_t i = 0; i < counts.size(); ++i) {
        if (counts[i] != 0) {
            // The last bucket is unbounded: null, like Prometheus' +Inf.
            json le = i + 1 < counts.size() ? json(histogram::upper_bound(i) - 1) : json(nullptr);
            buckets.push_back({{"le_ns", le}, {"count", counts[i]}});
        }
    }
    return {{"count", l.count},   {"mean_ns", l.mean_ns}, {"p50_ns", l.p50_ns},
            {"p90_ns", l.p90_ns}, {"p99_ns", l.p99_ns},   {"max_ns", l.max_ns},
            {"buckets", buckets}};
}

json endpoint_json(const endpoint_info& e) {
    return {{"index", e.index},
            {"generation", e.generation},
            {"state", e.state},
            {"kind", e.kind},
            {"role", e.role},
            {"name", e.name},
            {"region", e.region},
            {"segment", e.segment},
            {"peer_pid", e.peer_pid},
            {"counters", counters_json(e.counters)},
            {"latency", latency_json(e.latency, e.latency_buckets)},
            {"error", e.error}};
}

json end_json(const end_info& e) {
    return {{"pid", e.pid}, {"state", e.state}, {"alive", e.alive}, {"sleeping", e.sleeping}};
}

json ring_json(const ring_info& r) {
    return {{"name", r.name},
            {"segment", r.segment},
            {"capacity", r.capacity},
            {"max_message", r.max_message},
            {"write_index", r.write_index},
            {"read_index", r.read_index},
            {"write_count", r.write_count},
            {"read_count", r.read_count},
            {"occupancy_bytes", r.occupancy_bytes},
            {"occupancy_messages", r.occupancy_messages},
            {"occupancy_hwm_bytes", r.occupancy_hwm_bytes},
            {"writer", end_json(r.writer)},
            {"reader", end_json(r.reader)},
            {"stale", r.stale},
            {"error", r.error}};
}

json slot_json(const slot_info& s) {
    const auto& c = s.counters;
    return {{"index", s.index},
            {"state", s.state},
            {"request_id", s.request_id},
            {"request_length", s.request_length},
            {"abandoned", s.abandoned},
            {"guest", end_json(s.guest)},
            {"host_sleeping", s.host_sleeping},
            {"counters",
             {{"calls", c.calls},
              {"completed", c.completed},
              {"timeouts", c.timeouts},
              {"failed", c.failed},
              {"late_responses", c.late_responses},
              {"bytes_out", c.bytes_out},
              {"bytes_in", c.bytes_in},
              {"in_flight", c.in_flight},
              {"last_activity_ns", c.last_activity_ns}}},
            {"latency", latency_json(s.latency, s.latency_buckets)}};
}

json slots_json(const slots_info& s) {
    json slots = json::array();
    for (const auto& slot : s.slots) {
        slots.push_back(slot_json(slot));
    }
    return {{"name", s.name},
            {"segment", s.segment},
            {"slot_count", s.slot_count},
            {"request_capacity", s.request_capacity},
            {"response_capacity", s.response_capacity},
            {"host", end_json(s.host)},
            {"shutdown", s.shutdown},
            {"host_epoch", s.host_epoch},
            {"calls_refused", s.calls_refused},
            {"slots", slots},
            {"stale", s.stale}};
}

}  // namespace

std::string to_json(const snapshot& s, bool pretty) {
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
                             {"endpoints", endpoints}});
    }
    json rings = json::array();
    for (const auto& r : s.rings) {
        rings.push_back(ring_json(r));
    }
    json slots = json::array();
    for (const auto& group : s.slots) {
        slots.push_back(slots_json(group));
    }
    json segments = json::array();
    for (const auto& seg : s.segments) {
        segments.push_back({{"name", seg.name},
                            {"kind", seg.kind},
                            {"creator_pid", seg.creator_pid},
                            {"size", seg.size},
                            {"stale", seg.stale},
                            {"error", seg.error}});
    }
    const json doc = {{"schema", "libipc.snapshot/1"},
                      {"taken_ns", s.taken_ns},
                      {"taken_realtime_ns", s.taken_realtime_ns},
                      {"processes", processes},
                      {"rings", rings},
                      {"slots", slots},
                      {"segments", segments}};
    // Names come from untrusted segments: replace invalid UTF-8 rather than throw.
    return doc.dump(pretty ? 2 : -1, ' ', false, json::error_handler_t::replace);
}

}  // namespace ipc::inspect
