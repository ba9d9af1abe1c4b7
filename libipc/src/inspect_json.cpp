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

json latency_json(const endpoint_info& e) {
    json buckets = json::array();
    for (std::size_t i = 0; i < e.latency_buckets.size(); ++i) {
        if (e.latency_buckets[i] != 0) {
            // The last bucket is unbounded: null, like Prometheus' +Inf.
            json le = i + 1 < e.latency_buckets.size() ? json(histogram::upper_bound(i) - 1)
                                                       : json(nullptr);
            buckets.push_back({{"le_ns", le}, {"count", e.latency_buckets[i]}});
        }
    }
    return {{"count", e.latency.count},   {"mean_ns", e.latency.mean_ns},
            {"p50_ns", e.latency.p50_ns}, {"p90_ns", e.latency.p90_ns},
            {"p99_ns", e.latency.p99_ns}, {"max_ns", e.latency.max_ns},
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
            {"peer_pid", e.peer_pid},
            {"counters", counters_json(e.counters)},
            {"latency", latency_json(e)}};
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
            {"stale", r.stale}};
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
                             {"heartbeat_ns", p.heartbeat_ns},
                             {"endpoints", endpoints}});
    }
    json rings = json::array();
    for (const auto& r : s.rings) {
        rings.push_back(ring_json(r));
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
                      {"segments", segments}};
    // Names come from untrusted segments: replace invalid UTF-8 rather than throw.
    return doc.dump(pretty ? 2 : -1, ' ', false, json::error_handler_t::replace);
}

}  // namespace ipc::inspect
