// Discovery: every libipc object in the shm directory, copied and classified through the kinds'
// table (kinds.hpp); snapshots, stale removal, and rates and latencies between snapshots.

#include "ipc/inspect.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <time.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string_view>

#include "inspect/foreign.hpp"
#include "inspect/inspect_support.hpp"
#include "inspect/kinds.hpp"
#include "ipc/clock.hpp"
#include "ipc/histogram.hpp"
#include "ipc/process.hpp"
#include "ipc/shm.hpp"

namespace ipc::inspect {

using detail::with_slash;

namespace {

// Copies the kind's prefix of one object, reading its kind from the copy's header first.
result<detail::segment_copy> copy_segment(const std::string& dir, const std::string& object) {
    auto copy = detail::segment_copy::open(dir, object, sizeof(layout::segment_header));
    if (!copy) {
        return copy;
    }
    // The rest from the same open file: reopening the name could find another file. (The file
    // may still change between the two reads: every decoder checks what the copy holds.)
    const auto* parts = detail::kind_for(copy->as<layout::segment_header>().kind);
    if (parts != nullptr && parts->prefix > sizeof(layout::segment_header)) {
        if (auto ok = copy->extend(parts->prefix); !ok) {
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
    e.kind = segment_kind::unknown;
    auto copy = copy_segment(dir, name);
    if (!copy) {
        e.error = copy.error_value().message();
        e.stale = copy.code() == errc::not_ready;  // a leftover, see below
        return e;
    }
    e.size = copy->file_size();
    const auto& h = copy->as<layout::segment_header>();
    e.creator_pid = h.creator_pid;
    const auto* parts = detail::kind_for(h.kind);
    if (h.magic != layout::segment_magic) {
        e.error = "not a libipc segment (bad magic)";
    } else if (parts == nullptr) {
        e.error = "unknown segment kind";
    } else {
        e.kind = parts->kind;
        if (auto stale = parts->decode(*copy, name, sink)) {
            e.stale = *stale;
        } else {
            e.error = stale.error_value().message();
        }
    }
    if (!e.error.empty()) {
        // A broken segment is removable when nobody ever finished it (libipc names a segment
        // only once it is complete, so it is the leftover of a creator that crashed, or of an
        // older libipc), or when its creator is known and dead and none of its ends is alive
        // (a ring that a successor took over may fail to decode for a moment while in use).
        const bool unfinished = h.ready != layout::ready_value;
        const bool creator_dead =
            e.creator_pid > 0 && !is_alive(e.creator_pid, h.creator_start_time);
        e.stale =
            unfinished || (creator_dead && (parts == nullptr || !parts->any_end_alive(*copy)));
    }
    return e;
}

// Another program's object, when it matches one of the formats inspect knows exactly; nullopt
// for anything else (most of the shm directory: those are not ours to list).
std::optional<segment_entry> examine_foreign(const std::string& dir, const std::string& name,
                                             snapshot* sink) {
    auto copy = detail::segment_copy::open(dir, name, detail::foreign_prefix);
    if (!copy || copy->copied() < detail::foreign_prefix) {
        return std::nullopt;  // not readable by this user, or too small for any format
    }
    for (const auto* format : detail::foreign_formats()) {
        if (auto decoded = format->recognise(*copy, name, sink)) {
            segment_entry e;
            e.name = printable(name);
            e.raw_name = name;
            e.kind = format->kind;
            e.size = copy->file_size();
            // Never stale (removable): not libipc's object. Its channel says whether anybody
            // maps it (health stale).
            if (!*decoded) {
                e.error = decoded->error_value().message();
            }
            return e;
        }
    }
    return std::nullopt;
}

// POSIX named semaphores share the directory ("sem.<name>"): never segments.
bool foreign_candidate(std::string_view name) {
    return !name.starts_with(shm::segment_prefix) && !name.starts_with("sem.") && name != "." &&
           name != "..";
}

std::vector<segment_entry> scan(const std::string& dir, snapshot* sink) {
    std::vector<std::string> names;
    std::vector<std::string> others;
    if (std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), ::closedir); d) {
        while (const dirent* ent = ::readdir(d.get())) {
            if (std::string_view(ent->d_name).starts_with(shm::segment_prefix)) {
                names.emplace_back(ent->d_name);
            } else if (foreign_candidate(ent->d_name)) {
                others.emplace_back(ent->d_name);
            }
        }
    }
    std::sort(names.begin(), names.end());
    std::sort(others.begin(), others.end());
    std::vector<segment_entry> found;
    for (const auto& name : names) {
        found.push_back(examine(dir, name, sink));
    }
    for (const auto& name : others) {
        if (auto e = examine_foreign(dir, name, sink)) {
            found.push_back(std::move(*e));
        }
    }
    return found;
}

}  // namespace

const std::string& default_shm_dir() {
    return shm::directory();
}

std::vector<segment_entry> discover(const std::string& dir) {
    return scan(dir, nullptr);
}

snapshot take_snapshot(const std::string& dir, bool ask_control_sockets) {
    snapshot s;
    s.taken_ns = monotonic_ns();
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    s.taken_realtime_ns = static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u +
                          static_cast<std::uint64_t>(ts.tv_nsec);
    s.segments = scan(dir, &s);
    for (const auto* k : detail::kinds()) {
        if (k->complete != nullptr) {
            k->complete(s);
        }
    }
    for (const auto* k : detail::kinds()) {
        if (k->channels != nullptr) {
            k->channels(s, s.channels);
        }
    }
    detail::add_family_channels(s);
    if (ask_control_sockets) {
        query_control_sockets(s);
    }
    judge_health(s, nullptr);
    return s;
}

namespace {

// Removes the stale segments among `candidates` (a scan's entries). Broken segments that are not
// removable are returned too, with why they were kept: nothing is left behind silently.
std::vector<segment_entry> remove_stale_among(const std::string& dir,
                                              std::vector<segment_entry> candidates) {
    std::vector<segment_entry> outcome;
    for (auto& seg : candidates) {
        if (is_foreign(seg.kind)) {
            continue;  // another program's object: never libipc's to remove, nor to report
        }
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

latency_summary interval_latency(const endpoint_info* before, const endpoint_info& after) {
    const bool same = before != nullptr && before->index == after.index &&
                      before->generation == after.generation &&
                      before->latency_buckets.size() == after.latency_buckets.size();
    std::vector<std::uint64_t> grown = after.latency_buckets;
    std::uint64_t max_ns = 0;
    for (std::size_t i = 0; i < grown.size(); ++i) {
        const std::uint64_t earlier = same ? before->latency_buckets[i] : 0;
        grown[i] = grown[i] > earlier ? grown[i] - earlier : 0;
        if (grown[i] != 0) {
            max_ns = std::min(histogram::upper_bound(i) - 1, after.latency.max_ns);
        }
    }
    const auto& now = after.counters;
    const std::uint64_t count = same && now.latency_count >= before->counters.latency_count
                                    ? now.latency_count - before->counters.latency_count
                                    : now.latency_count;
    const std::uint64_t sum_ns = same && now.latency_sum_ns >= before->counters.latency_sum_ns
                                     ? now.latency_sum_ns - before->counters.latency_sum_ns
                                     : now.latency_sum_ns;
    return detail::summarise(grown, count, sum_ns, max_ns);
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
