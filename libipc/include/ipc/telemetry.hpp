#pragma once
// Built-in counters. Each endpoint owns one record in its process's telemetry segment and is
// its only writer: counting is a relaxed load and store to a cache line no other process
// writes, no locked instruction. Outside tools read the segment with ipc/inspect.hpp.
//
// On by default; IPC_TELEMETRY=0 (or off, false, no) in the environment turns it off for the
// process, and an endpoint's own options can turn it off for that endpoint.

#include <cstdint>
#include <string_view>
#include <utility>

#include "ipc/detail/atomic.hpp"
#include "ipc/error.hpp"
#include "ipc/histogram.hpp"
#include "ipc/layout/telemetry_layout.hpp"

namespace ipc::telemetry {

// False when the environment turned telemetry off for this process.
bool enabled_by_environment() noexcept;

// Object name of a process's telemetry segment: "/libipc-tel-<pid>". When another file held that
// name as the process started, its segment is "/libipc-tel-<pid>-<random suffix>" instead.
std::string segment_object_name(std::int32_t pid);

struct endpoint_description {
    layout::channel_kind kind;
    layout::endpoint_role role;
    std::string_view name;
    std::string_view region;
};

class registry;

// Handle to this process's record for one endpoint. An empty handle (telemetry off, or no
// record could be had) makes every call a no-op; the channel works the same without it.
class endpoint {
  public:
    endpoint() noexcept = default;
    endpoint(endpoint&& other) noexcept : record_(std::exchange(other.record_, nullptr)) {}
    endpoint& operator=(endpoint&& other) noexcept {
        if (this != &other) {
            close();
            record_ = std::exchange(other.record_, nullptr);
        }
        return *this;
    }
    endpoint(const endpoint&) = delete;
    endpoint& operator=(const endpoint&) = delete;
    ~endpoint() { close(); }

    // Claims a record. An empty handle when telemetry is off (by environment); table_full or a
    // system error when no record could be had (the channel then works without counters).
    static result<endpoint> open(const endpoint_description& description) noexcept;

    bool active() const noexcept { return record_ != nullptr; }
    // Marks the record closed; its counters stay readable until it is reused.
    void close() noexcept;

    // `now` is a stamp of this process's clock (see telemetry_header::clock).
    void on_sent(std::uint64_t bytes, std::uint64_t now) noexcept {
        if (record_ != nullptr) {
            auto& c = record_->counters;
            detail::bump(c.sent, std::uint64_t{1});
            detail::bump(c.bytes_out, bytes);
            detail::store(c.last_activity, now, std::memory_order_relaxed);
        }
    }
    void on_received(std::uint64_t bytes, std::uint64_t now, std::uint64_t latency_ns) noexcept {
        if (record_ != nullptr) {
            on_received(bytes);
            detail::store(record_->counters.last_activity, now, std::memory_order_relaxed);
            record_latency(latency_ns);
        }
    }
    // A message received and not timed, at `now` (efdstream carries no send stamp).
    void on_received_at(std::uint64_t bytes, std::uint64_t now) noexcept {
        if (record_ != nullptr) {
            on_received(bytes);
            detail::store(record_->counters.last_activity, now, std::memory_order_relaxed);
        }
    }
    // A message received but not timed (a reader in a backlog times one message in so many).
    void on_received(std::uint64_t bytes) noexcept {
        if (record_ != nullptr) {
            auto& c = record_->counters;
            detail::bump(c.received, std::uint64_t{1});
            detail::bump(c.bytes_in, bytes);
        }
    }
    // A sender that learns when its message was handled (efdstream's ack) times that round
    // trip: it is the endpoint's latency.
    void on_round_trip(std::uint64_t latency_ns) noexcept {
        if (record_ != nullptr) {
            record_latency(latency_ns);
        }
    }
    void on_dropped(std::uint64_t messages = 1) noexcept {
        if (record_ != nullptr) {
            detail::bump(record_->counters.dropped, messages);
        }
    }
    void on_failed() noexcept {
        if (record_ != nullptr) {
            detail::bump(record_->counters.failed, std::uint64_t{1});
        }
    }
    void set_queue_depth(std::uint64_t depth) noexcept {
        if (record_ != nullptr) {
            auto& c = record_->counters;
            detail::store(c.queue_depth, depth, std::memory_order_relaxed);
            if (depth > detail::load(c.queue_depth_hwm, std::memory_order_relaxed)) {
                detail::store(c.queue_depth_hwm, depth, std::memory_order_relaxed);
            }
        }
    }
    // A connection made (or accepted), and one closed.
    void on_connected(bool again) noexcept {
        if (record_ != nullptr) {
            auto& c = record_->connection_counters;
            detail::bump(c.connections, std::uint64_t{1});
            detail::bump(c.connections_total, std::uint64_t{1});
            if (again) {
                detail::bump(c.reconnects, std::uint64_t{1});
            }
        }
    }
    void on_disconnected() noexcept {
        if (record_ != nullptr) {
            auto& c = record_->connection_counters;
            const auto open = detail::load(c.connections, std::memory_order_relaxed);
            detail::store(c.connections, open > 0 ? open - 1 : 0, std::memory_order_relaxed);
        }
    }
    // A message about to be written again after a failed write.
    void on_retried() noexcept {
        if (record_ != nullptr) {
            detail::bump(record_->connection_counters.retried, std::uint64_t{1});
        }
    }
    void set_peer(std::int32_t pid) noexcept {
        if (record_ != nullptr) {
            detail::store(record_->peer_pid, pid, std::memory_order_relaxed);
        }
    }

  private:
    friend class registry;
    explicit endpoint(layout::endpoint_record* record) noexcept : record_(record) {}
    void record_latency(std::uint64_t latency_ns) noexcept {
        auto& c = record_->counters;
        detail::bump(record_->latency_buckets[histogram::bucket_of(latency_ns)], std::uint64_t{1});
        detail::bump(c.latency_count, std::uint64_t{1});
        detail::bump(c.latency_sum_ns, latency_ns);
        if (latency_ns > detail::load(c.latency_max_ns, std::memory_order_relaxed)) {
            detail::store(c.latency_max_ns, latency_ns, std::memory_order_relaxed);
        }
    }

    layout::endpoint_record* record_ = nullptr;
};

// Removes this process's telemetry segment now. It is removed at normal exit anyway; call this
// before leaving through _exit (a forked child) or exec, which skip atexit handlers.
void remove_segment() noexcept;

// Refreshes this process's heartbeat (cheap; called from wait loops and endpoint open/close).
void heartbeat() noexcept;

}  // namespace ipc::telemetry
