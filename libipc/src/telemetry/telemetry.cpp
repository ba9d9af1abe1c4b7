#include "ipc/telemetry.hpp"

#include "telemetry/telemetry_spec.hpp"

#include <sys/random.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <string>
#include <vector>

#include "core/stamp_clock.hpp"
#include "ipc/clock.hpp"
#include "ipc/process.hpp"
#include "ipc/shm.hpp"
#include "region/segment.hpp"

namespace ipc::telemetry {

using layout::endpoint_record;
using layout::endpoint_state;
using layout::telemetry_header;

namespace {

constexpr std::uint64_t endpoints_offset = sizeof(telemetry_header);
constexpr std::uint64_t segment_size =
    endpoints_offset + std::uint64_t{layout::telemetry_endpoint_capacity} * sizeof(endpoint_record);

void copy_string(char* dst, std::size_t size, std::string_view src) noexcept {
    const std::size_t n = std::min(size - 1, src.size());
    std::memcpy(dst, src.data(), n);
    std::memset(dst + n, 0, size - n);
}

}  // namespace

// This process's telemetry segment. Created on the first endpoint, never unmapped (so that an
// endpoint closed during static destruction still writes to valid memory), unlinked at exit.
class registry {
  public:
    static registry& instance() {
        static registry* r = new registry;  // intentionally leaked, see above
        return *r;
    }

    result<endpoint> claim(const endpoint_description& d) {
        std::lock_guard lock(mutex_);
        if (auto ok = ensure_segment(); !ok) {
            return ok.error_value();
        }
        endpoint_record* record = pick_record();
        if (record == nullptr) {
            return error{errc::table_full, "every telemetry record of this process is in use"};
        }
        // Observers read a record between two loads of state and generation and drop the copy
        // if either changed; moving to free first tells them the contents are in flux.
        detail::store(record->state, static_cast<std::uint32_t>(endpoint_state::free),
                      std::memory_order_relaxed);
        // Seqlock-style: the fence keeps the stores below from becoming visible before "free".
        std::atomic_thread_fence(std::memory_order_release);
        std::memset(&record->counters, 0, sizeof record->counters);
        std::memset(&record->connection_counters, 0, sizeof record->connection_counters);
        std::memset(record->latency_buckets, 0, sizeof record->latency_buckets);
        record->kind = static_cast<std::uint16_t>(d.kind);
        record->role = static_cast<std::uint16_t>(d.role);
        record->peer_pid = 0;
        copy_string(record->name, sizeof record->name, d.name);
        copy_string(record->region, sizeof record->region, d.region);
        detail::bump(record->generation, std::uint32_t{1});
        // Release: every field above happens-before an observer that acquires state == active.
        detail::store(record->state, static_cast<std::uint32_t>(endpoint_state::active),
                      std::memory_order_release);
        beat();
        return endpoint{record};
    }

    void release(endpoint_record* record) noexcept {
        std::lock_guard lock(mutex_);
        if (owner_pid_ != ::getpid()) {
            return;  // a record inherited across fork belongs to the parent's segment
        }
        detail::store(record->state, static_cast<std::uint32_t>(endpoint_state::closed),
                      std::memory_order_release);
        beat();
    }

    void beat() noexcept {
        if (header_ != nullptr && owner_pid_ == ::getpid()) {
            detail::store(header_->heartbeat_ns, monotonic_ns(), std::memory_order_relaxed);
        }
    }

    void remove_segment() noexcept { unlink_at_exit(); }

  private:
    result<void> ensure_segment() {
        const pid_t pid = ::getpid();
        if (owner_pid_ == pid && header_ != nullptr) {
            return {};
        }
        // First use, or first use in a forked child: make this process's own segment.
        owner_pid_ = pid;
        header_ = nullptr;
        records_ = nullptr;
        auto seg = create_named_segment(pid);
        if (!seg) {
            return seg.error_value();
        }
        // After fork, records inherited from the parent still point into the parent's mapping:
        // keep it mapped (retired, never unmapped) so those writes cannot fault.
        if (segment_.map.valid()) {
            retired_.push_back(std::move(segment_));
        }
        segment_ = std::move(*seg);
        header_ = reinterpret_cast<telemetry_header*>(segment_.map.data());
        records_ = reinterpret_cast<endpoint_record*>(segment_.map.data() + endpoints_offset);
        if (!unlink_registered_) {
            unlink_registered_ = true;
            std::atexit([] { instance().unlink_at_exit(); });
        }
        return {};
    }

    // "/libipc-tel-<pid>", reclaimed from a dead process that held our pid. When the name is
    // taken otherwise (another user may pre-create it to hide us or to pose as us), a name with
    // an unpredictable suffix: a process always gets its telemetry, and observers check that a
    // segment's owner is the user of the process it names.
    result<detail::named_segment> create_named_segment(pid_t pid) {
        const std::string predictable = segment_object_name(pid);
        object_ = predictable;
        auto seg = create_segment_as(object_, pid);
        if (seg.code() == errc::already_exists && reclaim_from_dead(object_)) {
            seg = create_segment_as(object_, pid);
        }
        for (int attempt = 0; attempt < 4 && seg.code() == errc::already_exists; ++attempt) {
            object_ = predictable + "-" + random_suffix();
            seg = create_segment_as(object_, pid);
        }
        return seg;
    }

    static result<detail::named_segment> create_segment_as(const std::string& object, pid_t pid) {
        return detail::create_segment(
            object, segment_size, shm::default_mode, detail::telemetry_spec,
            [pid](std::byte* base) {
                auto* h = reinterpret_cast<telemetry_header*>(base);
                h->heartbeat_ns = monotonic_ns();
                h->endpoint_capacity = layout::telemetry_endpoint_capacity;
                h->endpoint_size = sizeof(endpoint_record);
                h->endpoints_offset = endpoints_offset;
                copy_string(h->program, sizeof h->program, process_name(pid));
                const detail::stamp_clock& clock = detail::process_stamp_clock();
                h->clock = static_cast<std::uint32_t>(clock.kind());
                h->ticks_per_second = clock.rate().ticks_per_second;
            });
    }

    // Removes our own user's segment of a process that is gone (or that nobody finished).
    static bool reclaim_from_dead(const std::string& object) {
        return static_cast<bool>(detail::remove_by_header(object, [](const auto* h) {
            return h == nullptr || h->ready != layout::ready_value ||
                   !is_alive(h->creator_pid, h->creator_start_time);
        }));
    }

    static std::string random_suffix() {
        std::uint64_t r = 0;
        if (::getrandom(&r, sizeof r, 0) != static_cast<ssize_t>(sizeof r)) {
            r = monotonic_ns() ^ (static_cast<std::uint64_t>(::getpid()) << 32);
        }
        char text[17];
        std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(r));
        return text;
    }

    endpoint_record* pick_record() noexcept {
        endpoint_record* closed = nullptr;
        for (std::uint32_t i = 0; i < layout::telemetry_endpoint_capacity; ++i) {
            const auto state = detail::load(records_[i].state, std::memory_order_relaxed);
            if (state == static_cast<std::uint32_t>(endpoint_state::free)) {
                return &records_[i];
            }
            if (closed == nullptr && state == static_cast<std::uint32_t>(endpoint_state::closed)) {
                closed = &records_[i];
            }
        }
        return closed;
    }

    void unlink_at_exit() noexcept {
        std::lock_guard lock(mutex_);
        if (header_ != nullptr && owner_pid_ == ::getpid()) {
            (void)shm::unlink_if_same(object_, segment_.fd.get());
        }
    }

    std::mutex mutex_;
    pid_t owner_pid_ = 0;
    std::string object_;
    detail::named_segment segment_;
    std::vector<detail::named_segment> retired_;
    telemetry_header* header_ = nullptr;
    endpoint_record* records_ = nullptr;
    bool unlink_registered_ = false;
};

bool enabled_by_environment() noexcept {
    const char* value = std::getenv("IPC_TELEMETRY");
    if (value == nullptr) {
        return true;
    }
    const std::string_view v(value);
    return !(v == "0" || v == "off" || v == "false" || v == "no");
}

std::string segment_object_name(std::int32_t pid) {
    return shm::object_name("tel", std::to_string(pid));
}

result<endpoint> endpoint::open(const endpoint_description& description) noexcept {
    if (!enabled_by_environment()) {
        return endpoint{};
    }
    try {
        return registry::instance().claim(description);
    } catch (const std::bad_alloc&) {
        return error{errc::system, "out of memory opening telemetry", ENOMEM};
    }
}

void endpoint::close() noexcept {
    if (record_ != nullptr) {
        registry::instance().release(record_);
        record_ = nullptr;
    }
}

void heartbeat() noexcept {
    registry::instance().beat();
}

void remove_segment() noexcept {
    registry::instance().remove_segment();
}

}  // namespace ipc::telemetry
