// SimpleIPC guest (ipc/simpleipc.hpp): one worker per slot, as the spec's Go guests run one per
// slot. A worker polls its slot's state, then sleeps on the slot's request semaphore in 100 ms
// slices (simpleipc_wake.hpp); on REQ_READY (seq_cst load, which also acquires the request the
// host wrote before it) it answers, writes the response, its size and id, and publishes
// RESP_READY. Only the host frees a slot.

#include <fcntl.h>
#include <sys/stat.h>

#include <atomic>
#include <cerrno>
#include <memory>
#include <mutex>

#include "channel/simpleipc/simpleipc_segment.hpp"
#include "channel/simpleipc/simpleipc_wake.hpp"
#include "core/object_users.hpp"
#include "core/stamp_clock.hpp"
#include "core/worker_threads.hpp"
#include "ipc/clock.hpp"
#include "ipc/detail/atomic.hpp"
#include "ipc/shm.hpp"
#include "ipc/simpleipc.hpp"
#include "ipc/telemetry.hpp"
#include "sync/wait_loop.hpp"

namespace ipc {

namespace si = detail::simpleipc;

namespace detail {

// Each worker's on its own cache lines: they sit side by side and count on every request.
struct alignas(64) simpleipc_worker {
    std::uint32_t slot = 0;
    telemetry::endpoint counters;
    simpleipc_stats stats;  // written by this worker only (bump), read by stats() (load)
};

struct simpleipc_guest_state {
    std::string name;
    std::string object_path;  // where the host's object is named, to see it go
    si::segment seg;
    simpleipc_options options;
    const stamp_clock clock = process_stamp_clock();
    std::vector<simpleipc_worker> workers;
    std::atomic<bool> stop{false};

    // The host maps the object (so do other guests: see host_check). One look at /proc serves
    // every worker for a peer_check_interval.
    std::mutex watch_lock;
    mapper_watch host;
    std::uint64_t last_look_ns = 0;
    error last_verdict;

    result<void> serve_slot(simpleipc_worker& w, const slots_handler& handler);
    void respond(simpleipc_worker& w, const slots_handler& handler) noexcept;
    error host_check() noexcept;
    void wake_all() noexcept {
        for (auto& sem : seg.request_ready) {
            sem.post();
        }
    }
};

// The host is gone when it unlinked the object (a libipc host's close) or when no other process
// maps it any more. Other guests map it too, so a reference host that died while another
// guest still runs is not noticed: such a worker waits until stop().
error simpleipc_guest_state::host_check() noexcept {
    struct stat st {};
    if (::fstatat(AT_FDCWD, object_path.c_str(), &st, 0) != 0
            ? errno == ENOENT
            : st.st_dev != seg.device || st.st_ino != seg.inode) {
        return error{errc::peer_gone, "the SimpleIPC host removed its object"};
    }
    const std::lock_guard hold(watch_lock);
    const std::uint64_t now = monotonic_ns();
    if (last_look_ns == 0 ||
        now - last_look_ns >= static_cast<std::uint64_t>(options.peer_check_interval.count())) {
        last_look_ns = now;
        last_verdict = host.check();
    }
    return last_verdict;
}

void simpleipc_guest_state::respond(simpleipc_worker& w, const slots_handler& handler) noexcept {
    const std::uint32_t slot = w.slot;
    const std::uint32_t id = load(seg.field(slot, si::msg_id_offset), std::memory_order_relaxed);
    std::uint32_t answer_id = id;
    std::int32_t answer_size = 0;
    if (id == si::heartbeat_req) {
        answer_id = si::heartbeat_resp;
    } else if (const auto where = si::place(load(seg.field<std::int32_t>(slot, si::req_size_offset),
                                                 std::memory_order_relaxed),
                                            seg.shape.half);
               !where) {
        answer_id = simpleipc_guest::handler_failed_id;
        bump(w.stats.corrupt, std::uint64_t{1});
    } else {
        w.counters.on_received_at(where->length, clock.now());
        result<std::size_t> n = error{errc::handler_failed, "the handler threw"};
        try {
            n = handler({seg.request(slot) + where->offset, where->length},
                        {seg.response(slot), seg.shape.half});
        } catch (...) {  // answered as a failure: the host's call must not wait for nothing
        }
        if (n && *n <= seg.shape.half) {
            answer_size = static_cast<std::int32_t>(*n);
        } else {
            answer_id = simpleipc_guest::handler_failed_id;
        }
    }
    store(seg.field<std::int32_t>(slot, si::resp_size_offset), answer_size,
          std::memory_order_relaxed);
    store(seg.field(slot, si::msg_id_offset), answer_id, std::memory_order_relaxed);
    si::publish(seg.field(slot, si::state_offset), si::resp_ready,
                seg.field(slot, si::host_state_offset), seg.response_ready[slot]);
    if (answer_id == simpleipc_guest::handler_failed_id) {
        bump(w.stats.failed, std::uint64_t{1});
        w.counters.on_failed();
    } else {
        bump(w.stats.calls, std::uint64_t{1});
        w.counters.on_sent(static_cast<std::uint64_t>(answer_size), clock.now());
    }
}

result<void> simpleipc_guest_state::serve_slot(simpleipc_worker& w, const slots_handler& handler) {
    auto& state_word = seg.field(w.slot, si::state_offset);
    const auto ready = [&]() -> result<void> {
        if (stop.load(std::memory_order_relaxed)) {
            return error{errc::closed, "stopped"};
        }
        // seq_cst: the second half of the wake handshake; acquires the host's request too.
        return load(state_word, std::memory_order_seq_cst) == si::req_ready
                   ? result<void>{}
                   : error{errc::empty, "no request"};
    };
    for (;;) {
        auto r = wait_loop(options.strategy, deadline(forever),
                           static_cast<std::uint64_t>(options.peer_check_interval.count()),
                           errc::empty, ready,
                           si::semaphore_bell{&seg.field(w.slot, si::guest_state_offset),
                                              &seg.request_ready[w.slot]},
                           [&] { return host_check(); });
        if (!r) {
            return r.code() == errc::closed ? result<void>{} : r;
        }
        if (load(seg.field(w.slot, si::msg_id_offset), std::memory_order_relaxed) == si::shutdown) {
            return {};
        }
        respond(w, handler);
    }
}

}  // namespace detail

simpleipc_guest::simpleipc_guest() noexcept = default;
simpleipc_guest::simpleipc_guest(simpleipc_guest&&) noexcept = default;
simpleipc_guest& simpleipc_guest::operator=(simpleipc_guest&&) noexcept = default;
simpleipc_guest::~simpleipc_guest() {
    close();
}

result<simpleipc_guest> simpleipc_guest::open(const std::string& name,
                                              const simpleipc_options& options) {
    if (options.peer_check_interval <= std::chrono::nanoseconds(0)) {
        return error{errc::invalid_argument, "peer_check_interval must be positive"};
    }
    auto seg = si::open_segment(name, options.trusted_owners, options.host_timeout);
    if (!seg) {
        return seg.error_value();
    }
    auto s = std::make_unique<detail::simpleipc_guest_state>();
    s->name = name;
    s->object_path = shm::directory() + name;
    s->seg = std::move(*seg);
    s->options = options;
    s->host = detail::mapper_watch(s->seg.device, s->seg.inode, options.peer_check_interval);
    (void)s->host.check();  // the host that made the object maps it now
    s->workers = std::vector<detail::simpleipc_worker>(s->seg.shape.slots);
    for (std::uint32_t i = 0; i < s->seg.shape.slots; ++i) {
        auto& w = s->workers[i];
        w.slot = i;
        if (options.telemetry) {
            if (auto t = telemetry::endpoint::open(
                    {layout::channel_kind::simpleipc, layout::endpoint_role::guest,
                     options.telemetry_name.empty() ? name : options.telemetry_name, name})) {
                w.counters = std::move(*t);
            }
        }
    }
    simpleipc_guest g;
    g.state_ = std::move(s);
    return g;
}

result<void> simpleipc_guest::serve(const slots_handler& handler) {
    if (!state_) {
        return error{errc::closed, "the SimpleIPC guest is closed"};
    }
    auto& s = *state_;
    std::vector<result<void>> outcomes(s.workers.size());
    const auto work = [&](std::size_t k) {
        outcomes[k] = s.serve_slot(s.workers[k], handler);
        if (!outcomes[k]) {  // the host gone ends every worker; a SHUTDOWN only its own
            stop();
        }
    };
    if (!detail::run_workers(s.workers.size(), work, [this] { stop(); })) {
        return error{errc::system, "could not start the worker threads", EAGAIN};
    }
    for (const auto& r : outcomes) {
        if (!r) {
            return r;
        }
    }
    return {};
}

void simpleipc_guest::stop() noexcept {
    if (state_) {
        state_->stop.store(true, std::memory_order_relaxed);
        state_->wake_all();
    }
}

std::uint32_t simpleipc_guest::slot_count() const noexcept {
    return state_ ? state_->seg.shape.slots : 0;
}

std::uint32_t simpleipc_guest::request_capacity() const noexcept {
    return state_ ? state_->seg.shape.half : 0;
}

simpleipc_stats simpleipc_guest::stats() const noexcept {
    simpleipc_stats total;
    if (state_) {
        for (const auto& w : state_->workers) {
            total.calls += detail::load(w.stats.calls, std::memory_order_relaxed);
            total.failed += detail::load(w.stats.failed, std::memory_order_relaxed);
            total.corrupt += detail::load(w.stats.corrupt, std::memory_order_relaxed);
        }
    }
    return total;
}

void simpleipc_guest::close() noexcept {
    if (state_) {
        for (auto& w : state_->workers) {
            w.counters.close();
        }
        state_.reset();
    }
}

}  // namespace ipc
