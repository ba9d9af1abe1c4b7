// The slots segment kind: geometry, host, and every slot's state and counters, decoded and
// exported (JSON, Prometheus); the host's per-slot counters are folded into its endpoint.

#include <algorithm>
#include <cstring>

#include "channel/slots/slots_segment.hpp"
#include "inspect/export_parts.hpp"
#include "inspect/inspect_support.hpp"
#include "inspect/json_fields.hpp"
#include "inspect/kinds.hpp"
#include "ipc/detail/atomic.hpp"
#include "ipc/histogram.hpp"
#include "ipc/process.hpp"

namespace ipc::inspect::detail {

using ipc::detail::load;
using std::memory_order_acquire;
using std::memory_order_relaxed;

namespace {

// The state an observer sees, from the ids in the slot: a call is pending while the request id
// differs from the answered one; the worker marks the id it took.
slot_state state_of(const ipc::detail::slots_view& v, std::uint32_t i, const slot_counters& c) {
    const auto requested = load(v.request(i).request_id, memory_order_acquire);
    const auto answered = load(v.response(i).response_id, memory_order_acquire);
    if (requested != answered) {
        return load(v.serving(i).taken_id, memory_order_relaxed) == requested
                   ? slot_state::serving
                   : slot_state::request_ready;
    }
    return c.in_flight != 0 ? slot_state::response_ready : slot_state::free;
}

slot_counters copy_counters(const layout::slot_stats& s, const stamp_reader& stamps) {
    slot_counters c;
    c.calls = load(s.calls, memory_order_relaxed);
    c.completed = load(s.completed, memory_order_relaxed);
    c.timeouts = load(s.timeouts, memory_order_relaxed);
    c.failed = load(s.failed, memory_order_relaxed);
    c.late_responses = load(s.late_responses, memory_order_relaxed);
    c.bytes_out = load(s.bytes_out, memory_order_relaxed);
    c.bytes_in = load(s.bytes_in, memory_order_relaxed);
    c.in_flight = load(s.in_flight, memory_order_relaxed);
    c.last_activity_ns = stamps.monotonic_ns(load(s.last_activity, memory_order_relaxed));
    c.latency_sum_ns = load(s.latency_sum_ns, memory_order_relaxed);
    return c;
}

slot_info read_slot(const ipc::detail::slots_view& v, std::uint32_t i, const stamp_reader& stamps) {
    const auto& control = v.slot_control(i);
    const auto& stats = v.stats(i);
    slot_info info;
    info.index = i;
    info.counters = copy_counters(stats, stamps);
    info.state = state_of(v, i, info.counters);
    info.request_id = load(v.request(i).request_id, memory_order_relaxed);
    info.request_length = load(v.request(i).request_length, memory_order_relaxed);
    // Until its late answer comes; the host clears the id only when it next claims the slot.
    const auto abandoned = load(stats.abandoned_id, memory_order_relaxed);
    info.abandoned =
        abandoned != 0 && load(v.response(i).response_id, memory_order_acquire) != abandoned;
    std::uint32_t bell_slot = load(control.guest_bell_slot, memory_order_relaxed);
    bell_slot = bell_slot < v.count() ? bell_slot : i;
    info.guest = read_end(
        control.guest, load(v.slot_control(bell_slot).guest_bell.sleeping, memory_order_relaxed));
    info.host_sleeping = load(control.host_bell.sleeping, memory_order_relaxed) != 0;
    info.latency_buckets.resize(histogram::bucket_count);
    for (std::size_t b = 0; b < histogram::bucket_count; ++b) {
        info.latency_buckets[b] = load(stats.latency_buckets[b], memory_order_relaxed);
    }
    info.latency =
        summarise(info.latency_buckets, load(stats.latency_count, memory_order_relaxed),
                  info.counters.latency_sum_ns, load(stats.latency_max_ns, memory_order_relaxed));
    return info;
}

void add_slot(endpoint_info& host, const slot_info& slot) {
    using histogram::saturating_add;
    auto& c = host.counters;
    c.sent = saturating_add(c.sent, slot.counters.calls);
    c.received = saturating_add(c.received, slot.counters.completed);
    c.dropped = saturating_add(c.dropped, slot.counters.timeouts);
    c.failed = saturating_add(c.failed, slot.counters.failed);
    c.bytes_out = saturating_add(c.bytes_out, slot.counters.bytes_out);
    c.bytes_in = saturating_add(c.bytes_in, slot.counters.bytes_in);
    c.queue_depth = saturating_add(c.queue_depth, slot.counters.in_flight);
    host.last_activity_ns = std::max(host.last_activity_ns, slot.counters.last_activity_ns);
    c.latency_count = saturating_add(c.latency_count, slot.latency.count);
    c.latency_sum_ns = saturating_add(c.latency_sum_ns, slot.counters.latency_sum_ns);
    c.latency_max_ns = std::max(c.latency_max_ns, slot.latency.max_ns);
    for (std::size_t b = 0; b < histogram::bucket_count; ++b) {
        host.latency_buckets[b] = saturating_add(host.latency_buckets[b], slot.latency_buckets[b]);
    }
}

void fold(endpoint_info& host, const slots_info& slots) {
    host.counters = {};
    host.last_activity_ns = 0;
    host.latency_buckets.assign(histogram::bucket_count, 0);
    host.counters.dropped = slots.calls_refused;
    for (const auto& slot : slots.slots) {
        add_slot(host, slot);
    }
    host.counters.queue_depth_hwm = host.counters.queue_depth;
    host.latency = summarise(host.latency_buckets, host.counters.latency_count,
                             host.counters.latency_sum_ns, host.counters.latency_max_ns);
    host.error = implausible(host.latency);
}

}  // namespace

namespace {

// The parts of each slot an observer reads (its lines, not its data areas, which may be 64 MiB
// each), copied into a compact segment of the same slot count whose areas are one line each: a
// slots_view over the copy then reads them at the usual offsets.
result<aligned_bytes> copy_slot_lines(const segment_copy& copy, const layout::slots_geometry& g,
                                      const layout::slots_geometry& compact) {
    aligned_bytes lines(compact.total_size());
    std::memcpy(lines.data(), copy.data(), sizeof(layout::slots_segment));
    const auto part = [&](std::uint32_t i, std::uint64_t from, std::uint64_t to, std::size_t n) {
        return copy.read(g.slots_offset() + i * g.slot_stride() + from,
                         lines.data() + compact.slots_offset() + i * compact.slot_stride() + to, n);
    };
    for (std::uint32_t i = 0; i < g.slot_count; ++i) {
        if (!part(i, 0, 0, sizeof(layout::slot_request)) ||
            !part(i, g.response_offset(), compact.response_offset(),
                  sizeof(layout::slot_response)) ||
            !part(i, g.serving_offset(), compact.serving_offset(), sizeof(layout::slot_serving)) ||
            !part(i, g.control_offset(), compact.control_offset(), sizeof(layout::slot_control))) {
            return error{errc::corrupt, "the slots segment shrank while being read"};
        }
    }
    if (auto ok = copy.read(g.stats_offset(), lines.data() + compact.stats_offset(),
                            g.slot_count * sizeof(layout::slot_stats));
        !ok) {
        return ok.error_value();
    }
    return lines;
}

}  // namespace

result<slots_info> decode_slots(segment_copy& copy, const std::string& object) {
    if (auto ok = check_ready(copy, ipc::detail::slots_spec); !ok) {
        return ok.error_value();
    }
    const auto& seg = copy.as<layout::slots_segment>();
    auto g = ipc::detail::validate_slots(seg.control, copy.file_size());
    if (!g) {
        return g.error_value();
    }
    const layout::slots_geometry compact{g->slot_count, 1, 1};
    auto lines = copy_slot_lines(copy, *g, compact);
    if (!lines) {
        return lines.error_value();
    }
    const ipc::detail::slots_view v(lines->data(), compact);
    slots_info s;
    s.segment = printable(with_slash(object).substr(1));
    s.name = printable(strip_prefix(object, "libipc-slots-"));
    s.slot_count = g->slot_count;
    s.request_capacity = g->request_capacity;
    s.response_capacity = g->response_capacity;
    s.host = read_end(seg.control.host, 0);
    s.shutdown = seg.control.shutdown != 0;
    s.host_epoch = seg.control.host_epoch;
    s.calls_refused = seg.control.calls_refused;
    bool any_guest_alive = false;
    const stamp_reader stamps(seg.control.host_ticks_per_second);
    for (std::uint32_t i = 0; i < g->slot_count; ++i) {
        s.slots.push_back(read_slot(v, i, stamps));
        any_guest_alive = any_guest_alive || s.slots.back().guest.alive;
    }
    s.stale = !s.host.alive && !any_guest_alive;  // as for rings: whoever created it
    return s;
}

void fold_slot_counters(snapshot& s) {
    for (auto& p : s.processes) {
        for (auto& e : p.endpoints) {
            if (e.kind != channel_kind::slots || e.role != endpoint_role::host) {
                continue;
            }
            for (const auto& slots : s.slots) {
                if (slots.segment == e.segment && slots.host.pid == p.pid) {
                    fold(e, slots);
                }
            }
        }
    }
}

}  // namespace ipc::inspect::detail

namespace ipc::inspect {

namespace {

using detail::family;
using detail::label;
using nlohmann::json;

result<bool> decode_into(detail::segment_copy& copy, const std::string& object, snapshot* sink) {
    return detail::keep_decoded(detail::decode_slots(copy, object), sink, &snapshot::slots,
                                [](const slots_info& g) { return g.stale; });
}

// A guest process serves any number of slots: it is one end of the channel.
void add_guest(channel_info& c, const end_info& guest) {
    const bool known = std::any_of(c.ends.begin() + 1, c.ends.end(),
                                   [&](const channel_end& e) { return e.end.pid == guest.pid; });
    if (guest.pid != 0 && !known) {
        c.ends.push_back({endpoint_role::guest, guest});
    }
}

void slots_channels(const snapshot& s, std::vector<channel_info>& out) {
    for (const auto& g : s.slots) {
        channel_info c = detail::channel_of(g.kind, g.name, g.segment, g.stale);
        const bool records_ends = g.kind == channel_kind::slots;  // SimpleIPC records none
        if (records_ends) {
            c.ends = {{endpoint_role::host, g.host}};
        }
        c.capacity = g.slot_count;
        for (const auto& slot : g.slots) {
            if (records_ends) {
                add_guest(c, slot.guest);
            }
            c.used += slot.state != slot_state::free ? 1 : 0;
            c.waiting +=
                slot.state == slot_state::request_ready || slot.state == slot_state::serving;
        }
        out.push_back(std::move(c));
    }
}

bool host_alive(const detail::segment_copy& copy) {
    return copy.copied() >= sizeof(layout::slots_segment) &&
           detail::read_end(copy.as<layout::slots_segment>().control.host, 0).alive;
}

json slot_json(const slot_info& s) {
    const auto& c = s.counters;
    return {
        {"index", s.index},
        {"state", to_string(s.state)},
        {"request_id", s.request_id},
        {"request_length", s.request_length},
        {"message_id", s.message_id},
        {"abandoned", s.abandoned},
        {"guest", detail::end_json(s.guest)},
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
        {"latency", detail::latency_json(s.latency, s.latency_buckets, s.counters.latency_sum_ns)}};
}

json slots_json(const slots_info& s) {
    json slots = json::array();
    for (const auto& slot : s.slots) {
        slots.push_back(slot_json(slot));
    }
    return {{"kind", to_string(s.kind)},
            {"name", s.name},
            {"segment", s.segment},
            {"slot_count", s.slot_count},
            {"request_capacity", s.request_capacity},
            {"response_capacity", s.response_capacity},
            {"host", detail::end_json(s.host)},
            {"shutdown", s.shutdown},
            {"host_epoch", s.host_epoch},
            {"calls_refused", s.calls_refused},
            {"slots", slots},
            {"stale", s.stale}};
}

json all_slots_json(const snapshot& s) {
    json all = json::array();
    for (const auto& group : s.slots) {
        all.push_back(slots_json(group));
    }
    return all;
}

slot_info slot_from_json(const json& j) {
    using detail::field;
    slot_info s;
    s.index = field<std::uint32_t>(j, "index");
    s.state =
        detail::named(field<std::string>(j, "state"), slot_state::response_ready, slot_state::free);
    s.request_id = field<std::uint64_t>(j, "request_id");
    s.request_length = field<std::uint32_t>(j, "request_length");
    s.message_id = field<std::uint32_t>(j, "message_id");
    s.abandoned = field<bool>(j, "abandoned");
    s.guest = detail::end_from_json(detail::member(j, "guest"));
    s.host_sleeping = field<bool>(j, "host_sleeping");
    const auto& c = detail::member(j, "counters");
    s.counters.calls = field<std::uint64_t>(c, "calls");
    s.counters.completed = field<std::uint64_t>(c, "completed");
    s.counters.timeouts = field<std::uint64_t>(c, "timeouts");
    s.counters.failed = field<std::uint64_t>(c, "failed");
    s.counters.late_responses = field<std::uint64_t>(c, "late_responses");
    s.counters.bytes_out = field<std::uint64_t>(c, "bytes_out");
    s.counters.bytes_in = field<std::uint64_t>(c, "bytes_in");
    s.counters.in_flight = field<std::uint64_t>(c, "in_flight");
    s.counters.last_activity_ns = field<std::uint64_t>(c, "last_activity_ns");
    s.latency = detail::latency_from_json(detail::member(j, "latency"), s.latency_buckets);
    s.counters.latency_sum_ns =
        detail::latency_sum_from_json(detail::member(j, "latency"), s.latency);
    return s;
}

void all_slots_from_json(const json& array, snapshot& out) {
    using detail::field;
    detail::for_each_object(array, [&](const json& j) {
        slots_info s;
        s.kind = detail::named(field<std::string>(j, "kind"), channel_kind::simpleipc,
                               channel_kind::unknown);
        s.name = field<std::string>(j, "name");
        s.segment = field<std::string>(j, "segment");
        s.slot_count = field<std::uint32_t>(j, "slot_count");
        s.request_capacity = field<std::uint32_t>(j, "request_capacity");
        s.response_capacity = field<std::uint32_t>(j, "response_capacity");
        s.host = detail::end_from_json(detail::member(j, "host"));
        s.shutdown = field<bool>(j, "shutdown");
        s.host_epoch = field<std::uint32_t>(j, "host_epoch");
        s.calls_refused = field<std::uint64_t>(j, "calls_refused");
        detail::for_each_object(detail::list(j, "slots"),
                                [&](const json& slot) { s.slots.push_back(slot_from_json(slot)); });
        s.stale = field<bool>(j, "stale");
        out.slots.push_back(std::move(s));
    });
}

std::string slots_metrics(const snapshot& s) {
    family refused("libipc_slots_calls_refused_total", "counter",
                   "Calls refused before they held a slot.");
    family calls("libipc_slot_calls_total", "counter", "Calls posted on the slot.");
    family completed("libipc_slot_calls_completed_total", "counter", "Responses handed over.");
    family timeouts("libipc_slot_calls_timed_out_total", "counter", "Calls that gave up.");
    family failed("libipc_slot_calls_failed_total", "counter", "Calls that failed otherwise.");
    family late("libipc_slot_late_responses_total", "counter",
                "Responses that came after their call gave up, discarded.");
    family state("libipc_slot_state", "gauge", "1 for the slot's current state.");
    for (const auto& group : s.slots) {
        refused.add({{"channel", group.name}}, group.calls_refused);
        for (const auto& slot : group.slots) {
            const std::vector<label> l = {{"channel", group.name},
                                          {"slot", std::to_string(slot.index)}};
            calls.add(l, slot.counters.calls);
            completed.add(l, slot.counters.completed);
            timeouts.add(l, slot.counters.timeouts);
            failed.add(l, slot.counters.failed);
            late.add(l, slot.counters.late_responses);
            for (const auto each : {slot_state::free, slot_state::request_ready,
                                    slot_state::serving, slot_state::response_ready}) {
                auto with_state = l;
                with_state.push_back({"state", std::string(to_string(each))});
                state.add(with_state, slot.state == each ? 1 : 0);
            }
        }
    }
    return detail::joined({&refused, &calls, &completed, &timeouts, &failed, &late, &state});
}

}  // namespace

result<slots_info> read_slots(const std::string& object, const std::string& dir) {
    auto copy = detail::segment_copy::open(dir, object, sizeof(layout::slots_segment));
    if (!copy) {
        return copy.error_value();
    }
    return detail::decode_slots(*copy, object);
}

const detail::kind_parts& detail::slots_parts() {
    static const kind_parts parts{layout::segment_kind::slots,
                                  segment_kind::slots,
                                  sizeof(layout::slots_segment),
                                  decode_into,
                                  host_alive,
                                  fold_slot_counters,
                                  slots_channels,
                                  "slots",
                                  all_slots_json,
                                  all_slots_from_json,
                                  slots_metrics};
    return parts;
}

}  // namespace ipc::inspect
