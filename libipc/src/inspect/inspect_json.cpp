// The snapshot as one JSON document (docs/SNAPSHOT.md): each kind writes its own array
// (kind_*.cpp); the pieces several kinds share, and the segments' array, are here.

#include <nlohmann/json.hpp>

#include "inspect/export_parts.hpp"
#include "inspect/kinds.hpp"
#include "ipc/histogram.hpp"

namespace ipc::inspect {

using nlohmann::json;

namespace detail {

json latency_json(const latency_summary& l, const std::vector<std::uint64_t>& counts,
                  std::uint64_t sum_ns) {
    json buckets = json::array();
    for (std::size_t i = 0; i < counts.size(); ++i) {
        if (counts[i] != 0) {
            // The last bucket is unbounded: null, like Prometheus' +Inf.
            json le = i + 1 < counts.size() ? json(histogram::upper_bound(i) - 1) : json(nullptr);
            buckets.push_back({{"le_ns", le}, {"count", counts[i]}});
        }
    }
    return {{"count", l.count},   {"sum_ns", sum_ns},   {"mean_ns", l.mean_ns},
            {"p50_ns", l.p50_ns}, {"p90_ns", l.p90_ns}, {"p99_ns", l.p99_ns},
            {"max_ns", l.max_ns}, {"buckets", buckets}};
}

json end_json(const end_info& e) {
    return {{"pid", e.pid},
            {"state", to_string(e.state)},
            {"alive", e.alive},
            {"sleeping", e.sleeping}};
}

json health_json(const health_verdict& h) {
    return {{"state", to_string(h.state)}, {"reason", h.reason}};
}

}  // namespace detail

namespace {

json flow_json(const connection_flow& f) {
    return {{"messages", f.messages},
            {"bytes", f.bytes},
            {"used_bytes", f.used_bytes},
            {"capacity_bytes", f.capacity_bytes},
            {"found", f.found}};
}

json connections_json(const snapshot& s) {
    json list = json::array();
    for (const auto& c : s.connections) {
        list.push_back({{"pid", c.pid},
                        {"id", c.id},
                        {"kind", to_string(c.kind)},
                        {"name", c.name},
                        {"role", c.role},
                        {"peer_pid", c.peer_pid},
                        {"peer_uid", c.peer_uid},
                        {"peer_gid", c.peer_gid},
                        {"since_ns", c.since_ns},
                        {"inbound_segment", c.inbound_segment},
                        {"outbound_segment", c.outbound_segment},
                        {"max_message", c.max_message},
                        {"capacity", c.capacity},
                        {"inbound", flow_json(c.inbound)},
                        {"outbound", flow_json(c.outbound)}});
    }
    return list;
}

json channels_json(const snapshot& s) {
    json channels = json::array();
    for (const auto& c : s.channels) {
        json ends = json::array();
        for (const auto& e : c.ends) {
            json end = detail::end_json(e.end);
            end["role"] = to_string(e.role);
            ends.push_back(std::move(end));
        }
        channels.push_back({{"kind", to_string(c.kind)},
                            {"name", c.name},
                            {"segment", c.segment},
                            {"ends", std::move(ends)},
                            {"one_way", c.one_way},
                            {"used", c.used},
                            {"capacity", c.capacity},
                            {"used_unit", used_unit(c)},
                            {"waiting", c.waiting},
                            {"stale", c.stale},
                            {"error", c.error},
                            {"unreadable", c.unreadable},
                            {"health", detail::health_json(c.health)}});
    }
    return channels;
}

}  // namespace

std::string to_json(const snapshot& s, bool pretty) {
    json doc = {{"schema", "libipc.snapshot/1"},
                {"taken_ns", s.taken_ns},
                {"taken_realtime_ns", s.taken_realtime_ns}};
    for (const auto* k : detail::kinds()) {
        doc[k->json_key] = k->json(s);
    }
    doc["channels"] = channels_json(s);
    doc["connections"] = connections_json(s);
    json segments = json::array();
    for (const auto& seg : s.segments) {
        segments.push_back({{"name", seg.name},
                            {"kind", to_string(seg.kind)},
                            {"creator_pid", seg.creator_pid},
                            {"size", seg.size},
                            {"stale", seg.stale},
                            {"error", seg.error}});
    }
    doc["segments"] = std::move(segments);
    // Names come from untrusted segments: replace invalid UTF-8 rather than throw.
    return doc.dump(pretty ? 2 : -1, ' ', false, json::error_handler_t::replace);
}

}  // namespace ipc::inspect
