// A snapshot read back from its JSON document (docs/SNAPSHOT.md), as a remote `ipcstat serve`
// sends it: each kind reads its own array (kind_*.cpp); the pieces several kinds share, and
// the channels', connections' and segments' arrays, are here. The document is untrusted input:
// nothing in it is assumed (json_fields.hpp), and a document that is not a snapshot is an error.

#include <vector>

#include <nlohmann/json.hpp>

#include "inspect/json_fields.hpp"
#include "inspect/kinds.hpp"
#include "ipc/histogram.hpp"

namespace ipc::inspect {

using nlohmann::json;

namespace detail {

std::string printable_text(const std::string& text) {
    std::string without_backslashes;
    for (char c : text) {
        if (c != '\\') {
            without_backslashes.push_back(c);
        }
    }
    return printable(without_backslashes) == without_backslashes ? text : printable(text);
}

const json& member(const json& j, const char* key) {
    static const json empty = json::object();
    const auto it = j.is_object() ? j.find(key) : j.end();
    return j.is_object() && it != j.end() && it->is_object() ? *it : empty;
}

const json& list(const json& j, const char* key) {
    static const json empty = json::array();
    const auto it = j.is_object() ? j.find(key) : j.end();
    return j.is_object() && it != j.end() && it->is_array() ? *it : empty;
}

latency_summary latency_from_json(const json& j, std::vector<std::uint64_t>& buckets) {
    buckets.assign(histogram::bucket_count, 0);
    for (const auto& b : list(j, "buckets")) {
        const auto it = b.is_object() ? b.find("le_ns") : b.end();
        if (it == b.end()) {
            continue;
        }
        const json& le = *it;
        std::size_t i = histogram::bucket_count - 1;  // le_ns null: the unbounded last bucket
        if (le.is_number_unsigned()) {
            const auto bound = le.get<std::uint64_t>();
            i = histogram::bucket_of(bound);
            if (i + 1 >= histogram::bucket_count || histogram::upper_bound(i) - 1 != bound) {
                continue;
            }
        } else if (!le.is_null()) {
            continue;
        }
        buckets[i] = field<std::uint64_t>(b, "count");
    }
    latency_summary l;
    l.count = field<std::uint64_t>(j, "count");
    l.mean_ns = field<std::uint64_t>(j, "mean_ns");
    l.p50_ns = field<std::uint64_t>(j, "p50_ns");
    l.p90_ns = field<std::uint64_t>(j, "p90_ns");
    l.p99_ns = field<std::uint64_t>(j, "p99_ns");
    l.max_ns = field<std::uint64_t>(j, "max_ns");
    return l;
}

std::uint64_t latency_sum_from_json(const json& j, const latency_summary& l) {
    return field<std::uint64_t>(j, "sum_ns", l.mean_ns * l.count);
}

end_info end_from_json(const json& j) {
    end_info e;
    e.pid = field<std::int32_t>(j, "pid");
    e.state = named(field<std::string>(j, "state"), end_state::invalid, end_state::invalid);
    e.alive = field<bool>(j, "alive");
    e.sleeping = field<bool>(j, "sleeping");
    return e;
}

health_verdict health_from_json(const json& j) {
    return {named(field<std::string>(j, "state"), health_state::corrupt, health_state::corrupt),
            field<std::string>(j, "reason")};
}

}  // namespace detail

namespace {

using detail::field;
using detail::for_each_object;
using detail::list;
using detail::member;
using detail::named;

connection_flow flow_from_json(const json& j) {
    connection_flow f;
    f.messages = field<std::uint64_t>(j, "messages");
    f.bytes = field<std::uint64_t>(j, "bytes");
    f.used_bytes = field<std::uint64_t>(j, "used_bytes");
    f.capacity_bytes = field<std::uint64_t>(j, "capacity_bytes");
    f.found = field<bool>(j, "found");
    return f;
}

void connections_from_json(const json& array, snapshot& s) {
    for_each_object(array, [&](const json& j) {
        connection_info c;
        c.pid = field<std::int32_t>(j, "pid");
        c.id = field<std::uint64_t>(j, "id");
        c.kind =
            named(field<std::string>(j, "kind"), channel_kind::simpleipc, channel_kind::unknown);
        c.name = field<std::string>(j, "name");
        c.role = field<std::string>(j, "role");
        c.peer_pid = field<std::int32_t>(j, "peer_pid");
        c.peer_uid = field<std::uint32_t>(j, "peer_uid");
        c.peer_gid = field<std::uint32_t>(j, "peer_gid");
        c.since_ns = field<std::uint64_t>(j, "since_ns");
        c.inbound_segment = field<std::string>(j, "inbound_segment");
        c.outbound_segment = field<std::string>(j, "outbound_segment");
        c.max_message = field<std::uint32_t>(j, "max_message");
        c.capacity = field<std::uint64_t>(j, "capacity");
        c.inbound = flow_from_json(member(j, "inbound"));
        c.outbound = flow_from_json(member(j, "outbound"));
        s.connections.push_back(std::move(c));
    });
}

void channels_from_json(const json& array, snapshot& s) {
    for_each_object(array, [&](const json& j) {
        channel_info c;
        c.kind =
            named(field<std::string>(j, "kind"), channel_kind::simpleipc, channel_kind::unknown);
        c.name = field<std::string>(j, "name");
        c.segment = field<std::string>(j, "segment");
        for_each_object(list(j, "ends"), [&](const json& e) {
            c.ends.push_back(
                {named(field<std::string>(e, "role"), endpoint_role::child, endpoint_role::unknown),
                 detail::end_from_json(e)});
        });
        c.one_way = field<bool>(j, "one_way");
        c.used = field<std::uint64_t>(j, "used");
        c.capacity = field<std::uint64_t>(j, "capacity");
        c.used_is_bytes = field<std::string>(j, "used_unit") == "bytes";
        c.waiting = field<std::uint64_t>(j, "waiting");
        c.stale = field<bool>(j, "stale");
        c.error = field<std::string>(j, "error");
        c.unreadable = field<bool>(j, "unreadable");
        c.health = detail::health_from_json(member(j, "health"));
        s.channels.push_back(std::move(c));
    });
}

void segments_from_json(const json& array, snapshot& s) {
    for_each_object(array, [&](const json& j) {
        segment_entry seg;
        seg.name = field<std::string>(j, "name");
        seg.kind =
            named(field<std::string>(j, "kind"), segment_kind::simpleipc, segment_kind::unknown);
        seg.creator_pid = field<std::int32_t>(j, "creator_pid");
        seg.size = field<std::uint64_t>(j, "size");
        seg.stale = field<bool>(j, "stale");
        seg.error = field<std::string>(j, "error");
        // raw_name stays empty: another host's name opens nothing here.
        s.segments.push_back(std::move(seg));
    });
}

// What one document may hold. Read, an object costs more than its text: an endpoint's or a
// slot's latency histogram is 2 KiB whatever the document says, so a hostile document of a few
// MiB could ask for gigabytes. 16384 timed objects (64 processes' full telemetry tables) are
// 36 MiB of buckets.
constexpr std::size_t max_objects = 1'000'000;
constexpr std::size_t max_timed_objects = 16'384;

// Why the document holds more than that, or null. Walked with a stack: nesting has no limit.
const char* over_limits(const json& doc) {
    std::size_t objects = 0;
    std::size_t timed = 0;
    std::vector<const json*> pending{&doc};
    while (!pending.empty()) {
        const json* j = pending.back();
        pending.pop_back();
        if (j->is_object()) {
            ++objects;
            timed += j->contains("latency") ? 1 : 0;
        }
        if (objects > max_objects || timed > max_timed_objects) {
            return objects > max_objects
                       ? "the document holds more objects than one host's snapshot can"
                       : "the document holds more endpoints and slots than one host's can";
        }
        if (j->is_structured()) {
            for (const auto& child : *j) {
                pending.push_back(&child);
            }
        }
    }
    return nullptr;
}

}  // namespace

result<snapshot> from_json(std::string_view text) {
    const json doc = json::parse(text, nullptr, false);
    if (!doc.is_object() || field<std::string>(doc, "schema") != "libipc.snapshot/1") {
        return error{errc::corrupt, "not a libipc.snapshot/1 JSON document"};
    }
    if (const char* why = over_limits(doc)) {
        return error{errc::corrupt, why};
    }
    snapshot s;
    s.taken_ns = field<std::uint64_t>(doc, "taken_ns");
    s.taken_realtime_ns = field<std::uint64_t>(doc, "taken_realtime_ns");
    for (const auto* k : detail::kinds()) {
        k->read_json(list(doc, k->json_key), s);
    }
    channels_from_json(list(doc, "channels"), s);
    connections_from_json(list(doc, "connections"), s);
    segments_from_json(list(doc, "segments"), s);
    return s;
}

}  // namespace ipc::inspect
