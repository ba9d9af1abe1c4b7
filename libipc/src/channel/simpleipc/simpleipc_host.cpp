// SimpleIPC host (ipc/simpleipc.hpp): claims a slot by CAS FREE -> BUSY, writes the request and
// publishes REQ_READY, waits for RESP_READY (polling, then on the slot's response semaphore in
// 100 ms slices), copies the response out and frees the slot. Calls from several threads each
// hold their own slot; the counters are shared, so they are updated under a mutex (a call costs
// microseconds; the lock, uncontended, tens of nanoseconds).

#include <atomic>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>

#include "channel/simpleipc/simpleipc_segment.hpp"
#include "channel/simpleipc/simpleipc_wake.hpp"
#include "core/object_users.hpp"
#include "core/stamp_clock.hpp"
#include "ipc/detail/atomic.hpp"
#include "ipc/shm.hpp"
#include "ipc/simpleipc.hpp"
#include "ipc/telemetry.hpp"
#include "sync/polling_bell.hpp"
#include "sync/wait_loop.hpp"

namespace ipc {

namespace si = detail::simpleipc;

namespace detail {

struct simpleipc_host_state {
    std::string name;
    si::segment seg;
    simpleipc_options options;
    // Per slot: a call gave up on it; its answer, when it comes, is discarded (late).
    std::unique_ptr<std::atomic<bool>[]> abandoned;
    std::atomic<std::uint32_t> next_slot{0};
    const stamp_clock clock = process_stamp_clock();

    // Tells the guests to stop (SHUTDOWN on every free slot) and removes the semaphores and
    // the object, however the host ends: close(), destruction, a move over it.
    ~simpleipc_host_state();

    // The peer watches, shared by the calling threads; looking scans /proc, so not under
    // `lock`, which every completed call takes.
    std::mutex watch_lock;
    mapper_watch any_guest;  // a guest maps the object
    // The guest serving slot i maps its request semaphore (a guest in this process shares this
    // process's one mapping of it, and is then watched through the object only).
    std::vector<mapper_watch> slot_guest;
    mutable std::mutex lock;  // the counters, shared by the calling threads
    telemetry::endpoint counters;
    simpleipc_stats stats;

    std::uint32_t& field(std::uint32_t slot, std::size_t offset) const noexcept {
        return seg.field(slot, offset);
    }
    bool claim(std::uint32_t slot) noexcept;
    result<std::uint32_t> claim_any() noexcept;
    // `slot`, or any when none is named, waiting until `until` while taken; failures counted.
    result<std::uint32_t> claim_within(std::optional<std::uint32_t> slot,
                                       const deadline& until) noexcept;
    void post(std::uint32_t slot, std::span<const std::byte> request, si::message_id id) noexcept;
    result<std::size_t> answer(std::uint32_t slot, si::message_id sent,
                               std::span<std::byte> response) noexcept;
    error guest_check(std::uint32_t slot) noexcept;
    error count_failure(error e, bool dropped) noexcept;
    result<std::size_t> exchange(std::uint32_t slot, std::span<const std::byte> request,
                                 si::message_id id, std::span<std::byte> response,
                                 const deadline& until) noexcept;
};

// acq_rel: acquires the previous holder's release of FREE (its reads of the response are done)
// and orders this claim before the request is written.
bool simpleipc_host_state::claim(std::uint32_t slot) noexcept {
    std::uint32_t expected = si::free;
    if (compare_exchange(field(slot, si::state_offset), expected, std::uint32_t{si::busy})) {
        abandoned[slot].store(false, std::memory_order_relaxed);  // a free slot awaits no answer
        return true;
    }
    // The answer to a call that gave up: taken over, discarded, counted.
    if (expected == si::resp_ready && abandoned[slot].load(std::memory_order_acquire) &&
        compare_exchange(field(slot, si::state_offset), expected, std::uint32_t{si::busy})) {
        abandoned[slot].store(false, std::memory_order_relaxed);
        const std::lock_guard hold(lock);
        ++stats.late;
        return true;
    }
    return false;
}

result<std::uint32_t> simpleipc_host_state::claim_any() noexcept {
    const std::uint32_t slots = seg.shape.slots;
    const std::uint32_t first = next_slot.fetch_add(1, std::memory_order_relaxed) % slots;
    for (std::uint32_t k = 0; k < slots; ++k) {
        if (const std::uint32_t i = (first + k) % slots; claim(i)) {
            return i;
        }
    }
    return error{errc::busy, "every SimpleIPC slot is taken"};
}

result<std::uint32_t> simpleipc_host_state::claim_within(std::optional<std::uint32_t> slot,
                                                         const deadline& until) noexcept {
    const auto attempt = [&]() -> result<std::uint32_t> {
        if (!slot) {
            return claim_any();
        }
        return claim(*slot) ? result<std::uint32_t>{*slot}
                            : error{errc::busy, "the SimpleIPC slot is taken"};
    };
    // Nobody wakes a caller when a slot comes free: it polls. Its guest (or, for any slot, every
    // guest) gone ends the wait.
    auto r = until.immediate()
                 ? attempt()
                 : wait_loop(options.strategy, until,
                             static_cast<std::uint64_t>(options.peer_check_interval.count()),
                             errc::busy, attempt, polling_bell{}, [&] {
                                 if (slot) {
                                     return guest_check(*slot);
                                 }
                                 const std::lock_guard hold(watch_lock);
                                 return any_guest.check();
                             });
    return r ? r : count_failure(r.error_value(), r.code() == errc::busy);
}

void simpleipc_host_state::post(std::uint32_t slot, std::span<const std::byte> request,
                                si::message_id id) noexcept {
    if (!request.empty()) {
        std::memcpy(seg.request(slot), request.data(), request.size());
    }
    store(seg.field<std::int32_t>(slot, si::req_size_offset),
          static_cast<std::int32_t>(request.size()), std::memory_order_relaxed);
    store(field(slot, si::msg_id_offset), std::uint32_t{id}, std::memory_order_relaxed);
    si::publish(field(slot, si::state_offset), si::req_ready, field(slot, si::guest_state_offset),
                seg.request_ready[slot]);
}

result<std::size_t> simpleipc_host_state::answer(std::uint32_t slot, si::message_id sent,
                                                 std::span<std::byte> response) noexcept {
    const std::uint32_t id = load(field(slot, si::msg_id_offset), std::memory_order_relaxed);
    const auto where = si::place(
        load(seg.field<std::int32_t>(slot, si::resp_size_offset), std::memory_order_relaxed),
        seg.shape.half);
    result<std::size_t> r = std::size_t{0};
    if (!where) {
        r = error{errc::corrupt, "the SimpleIPC response's size is beyond its half"};
    } else if (id == simpleipc_guest::handler_failed_id) {
        r = error{errc::handler_failed, "the guest's handler failed"};
    } else if (sent == si::heartbeat_req && (id != si::heartbeat_resp || where->length != 0)) {
        r = error{errc::corrupt, "the SimpleIPC heartbeat was answered with something else"};
    } else if (where->length > response.size()) {
        r = error{errc::invalid_argument, "the response buffer is smaller than the response"};
    } else {
        if (where->length != 0) {
            std::memcpy(response.data(), seg.response(slot) + where->offset, where->length);
        }
        r = std::size_t{where->length};
    }
    // Release: the reads above happen before the next holder's claim.
    store(field(slot, si::state_offset), std::uint32_t{si::free}, std::memory_order_release);
    return r;
}

simpleipc_host_state::~simpleipc_host_state() {
    for (std::uint32_t i = 0; i < seg.shape.slots; ++i) {
        if (claim(i)) {
            post(i, {}, si::shutdown);
        }
    }
    si::remove_segment(name, seg);
    counters.close();
}

error simpleipc_host_state::guest_check(std::uint32_t slot) noexcept {
    const std::lock_guard hold(watch_lock);
    if (const error e = slot_guest[slot].check(); e.code() != errc::ok) {
        return error{errc::peer_gone, "the guest serving this SimpleIPC slot is gone"};
    }
    return any_guest.check();
}

error simpleipc_host_state::count_failure(error e, bool dropped) noexcept {
    const std::lock_guard hold(lock);
    if (dropped) {
        ++stats.dropped;
        counters.on_dropped();
    } else {
        ++stats.failed;
        stats.corrupt += e.code() == errc::corrupt ? 1 : 0;
        counters.on_failed();
    }
    return e;
}

// Sends on a slot already claimed and waits for its answer.
result<std::size_t> simpleipc_host_state::exchange(std::uint32_t slot,
                                                   std::span<const std::byte> request,
                                                   si::message_id id, std::span<std::byte> response,
                                                   const deadline& until) noexcept {
    const std::uint64_t sent = clock.now();
    post(slot, request, id);
    auto& state_word = field(slot, si::state_offset);
    const auto arrived = [&]() -> result<void> {
        // seq_cst: the second half of the wake handshake (simpleipc_wake.hpp).
        const std::uint32_t state = load(state_word, std::memory_order_seq_cst);
        if (state == si::resp_ready) {
            return {};
        }
        if (state == si::req_ready || state == si::busy || state == si::done) {
            return error{errc::empty, "no answer yet"};
        }
        return error{errc::corrupt, "the SimpleIPC slot's state changed under the call"};
    };
    const auto waited = wait_loop(
        options.strategy, until, static_cast<std::uint64_t>(options.peer_check_interval.count()),
        errc::empty, arrived,
        si::semaphore_bell{&field(slot, si::host_state_offset), &seg.response_ready[slot]},
        [&] { return guest_check(slot); });
    if (!waited) {
        // The slot stays taken until its answer comes (a guest may still be running the call).
        // Not after corrupt: the state is no longer this call's, and no answer of it will come.
        if (waited.code() != errc::corrupt) {
            abandoned[slot].store(true, std::memory_order_release);
        }
        return count_failure(waited.error_value(), false);
    }
    auto r = answer(slot, id, response);
    if (!r) {
        return count_failure(r.error_value(), false);
    }
    const std::uint64_t now = clock.now();
    {
        // The guest surely lived a moment ago: found now, its going is noticed later.
        const std::lock_guard watching(watch_lock);
        slot_guest[slot].note_work();
        any_guest.note_work();
    }
    const std::lock_guard hold(lock);
    ++stats.calls;
    counters.on_sent(request.size(), sent);
    counters.on_received(*r, now, clock.elapsed_ns(sent, now));
    return r;
}

}  // namespace detail

namespace {

result<std::size_t> refused(detail::simpleipc_host_state* s, std::span<const std::byte> request) {
    if (s == nullptr) {
        return error{errc::closed, "the SimpleIPC host is closed"};
    }
    if (request.size() > s->seg.shape.half) {
        return s->count_failure(
            error{errc::message_too_large, "the request is longer than the SimpleIPC half"}, true);
    }
    return std::size_t{0};
}

}  // namespace

simpleipc_host::simpleipc_host() noexcept = default;
simpleipc_host::simpleipc_host(simpleipc_host&&) noexcept = default;
simpleipc_host& simpleipc_host::operator=(simpleipc_host&&) noexcept = default;
simpleipc_host::~simpleipc_host() {
    close();
}

result<simpleipc_host> simpleipc_host::open(const std::string& name,
                                            const simpleipc_options& options) {
    if (options.peer_check_interval <= std::chrono::nanoseconds(0)) {
        return error{errc::invalid_argument, "peer_check_interval must be positive"};
    }
    auto seg = si::create_segment(name, options.slots, options.slot_size, options.permissions);
    if (!seg) {
        return seg.error_value();
    }
    auto s = std::make_unique<detail::simpleipc_host_state>();
    s->name = name;
    // Before the segment: the state's destructor, which removes the segment, claims slots.
    s->abandoned = std::make_unique<std::atomic<bool>[]>(seg->shape.slots);
    s->seg = std::move(*seg);
    s->options = options;
    s->any_guest = detail::mapper_watch(s->seg.device, s->seg.inode, options.peer_check_interval);
    for (const auto& sem : s->seg.request_ready) {
        s->slot_guest.emplace_back(sem.device(), sem.inode(), options.peer_check_interval);
    }
    if (options.telemetry) {
        if (auto t = telemetry::endpoint::open(
                {layout::channel_kind::simpleipc, layout::endpoint_role::host,
                 options.telemetry_name.empty() ? name : options.telemetry_name, name})) {
            s->counters = std::move(*t);
        }
    }
    simpleipc_host h;
    h.state_ = std::move(s);
    return h;
}

result<std::size_t> simpleipc_host::call(std::span<const std::byte> request,
                                         std::span<std::byte> response,
                                         std::chrono::nanoseconds timeout) noexcept {
    auto* s = state_.get();
    if (auto no = refused(s, request); !no) {
        return no;
    }
    const deadline until(timeout);
    auto slot = s->claim_within(std::nullopt, until);
    if (!slot) {
        return slot.error_value();
    }
    return s->exchange(*slot, request, si::normal, response, until);
}

result<std::size_t> simpleipc_host::call_on(std::uint32_t slot, std::span<const std::byte> request,
                                            std::span<std::byte> response,
                                            std::chrono::nanoseconds timeout) noexcept {
    auto* s = state_.get();
    if (auto no = refused(s, request); !no) {
        return no;
    }
    if (slot >= s->seg.shape.slots) {
        return error{errc::invalid_argument, "no such SimpleIPC slot"};
    }
    const deadline until(timeout);
    if (auto claimed = s->claim_within(slot, until); !claimed) {
        return claimed.error_value();
    }
    return s->exchange(slot, request, si::normal, response, until);
}

result<void> simpleipc_host::heartbeat(std::uint32_t slot,
                                       std::chrono::nanoseconds timeout) noexcept {
    auto* s = state_.get();
    if (s == nullptr) {
        return error{errc::closed, "the SimpleIPC host is closed"};
    }
    if (slot >= s->seg.shape.slots) {
        return error{errc::invalid_argument, "no such SimpleIPC slot"};
    }
    const deadline until(timeout);
    if (auto claimed = s->claim_within(slot, until); !claimed) {
        return claimed.error_value();
    }
    auto r = s->exchange(slot, {}, si::heartbeat_req, {}, until);
    return r ? result<void>{} : r.error_value();
}

std::uint32_t simpleipc_host::slot_count() const noexcept {
    return state_ ? state_->seg.shape.slots : 0;
}

std::uint32_t simpleipc_host::request_capacity() const noexcept {
    return state_ ? state_->seg.shape.half : 0;
}

simpleipc_stats simpleipc_host::stats() const noexcept {
    if (!state_) {
        return {};
    }
    const std::lock_guard hold(state_->lock);
    return state_->stats;
}

void simpleipc_host::close() noexcept {
    state_.reset();
}

}  // namespace ipc
