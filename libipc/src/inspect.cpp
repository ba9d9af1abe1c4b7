#include "ipc/inspect.hpp"

#include <dirent.h>
#include <sys/stat.h>
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
#include "ipc/layout/slots_layout.hpp"
#include "ipc/process.hpp"
#include "ipc/shm.hpp"
#include "segment.hpp"

namespace ipc::inspect {

using detail::check_ready;
using detail::read_end;
using detail::strip_prefix;
using detail::with_slash;

namespace {

// How many times a record that changes under us is re-read before it is skipped for now.
constexpr int record_read_attempts = 3;

// A fixed-size char field as a string, stopping at the first NUL or the field's end.
template <std::size_t N>
std::string field_string(const char (&field)[N]) {
    return printable(std::string_view(field, ::strnlen(field, N)));  // the owner is untrusted
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

endpoint_info decode_record(const layout::endpoint_record& r, std::uint32_t index) {
    endpoint_info e;
    e.index = index;
    e.generation = r.generation;
    e.state =
        r.state == static_cast<std::uint32_t>(layout::endpoint_state::active) ? "active" : "closed";
    e.kind = kind_name(r.kind);
    e.role = role_name(r.role);
    e.peer_pid = r.peer_pid;
    e.name = field_string(r.name);
    e.region = field_string(r.region);
    e.segment = detail::segment_of(e.region);
    e.counters = r.counters;
    e.latency_buckets.assign(std::begin(r.latency_buckets), std::end(r.latency_buckets));
    e.latency = detail::summarise(e.latency_buckets, e.counters.latency_count,
                                  e.counters.latency_sum_ns, e.counters.latency_max_ns);
    e.error = detail::implausible(e.latency);
    return e;
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
                                         std::uint32_t index) {
    static_assert(offsetof(layout::endpoint_record, generation) == sizeof(std::uint32_t));
    if (at + sizeof(layout::endpoint_record) > copy.copied() ||
        !in_use(copy.as<layout::endpoint_record>(at).state)) {
        return std::nullopt;
    }
    layout::endpoint_record r;
    for (int attempt = 0; attempt < record_read_attempts; ++attempt) {
        std::uint32_t before[2];
        std::uint32_t after[2];
        if (!copy.read(at, before, sizeof before) || !copy.read(at, &r, sizeof r) ||
            !copy.read(at, after, sizeof after) || !in_use(before[0])) {
            return std::nullopt;
        }
        if (before[0] == after[0] && before[1] == after[1] && r.state == before[0] &&
            r.generation == before[1]) {
            return decode_record(r, index);
        }
    }
    return std::nullopt;
}

// Both indices from one copy of the control block; they are consistent unless the copy caught
// the moment when write_index trails a record the reader already took (the writer stores the
// index after the record's commit word), or a writer a whole capacity ahead between the two
// words. Copy again a few times before calling the ring corrupt.
bool read_indices(detail::segment_copy& copy, ring_info& r) {
    for (int attempt = 0; attempt < record_read_attempts; ++attempt) {
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

const ipc::detail::segment_spec telemetry_spec{layout::segment_kind::telemetry,
                                               layout::telemetry_layout_version,
                                               sizeof(layout::telemetry_header)};
const ipc::detail::segment_spec ring_spec{layout::segment_kind::ring, layout::ring_layout_version,
                                          sizeof(layout::ring_segment)};

// The largest telemetry segment the layout allows; nothing past it is ever read.
constexpr std::uint64_t max_telemetry_size =
    sizeof(layout::telemetry_header) +
    std::uint64_t{layout::telemetry_endpoint_capacity} * sizeof(layout::endpoint_record);

// How many bytes of each kind an observer copies before decoding: the whole of a telemetry
// segment, the header and control block of the others (slots copies its slot lines apart).
std::uint64_t prefix_for(std::uint16_t kind) {
    switch (static_cast<layout::segment_kind>(kind)) {
        case layout::segment_kind::telemetry:
            return max_telemetry_size;
        case layout::segment_kind::ring:
            return sizeof(layout::ring_segment);
        case layout::segment_kind::slots:
            return sizeof(layout::slots_segment);
    }
    return sizeof(layout::segment_header);
}

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
    if (auto ok = check_ready(copy, telemetry_spec); !ok) {
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
    p.alive = is_alive(p.pid, p.start_time);
    struct stat st {};
    p.owner_uid = ::fstat(copy.fd(), &st) == 0 ? st.st_uid : 0;
    p.spoofed = spoofed(p, object);
    p.alive = p.alive && !p.spoofed;
    for (std::uint32_t i = 0; i < capacity; ++i) {
        const std::uint64_t at = h.endpoints_offset + i * sizeof(layout::endpoint_record);
        if (auto e = read_record(copy, at, i)) {
            p.endpoints.push_back(std::move(*e));
        }
    }
    return p;
}

}  // namespace

result<ring_info> detail::decode_ring(detail::segment_copy& copy, const std::string& object) {
    if (auto ok = check_ready(copy, ring_spec); !ok) {
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

// Whether an end recorded in a ring's or slots segment's control block is alive (what a copy
// that failed to decode still tells).
bool any_end_alive(const detail::segment_copy& copy, std::uint16_t kind) {
    if (kind == static_cast<std::uint16_t>(layout::segment_kind::ring) &&
        copy.copied() >= sizeof(layout::ring_segment)) {
        const auto& c = copy.as<layout::ring_segment>().control;
        return read_end(c.writer, 0).alive || read_end(c.reader, 0).alive;
    }
    if (kind == static_cast<std::uint16_t>(layout::segment_kind::slots) &&
        copy.copied() >= sizeof(layout::slots_segment)) {
        return read_end(copy.as<layout::slots_segment>().control.host, 0).alive;
    }
    return false;
}

// Copies the kind's prefix of one object, reading its kind from the copy's header first.
result<detail::segment_copy> copy_segment(const std::string& dir, const std::string& object) {
    auto copy = detail::segment_copy::open(dir, object, sizeof(layout::segment_header));
    if (!copy) {
        return copy;
    }
    // The rest from the same open file: reopening the name could find another file. (The file
    // may still change between the two reads: every decoder checks what the copy holds.)
    const std::uint64_t prefix = prefix_for(copy->as<layout::segment_header>().kind);
    if (prefix > sizeof(layout::segment_header)) {
        if (auto ok = copy->extend(prefix); !ok) {
            return ok.error_value();
        }
    }
    return copy;
}

// Classifies and checks one object; decoded contents go to `sink` when it is not null.
segment_entry examine(const std::string& dir, const std::string& name, snapshot* sink) {
    segment_entry e;
    e.name = printable(name);
    e.raw_name = name;
    e.kind = "unknown";
    auto copy = copy_segment(dir, name);
    if (!copy) {
        e.error = copy.error_value().message();
        e.stale = copy.code() == errc::not_ready;  // a leftover, see below
        return e;
    }
    e.size = copy->file_size();
    const auto& h = copy->as<layout::segment_header>();
    e.creator_pid = h.creator_pid;
    const auto kind = h.kind;
    if (h.magic != layout::segment_magic) {
        e.error = "not a libipc segment (bad magic)";
    } else if (kind == static_cast<std::uint16_t>(layout::segment_kind::telemetry)) {
        e.kind = "telemetry";
        if (auto p = decode_telemetry(*copy, name)) {
            e.stale = !p->alive && !p->spoofed;
            if (sink != nullptr) {
                sink->processes.push_back(std::move(*p));
            }
        } else {
            e.error = p.error_value().message();
        }
    } else if (kind == static_cast<std::uint16_t>(layout::segment_kind::ring)) {
        e.kind = "ring";
        if (auto r = detail::decode_ring(*copy, name)) {
            e.stale = r->stale;
            if (sink != nullptr) {
                sink->rings.push_back(std::move(*r));
            }
        } else {
            e.error = r.error_value().message();
        }
    } else if (kind == static_cast<std::uint16_t>(layout::segment_kind::slots)) {
        e.kind = "slots";
        if (auto slots = detail::decode_slots(*copy, name)) {
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
        // A broken segment is removable when nobody ever finished it (libipc names a segment
        // only once it is complete, so it is the leftover of a creator that crashed, or of an
        // older libipc), or when its creator is known and dead and none of its ends is alive
        // (a ring that a successor took over may fail to decode for a moment while in use).
        const bool unfinished = h.ready != layout::ready_value;
        const bool creator_dead =
            e.creator_pid > 0 && !is_alive(e.creator_pid, h.creator_start_time);
        e.stale = unfinished || (creator_dead && !any_end_alive(*copy, kind));
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
        found.push_back(examine(dir, name, sink));
    }
    return found;
}

}  // namespace

const std::string& default_shm_dir() {
    return shm::directory();
}

result<process_info> read_telemetry(const std::string& object, const std::string& dir) {
    auto copy = detail::segment_copy::open(dir, object, max_telemetry_size);
    if (!copy) {
        return copy.error_value();
    }
    return decode_telemetry(*copy, object);
}

result<ring_info> read_ring(const std::string& object, const std::string& dir) {
    auto copy = detail::segment_copy::open(dir, object, sizeof(layout::ring_segment));
    if (!copy) {
        return copy.error_value();
    }
    return detail::decode_ring(*copy, object);
}

result<slots_info> read_slots(const std::string& object, const std::string& dir) {
    auto copy = detail::segment_copy::open(dir, object, sizeof(layout::slots_segment));
    if (!copy) {
        return copy.error_value();
    }
    return detail::decode_slots(*copy, object);
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
    detail::add_memfd_rings(s);
    detail::fold_slot_counters(s);
    return s;
}

namespace {

// Removes the stale segments among `candidates` (a scan's entries). Broken segments that are not
// removable are returned too, with why they were kept: nothing is left behind silently.
std::vector<segment_entry> remove_stale_among(const std::string& dir,
                                              std::vector<segment_entry> candidates) {
    std::vector<segment_entry> outcome;
    for (auto& seg : candidates) {
        if (!seg.stale) {
            if (!seg.error.empty()) {
                seg.error = "kept, not known to be stale: " + seg.error;
                outcome.push_back(std::move(seg));
            }
            continue;
        }
        auto fd = shm::open(with_slash(seg.raw_name), access::read_only, dir);
        if (!fd) {
            if (fd.code() != errc::not_found) {  // not_found: somebody removed it already
                seg.error = fd.error_value().message();
                outcome.push_back(std::move(seg));
            }
            continue;
        }
        // Checked again under the object's removal lock, on the same inode: a segment that
        // came back to life since the scan is kept.
        auto gone = shm::unlink_if_same(
            with_slash(seg.raw_name), fd->get(),
            [&] { return examine(dir, seg.raw_name, nullptr).stale; }, dir);
        if (gone.code() == errc::not_found) {
            continue;
        }
        seg.error = gone ? std::string() : gone.error_value().message();
        outcome.push_back(std::move(seg));
    }
    return outcome;
}

}  // namespace

std::vector<segment_entry> remove_stale(const std::string& dir, const snapshot_filter& f) {
    snapshot found;
    found.segments = scan(dir, nullptr);
    return remove_stale_among(dir, filtered(found, f).segments);
}

std::vector<segment_entry> remove_stale(const std::string& dir,
                                        const std::vector<std::string>& names) {
    auto candidates = scan(dir, nullptr);
    std::erase_if(candidates, [&](const segment_entry& seg) {
        return std::find(names.begin(), names.end(), seg.name) == names.end();
    });
    return remove_stale_among(dir, std::move(candidates));
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
