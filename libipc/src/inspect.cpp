#include "ipc/inspect.hpp"

#include <dirent.h>
#include <time.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string_view>

#include "end_holder.hpp"
#include "inspect_support.hpp"
#include "ipc/clock.hpp"
#include "ipc/detail/atomic.hpp"
#include "ipc/detail/spsc_ring.hpp"
#include "ipc/process.hpp"
#include "ipc/shm.hpp"
#include "segment.hpp"

namespace ipc::inspect {

using detail::check_ready;
using detail::map_read_only;
using detail::read_end;
using detail::strip_prefix;
using detail::with_slash;
using ipc::detail::load;
using std::memory_order_acquire;
using std::memory_order_relaxed;

namespace {

// How many times a record that changes under us is re-read before it is skipped for now.
constexpr int record_read_attempts = 3;

// A fixed-size char field as a string, stopping at the first NUL or the field's end.
template <std::size_t N>
std::string field_string(const char (&field)[N]) {
    std::string s(field, ::strnlen(field, N));
    for (char& c : s) {
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) {
            c = '?';  // the owner is untrusted: keep output printable
        }
    }
    return s;
}

const char* kind_name(std::uint16_t kind) {
    switch (static_cast<layout::channel_kind>(kind)) {
        case layout::channel_kind::ring:
            return "ring";
        case layout::channel_kind::slots:
            return "slots";
        case layout::channel_kind::duplex:
            return "duplex";
        case layout::channel_kind::broker:
            return "broker";
        case layout::channel_kind::stream:
            return "stream";
    }
    return "unknown";
}

const char* role_name(std::uint16_t role) {
    switch (static_cast<layout::endpoint_role>(role)) {
        case layout::endpoint_role::writer:
            return "writer";
        case layout::endpoint_role::reader:
            return "reader";
        case layout::endpoint_role::host:
            return "host";
        case layout::endpoint_role::guest:
            return "guest";
        case layout::endpoint_role::server:
            return "server";
        case layout::endpoint_role::client:
            return "client";
    }
    return "unknown";
}

layout::endpoint_counters copy_counters(const layout::endpoint_counters& c) {
    layout::endpoint_counters out{};
    out.sent = load(c.sent, memory_order_relaxed);
    out.received = load(c.received, memory_order_relaxed);
    out.dropped = load(c.dropped, memory_order_relaxed);
    out.failed = load(c.failed, memory_order_relaxed);
    out.bytes_out = load(c.bytes_out, memory_order_relaxed);
    out.bytes_in = load(c.bytes_in, memory_order_relaxed);
    out.queue_depth = load(c.queue_depth, memory_order_relaxed);
    out.queue_depth_hwm = load(c.queue_depth_hwm, memory_order_relaxed);
    out.last_activity_ns = load(c.last_activity_ns, memory_order_relaxed);
    out.latency_count = load(c.latency_count, memory_order_relaxed);
    out.latency_sum_ns = load(c.latency_sum_ns, memory_order_relaxed);
    out.latency_max_ns = load(c.latency_max_ns, memory_order_relaxed);
    return out;
}

// Copies one record if it is in use and did not change while being copied.
std::optional<endpoint_info> read_record(const layout::endpoint_record& r, std::uint32_t index) {
    for (int attempt = 0; attempt < record_read_attempts; ++attempt) {
        const std::uint32_t state = load(r.state, memory_order_acquire);
        const std::uint32_t generation = load(r.generation, memory_order_acquire);
        if (state != static_cast<std::uint32_t>(layout::endpoint_state::active) &&
            state != static_cast<std::uint32_t>(layout::endpoint_state::closed)) {
            return std::nullopt;
        }
        endpoint_info e;
        e.index = index;
        e.generation = generation;
        e.state = state == static_cast<std::uint32_t>(layout::endpoint_state::active) ? "active"
                                                                                      : "closed";
        e.kind = kind_name(load(r.kind, memory_order_relaxed));
        e.role = role_name(load(r.role, memory_order_relaxed));
        e.peer_pid = load(r.peer_pid, memory_order_relaxed);
        e.name = field_string(r.name);
        e.region = field_string(r.region);
        e.counters = copy_counters(r.counters);
        e.latency_buckets.resize(histogram::bucket_count);
        for (std::size_t i = 0; i < histogram::bucket_count; ++i) {
            e.latency_buckets[i] = load(r.latency_buckets[i], memory_order_relaxed);
        }
        std::atomic_thread_fence(memory_order_acquire);
        if (load(r.state, memory_order_relaxed) == state &&
            load(r.generation, memory_order_relaxed) == generation) {
            e.latency = detail::summarise(e.latency_buckets, e.counters.latency_count,
                                          e.counters.latency_sum_ns, e.counters.latency_max_ns);
            return e;
        }
    }
    return std::nullopt;
}

// Loads both indices; they are consistent unless the observer was preempted between the two
// loads long enough for the writer to run a whole capacity ahead, or caught the moment when
// write_index trails a record the reader already took (the writer stores the index after the
// record's commit word). Retry a few times before calling the ring corrupt.
bool read_indices(const layout::ring_control& c, ring_info& r) {
    for (int attempt = 0; attempt < record_read_attempts; ++attempt) {
        // Reader's index first: it never passes the writer's.
        r.read_index = load(c.read_index, memory_order_acquire);
        r.read_count = load(c.read_count, memory_order_relaxed);
        r.write_index = load(c.write_index, memory_order_acquire);
        r.write_count = load(c.write_count, memory_order_relaxed);
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

const ipc::detail::segment_spec telemetry_spec{layout::segment_kind::telemetry,
                                               layout::telemetry_layout_version,
                                               sizeof(layout::telemetry_header)};
const ipc::detail::segment_spec ring_spec{layout::segment_kind::ring, layout::ring_layout_version,
                                          sizeof(layout::ring_segment)};

result<process_info> decode_telemetry(const mapping& map, const std::string& object) {
    if (auto ok = check_ready(map, telemetry_spec); !ok) {
        return ok.error_value();
    }
    const auto& h = *reinterpret_cast<const layout::telemetry_header*>(map.data());
    const std::uint64_t capacity = load(h.endpoint_capacity, memory_order_relaxed);
    const std::uint64_t record_size = load(h.endpoint_size, memory_order_relaxed);
    const std::uint64_t offset = load(h.endpoints_offset, memory_order_relaxed);
    if (record_size != sizeof(layout::endpoint_record) || offset % 64 != 0 ||
        offset < sizeof(layout::telemetry_header) || offset > map.size() ||
        capacity > (map.size() - offset) / record_size) {
        return error{errc::corrupt, "telemetry table lies outside the segment"};
    }
    process_info p;
    p.segment = with_slash(object).substr(1);
    p.pid = load(h.header.creator_pid, memory_order_relaxed);
    p.start_time = load(h.header.creator_start_time, memory_order_relaxed);
    p.program = field_string(h.program);
    p.heartbeat_ns = load(h.heartbeat_ns, memory_order_relaxed);
    p.alive = is_alive(p.pid, p.start_time);
    const auto* records = reinterpret_cast<const layout::endpoint_record*>(map.data() + offset);
    for (std::uint32_t i = 0; i < capacity; ++i) {
        if (auto e = read_record(records[i], i)) {
            p.endpoints.push_back(std::move(*e));
        }
    }
    return p;
}

result<ring_info> decode_ring(const mapping& map, const std::string& object) {
    if (auto ok = check_ready(map, ring_spec); !ok) {
        return ok.error_value();
    }
    const auto& c = reinterpret_cast<const layout::ring_segment*>(map.data())->control;
    auto geometry = ipc::detail::validate_ring(c, map.size());
    if (!geometry) {
        return geometry.error_value();
    }
    ring_info r;
    r.segment = with_slash(object).substr(1);
    r.name = strip_prefix(object, "libipc-ring-");
    r.capacity = geometry->capacity;
    r.max_message = geometry->max_message;
    if (!read_indices(c, r)) {
        return error{errc::corrupt, "ring indices are out of range"};
    }
    r.occupancy_bytes = r.write_index - r.read_index;
    // The two counts are stored apart from the indices, so they may disagree for a moment.
    r.occupancy_messages = r.write_count >= r.read_count ? r.write_count - r.read_count : 0;
    r.occupancy_hwm_bytes = std::min(load(c.occupancy_hwm, memory_order_relaxed), r.capacity);
    r.writer = read_end(c.writer, load(c.writer_sleeping, memory_order_relaxed));
    r.reader = read_end(c.reader, load(c.reader_sleeping, memory_order_relaxed));
    const auto& header = reinterpret_cast<const layout::ring_segment*>(map.data())->header;
    const bool creator_alive = is_alive(load(header.creator_pid, memory_order_relaxed),
                                        load(header.creator_start_time, memory_order_relaxed));
    r.stale = !creator_alive && !r.writer.alive && !r.reader.alive;
    return r;
}

// Classifies and checks one object; decoded contents go to `sink` when it is not null.
segment_entry examine(const std::string& name, snapshot* sink) {
    segment_entry e;
    e.name = name;
    e.kind = "unknown";
    auto map = map_read_only(name);
    if (!map) {
        e.error = map.error_value().message();
        return e;
    }
    e.size = map->size();
    const auto& h = *reinterpret_cast<const layout::segment_header*>(map->data());
    e.creator_pid = load(h.creator_pid, memory_order_relaxed);
    const auto kind = load(h.kind, memory_order_relaxed);
    if (load(h.magic, memory_order_relaxed) != layout::segment_magic) {
        e.error = "not a libipc segment (bad magic)";
    } else if (kind == static_cast<std::uint16_t>(layout::segment_kind::telemetry)) {
        e.kind = "telemetry";
        if (auto p = decode_telemetry(*map, name)) {
            e.stale = !p->alive;
            if (sink != nullptr) {
                sink->processes.push_back(std::move(*p));
            }
        } else {
            e.error = p.error_value().message();
        }
    } else if (kind == static_cast<std::uint16_t>(layout::segment_kind::ring)) {
        e.kind = "ring";
        if (auto r = decode_ring(*map, name)) {
            e.stale = r->stale;
            if (sink != nullptr) {
                sink->rings.push_back(std::move(*r));
            }
        } else {
            e.error = r.error_value().message();
        }
    } else if (kind == static_cast<std::uint16_t>(layout::segment_kind::slots)) {
        e.kind = "slots";
        if (auto slots = detail::decode_slots(*map, name)) {
            e.stale = slots->stale;
            if (sink != nullptr) {
                sink->slots.push_back(std::move(*slots));
            }
        } else {
            e.error = slots.error_value().message();
        }
    } else {
        e.error = "unknown segment kind";
    }
    if (!e.error.empty()) {
        // Only a creator known to be dead makes a broken segment removable: pid 0 may be a
        // segment that is still being created.
        e.stale = e.creator_pid > 0 &&
                  !is_alive(e.creator_pid, load(h.creator_start_time, memory_order_relaxed));
    }
    return e;
}

std::vector<segment_entry> scan(const std::string& dir, snapshot* sink) {
    std::vector<std::string> names;
    if (std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), ::closedir); d) {
        while (const dirent* ent = ::readdir(d.get())) {
            if (std::string_view(ent->d_name).starts_with(shm::segment_prefix)) {
                names.emplace_back(ent->d_name);
            }
        }
    }
    std::sort(names.begin(), names.end());
    std::vector<segment_entry> found;
    for (const auto& name : names) {
        found.push_back(examine(name, sink));
    }
    return found;
}

}  // namespace

result<process_info> read_telemetry(const std::string& object) {
    auto map = map_read_only(object);
    if (!map) {
        return map.error_value();
    }
    return decode_telemetry(*map, object);
}

result<ring_info> read_ring(const std::string& object) {
    auto map = map_read_only(object);
    if (!map) {
        return map.error_value();
    }
    return decode_ring(*map, object);
}

result<slots_info> read_slots(const std::string& object) {
    auto map = map_read_only(object);
    if (!map) {
        return map.error_value();
    }
    return detail::decode_slots(*map, object);
}

std::vector<segment_entry> discover(const std::string& dir) {
    return scan(dir, nullptr);
}

snapshot take_snapshot(const std::string& dir) {
    snapshot s;
    s.taken_ns = monotonic_ns();
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    s.taken_realtime_ns = static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u +
                          static_cast<std::uint64_t>(ts.tv_nsec);
    s.segments = scan(dir, &s);
    detail::fold_slot_counters(s);
    return s;
}

namespace {

// Removes the stale segments among `candidates` (a scan's entries).
std::vector<segment_entry> remove_stale_among(std::vector<segment_entry> candidates) {
    std::vector<segment_entry> removed;
    for (auto& seg : candidates) {
        if (!seg.stale) {
            continue;
        }
        auto fd = shm::open(with_slash(seg.name), access::read_only);
        if (!fd) {
            if (fd.code() != errc::not_found) {  // not_found: somebody removed it already
                seg.error = fd.error_value().message();
                removed.push_back(std::move(seg));
            }
            continue;
        }
        // Checked again under the lock of unlink_if_same, on the same inode: a segment that came
        // back to life since the scan is kept.
        auto gone = shm::unlink_if_same(with_slash(seg.name), fd->get(),
                                        [&] { return examine(seg.name, nullptr).stale; });
        if (gone.code() == errc::not_found) {
            continue;
        }
        seg.error = gone ? std::string() : gone.error_value().message();
        removed.push_back(std::move(seg));
    }
    return removed;
}

}  // namespace

std::vector<segment_entry> remove_stale(const std::string& dir, const snapshot_filter& f) {
    snapshot found;
    found.segments = scan(dir, nullptr);
    return remove_stale_among(filtered(found, f).segments);
}

std::vector<segment_entry> remove_stale(const std::string& dir,
                                        const std::vector<std::string>& names) {
    auto candidates = scan(dir, nullptr);
    std::erase_if(candidates, [&](const segment_entry& seg) {
        return std::find(names.begin(), names.end(), seg.name) == names.end();
    });
    return remove_stale_among(std::move(candidates));
}

endpoint_rates rates(const endpoint_info& before, const endpoint_info& after,
                     std::uint64_t elapsed_ns) noexcept {
    endpoint_rates out;
    if (elapsed_ns == 0 || before.generation != after.generation || before.index != after.index) {
        return out;
    }
    const double seconds = static_cast<double>(elapsed_ns) / 1e9;
    const auto per_s = [seconds](std::uint64_t a, std::uint64_t b) {
        return b >= a ? static_cast<double>(b - a) / seconds : 0.0;
    };
    out.sent_per_s = per_s(before.counters.sent, after.counters.sent);
    out.received_per_s = per_s(before.counters.received, after.counters.received);
    out.dropped_per_s = per_s(before.counters.dropped, after.counters.dropped);
    out.bytes_out_per_s = per_s(before.counters.bytes_out, after.counters.bytes_out);
    out.bytes_in_per_s = per_s(before.counters.bytes_in, after.counters.bytes_in);
    return out;
}

const endpoint_info* find_endpoint(const snapshot& s, const process_info& owner,
                                   const endpoint_info& e) {
    for (const auto& p : s.processes) {
        if (p.pid != owner.pid || p.start_time != owner.start_time) {
            continue;
        }
        for (const auto& candidate : p.endpoints) {
            if (candidate.index == e.index && candidate.generation == e.generation) {
                return &candidate;
            }
        }
    }
    return nullptr;
}

}  // namespace ipc::inspect
