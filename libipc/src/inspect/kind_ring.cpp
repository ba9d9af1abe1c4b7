// The ring segment kind: a named ring's control block (indices, counts, ends, sleepers),
// decoded and exported; rings over memfds are added through their holders (inspect_memfd.cpp).

#include <algorithm>

#include <nlohmann/json.hpp>

#include "channel/ring/ring_layout.hpp"
#include "channel/ring/ring_spec.hpp"
#include "channel/ring/spsc_ring.hpp"
#include "inspect/export_parts.hpp"
#include "inspect/json_fields.hpp"
#include "inspect/kinds.hpp"

namespace ipc::inspect {

namespace {

using detail::check_ready;
using detail::family;
using detail::label;
using detail::read_end;
using detail::strip_prefix;
using detail::with_slash;
using nlohmann::json;

// Both indices from one copy of the control block; they are consistent unless the copy caught
// the moment when write_index trails a record the reader already took (the writer stores the
// index after the record's commit word), or a writer a whole capacity ahead between the two
// words. Copy again a few times before calling the ring corrupt.
bool read_indices(detail::segment_copy& copy, ring_info& r) {
    for (int attempt = 0; attempt < detail::reread_attempts; ++attempt) {
        if (attempt > 0 && !copy.refresh()) {
            return false;
        }
        const auto& c = copy.as<layout::ring_segment>().control;
        r.read_index = c.read_index;
        r.read_count = c.read_count;
        r.write_index = c.write_index;
        r.write_count = c.write_count;
        if (r.read_index <= r.write_index && r.write_index - r.read_index <= r.capacity &&
            r.read_index % layout::record_alignment == 0 &&
            r.write_index % layout::record_alignment == 0) {
            return true;
        }
    }
    // Still trailing (a writer that died between the two stores): report the ring empty.
    if (r.read_index > r.write_index &&
        r.read_index - r.write_index <= 2 * layout::record_size(r.max_message) &&
        r.write_index % layout::record_alignment == 0) {
        r.write_index = r.read_index;
        return true;
    }
    return false;
}

}  // namespace

result<ring_info> detail::decode_ring(detail::segment_copy& copy, const std::string& object) {
    if (auto ok = check_ready(copy, ipc::detail::ring_spec); !ok) {
        return ok.error_value();
    }
    const auto& c = copy.as<layout::ring_segment>().control;
    auto geometry = ipc::detail::validate_ring(c, copy.file_size());
    if (!geometry) {
        return geometry.error_value();
    }
    ring_info r;
    r.segment = printable(with_slash(object).substr(1));
    r.name = printable(strip_prefix(object, "libipc-ring-"));
    r.capacity = geometry->capacity;
    r.max_message = geometry->max_message;
    if (!read_indices(copy, r)) {
        return error{errc::corrupt, "ring indices are out of range"};
    }
    r.occupancy_bytes = r.write_index - r.read_index;
    // The two counts are stored apart from the indices, so they may disagree for a moment.
    r.occupancy_messages = r.write_count >= r.read_count ? r.write_count - r.read_count : 0;
    r.occupancy_hwm_bytes = std::min(c.occupancy_hwm, r.capacity);
    r.writer = read_end(c.writer, c.writer_sleeping);
    r.reader = read_end(c.reader, c.reader_sleeping);
    // Segments are named only once complete, with the creator's end taken: a ring no live end
    // holds is unused, whoever created it (its creator may have closed and gone on).
    r.stale = !r.writer.alive && !r.reader.alive;
    return r;
}

namespace {

result<bool> decode_into(detail::segment_copy& copy, const std::string& object, snapshot* sink) {
    return detail::keep_decoded(detail::decode_ring(copy, object), sink, &snapshot::rings,
                                [](const ring_info& r) { return r.stale; });
}

bool any_end_alive(const detail::segment_copy& copy) {
    if (copy.copied() < sizeof(layout::ring_segment)) {
        return false;
    }
    const auto& c = copy.as<layout::ring_segment>().control;
    return read_end(c.writer, 0).alive || read_end(c.reader, 0).alive;
}

void ring_channels(const snapshot& s, std::vector<channel_info>& out) {
    for (const auto& r : s.rings) {
        channel_info c = detail::channel_of(r.kind, r.name, r.segment, r.stale);
        if (r.kind == channel_kind::ring) {  // a ZIPC ring records no ends
            c.ends = {{endpoint_role::writer, r.writer}, {endpoint_role::reader, r.reader}};
        }
        c.one_way = true;
        c.used = r.occupancy_bytes;
        c.capacity = r.capacity;
        c.used_is_bytes = true;
        c.waiting = r.occupancy_messages;
        c.error = r.error;
        c.unreadable = r.unreadable;
        out.push_back(std::move(c));
    }
}

json ring_json(const ring_info& r) {
    return {{"kind", to_string(r.kind)},
            {"name", r.name},
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
            {"writer", detail::end_json(r.writer)},
            {"reader", detail::end_json(r.reader)},
            {"stale", r.stale},
            {"error", r.error},
            {"unreadable", r.unreadable}};
}

json rings_json(const snapshot& s) {
    json rings = json::array();
    for (const auto& r : s.rings) {
        rings.push_back(ring_json(r));
    }
    return rings;
}

void rings_from_json(const json& array, snapshot& s) {
    using detail::field;
    detail::for_each_object(array, [&](const json& j) {
        ring_info r;
        r.kind = detail::named(field<std::string>(j, "kind"), channel_kind::simpleipc,
                               channel_kind::unknown);
        r.name = field<std::string>(j, "name");
        r.segment = field<std::string>(j, "segment");
        r.capacity = field<std::uint64_t>(j, "capacity");
        r.max_message = field<std::uint32_t>(j, "max_message");
        r.write_index = field<std::uint64_t>(j, "write_index");
        r.read_index = field<std::uint64_t>(j, "read_index");
        r.write_count = field<std::uint64_t>(j, "write_count");
        r.read_count = field<std::uint64_t>(j, "read_count");
        r.occupancy_bytes = field<std::uint64_t>(j, "occupancy_bytes");
        r.occupancy_messages = field<std::uint64_t>(j, "occupancy_messages");
        r.occupancy_hwm_bytes = field<std::uint64_t>(j, "occupancy_hwm_bytes");
        r.writer = detail::end_from_json(detail::member(j, "writer"));
        r.reader = detail::end_from_json(detail::member(j, "reader"));
        r.stale = field<bool>(j, "stale");
        r.error = field<std::string>(j, "error");
        r.unreadable = field<bool>(j, "unreadable");
        s.rings.push_back(std::move(r));
    });
}

std::string ring_metrics(const snapshot& s) {
    family capacity("libipc_ring_capacity_bytes", "gauge", "Size of the ring's data area.");
    family used("libipc_ring_occupancy_bytes", "gauge", "Bytes written and not yet read.");
    family used_max("libipc_ring_occupancy_max_bytes", "gauge",
                    "Largest occupancy the reader measured.");
    family waiting("libipc_ring_occupancy_messages", "gauge", "Messages written, not yet read.");
    family written("libipc_ring_messages_written_total", "counter", "Messages ever published.");
    family read("libipc_ring_messages_read_total", "counter", "Messages ever consumed.");
    for (const auto& r : s.rings) {
        if (!r.error.empty()) {
            continue;  // nothing known about it; its endpoints' counters still are
        }
        // Two rings over memfds may share a channel name; their segments differ.
        const std::vector<label> l = {{"channel", r.name}, {"segment", r.segment}};
        capacity.add(l, r.capacity);
        used.add(l, r.occupancy_bytes);
        used_max.add(l, r.occupancy_hwm_bytes);
        waiting.add(l, r.occupancy_messages);
        written.add(l, r.write_count);
        read.add(l, r.read_count);
    }
    return detail::joined({&capacity, &used, &used_max, &waiting, &written, &read});
}

}  // namespace

result<ring_info> read_ring(const std::string& object, const std::string& dir) {
    auto copy = detail::segment_copy::open(dir, object, sizeof(layout::ring_segment));
    if (!copy) {
        return copy.error_value();
    }
    return detail::decode_ring(*copy, object);
}

const detail::kind_parts& detail::ring_parts() {
    static const kind_parts parts{layout::segment_kind::ring,
                                  segment_kind::ring,
                                  sizeof(layout::ring_segment),
                                  decode_into,
                                  any_end_alive,
                                  add_memfd_rings,
                                  ring_channels,
                                  "rings",
                                  rings_json,
                                  rings_from_json,
                                  ring_metrics};
    return parts;
}

}  // namespace ipc::inspect
