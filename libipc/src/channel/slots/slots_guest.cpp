// The guest side of a slots channel: takes slots, and runs workers that serve them. The protocol
// and its memory orders are at the top of slots_host.cpp. The guest's part: a worker acquires
// request_id and serves it when it differs from the id the worker last answered; it marks the
// call taken (taken_id, for observers and for a successor), runs the handler, writes the
// response, and releases response_id. Only the worker serving a slot writes its response line.

#include <atomic>
#include <cerrno>
#include <climits>
#include <memory>
#include <vector>

#include "channel/slots/slots_segment.hpp"
#include "core/line_allocator.hpp"
#include "core/stamp_clock.hpp"
#include "core/worker_threads.hpp"
#include "ipc/detail/atomic.hpp"
#include "ipc/futex.hpp"
#include "ipc/shm.hpp"
#include "ipc/slots.hpp"
#include "sync/end_holder.hpp"
#include "sync/handshake.hpp"
#include "sync/wait_loop.hpp"

namespace ipc {

using layout::response_status;
using std::memory_order_acquire;
using std::memory_order_relaxed;
using std::memory_order_release;

namespace detail {

// Each worker's on its own cache lines: the workers sit side by side in a vector, and each
// writes `next` on every request it takes.
struct alignas(64) guest_worker {
    std::vector<std::uint32_t> slots;  // served round-robin
    // Per slot: the request_id last answered. Written per request, so in lines of its own.
    std::vector<std::uint64_t, detail::line_allocator<std::uint64_t>> answered;
    std::uint32_t bell_slot = 0;  // whose guest bell this worker sleeps on
    doorbell bell;                // that bell, published once: the worker sleeps on it
    std::uint32_t next = 0;       // where the next scan starts
    std::uint64_t served = 0;     // requests answered, for note_traffic
    telemetry::endpoint counters;
};

struct slots_guest_state {
    unique_fd fd;
    mapping map;
    slots_view view;
    wait_strategy wait = wait_strategy::adaptive;
    detail::stamp_clock clock = detail::process_stamp_clock();
    std::vector<std::uint32_t> slots;
    std::vector<guest_worker> workers;
    error telemetry_error;
    std::atomic<bool> stop{false};

    // Gives the slots up (serve() has returned: no worker runs).
    ~slots_guest_state() { give_up_slots(); }

    // Detaches from every slot and rings the host's bells, so that a call waiting on one of them
    // sees its guest gone now rather than at its next liveness check. Idempotent.
    void give_up_slots() noexcept {
        for (const auto i : slots) {
            release_end(view.slot_control(i).guest);
            view.host_bell(i).ring_always();
        }
        slots.clear();
    }
};

}  // namespace detail

namespace {

using detail::guest_worker;
using detail::slots_guest_state;
using detail::slots_view;

constexpr auto peer_check_ns = std::chrono::nanoseconds(peer_check_interval).count();
// How often a guest that waits for its host looks for it.
constexpr std::chrono::milliseconds host_poll_interval{2};

void wake_host(const slots_view& v, std::uint32_t i) noexcept {
    auto bell = v.host_bell(i);
    if (bell.sleeper_waiting()) {
        bell.ring();
    }
}

// Writes the response fields, then publishes the answer to `id` and wakes the host.
void publish_response(const slots_view& v, std::uint32_t i, std::uint64_t id,
                      response_status status, std::uint32_t length,
                      std::uint32_t handler_error) noexcept {
    auto& r = v.response(i);
    detail::store(r.response_length, length, memory_order_relaxed);
    detail::store(r.response_status, static_cast<std::uint32_t>(status), memory_order_relaxed);
    detail::store(r.handler_error, handler_error, memory_order_relaxed);
    // Release: the response area and the fields above happen-before the host's acquire of the
    // id; so do our reads of the request, before the host writes its next one.
    detail::store(r.response_id, id, memory_order_release);
    wake_host(v, i);
}

// Where a slot we just took stands: the id its previous guest answered last. A call that guest
// took but never answered (it died serving it) is answered guest_gone now, so the host's call
// ends at once instead of at its timeout; a call nobody took yet is served as usual.
std::uint64_t adopt_slot(const slots_view& v, std::uint32_t i) noexcept {
    const auto answered = detail::load(v.response(i).response_id, memory_order_relaxed);
    const auto pending = detail::load(v.request(i).request_id, memory_order_acquire);
    if (pending == answered ||
        detail::load(v.serving(i).taken_id, memory_order_relaxed) != pending) {
        return answered;
    }
    publish_response(v, i, pending, response_status::guest_gone, 0, 0);
    return pending;
}

result<std::vector<std::uint32_t>> take_slots(const slots_view& v, std::uint32_t max_slots) {
    std::vector<std::uint32_t> taken;
    const std::uint32_t want = max_slots == 0 ? v.count() : max_slots;
    for (std::uint32_t i = 0; i < v.count() && taken.size() < want; ++i) {
        if (detail::claim_end(v.slot_control(i).guest)) {
            taken.push_back(i);
        }
    }
    if (taken.empty()) {
        return error{errc::busy, "live guests serve every slot"};
    }
    return taken;
}

// Deals slots round-robin to workers and tells each slot which bell its worker sleeps on. The
// slots are attached already, so a host may post (and ring the bell slot it read before this
// store) in between: harmless, since no worker sleeps before serve() starts, and a worker polls
// before it first announces a sleep. From the first announce on, the host's Dekker load of the
// sleeping flag comes after this store (publish_sleep_mode's membarrier orders it).
std::vector<guest_worker> make_workers(const slots_view& v, const std::vector<std::uint32_t>& slots,
                                       std::uint32_t wanted) {
    const auto count = static_cast<std::uint32_t>(slots.size());
    const std::uint32_t n = wanted == 0 ? count : std::min(wanted, count);
    std::vector<guest_worker> workers(n);
    for (std::uint32_t k = 0; k < count; ++k) {
        auto& w = workers[k % n];
        if (w.slots.empty()) {
            w.bell_slot = slots[k];
        }
        w.slots.push_back(slots[k]);
        w.answered.push_back(adopt_slot(v, slots[k]));
        detail::store(v.slot_control(slots[k]).guest_bell_slot, w.bell_slot, memory_order_relaxed);
    }
    return workers;
}

struct taken_request {
    std::uint32_t slot;
    std::uint32_t index;  // in the worker's lists
    std::uint64_t id;
};

// Takes a request from one of the worker's slots; closed once the host shut down or stop().
result<taken_request> take_request(slots_guest_state& s, guest_worker& w) noexcept {
    const auto n = static_cast<std::uint32_t>(w.slots.size());
    for (std::uint32_t k = 0; k < n; ++k) {
        const std::uint32_t index = (w.next + k) % n;
        const std::uint32_t i = w.slots[index];
        // Acquire: pairs with the host's release of request_id; the request is visible.
        const auto id = detail::load(s.view.request(i).request_id, memory_order_acquire);
        if (id != w.answered[index]) {
            w.next = (index + 1) % n;
            detail::store(s.view.serving(i).taken_id, id, memory_order_relaxed);
            return taken_request{i, index, id};
        }
    }
    if (s.stop.load(memory_order_relaxed) ||
        detail::load(s.view.control().shutdown, memory_order_acquire) != 0) {
        return error{errc::closed, "the host shut down"};
    }
    return error{errc::empty, "no request"};
}

result<std::size_t> run_handler(const slots_handler& handler, std::span<const std::byte> request,
                                std::span<std::byte> response) noexcept {
    try {
        return handler(request, response);
    } catch (...) {
        return error{errc::system, "the handler threw"};
    }
}

// Counts a served call once its response is out: off the round trip's critical path. The
// latency recorded is the request's age when answered (queueing and handling).
void count_served(const detail::stamp_clock& clock, guest_worker& w, std::uint32_t request_length,
                  std::uint64_t sent, const result<std::size_t>& outcome) noexcept {
    if (!w.counters.active()) {
        return;
    }
    const auto now = clock.now();
    w.counters.on_received(request_length, now, sent != 0 ? clock.elapsed_ns(sent, now) : 0);
    if (outcome) {
        w.counters.on_sent(*outcome, now);
    } else if (outcome.code() == errc::message_too_large || outcome.code() == errc::timeout) {
        w.counters.on_dropped();  // too large to answer, or cancelled by the host
    } else {
        w.counters.on_failed();
    }
}

// Runs the handler and answers; the status tells the host how it went.
result<std::size_t> answer(slots_guest_state& s, const taken_request& t, std::uint32_t length,
                           const slots_handler& handler) noexcept {
    const auto i = t.slot;
    const auto& g = s.view.geometry();
    if (length > g.request_capacity) {
        publish_response(s.view, i, t.id, response_status::bad_request, 0, 0);
        return error{errc::corrupt, "request length out of range"};
    }
    // The host gave the call up before we started it: nobody waits for the answer, so the
    // handler does not run (a best effort: the host may give up a moment after this check).
    if (detail::load(s.view.request(i).cancelled_id, memory_order_relaxed) == t.id) {
        publish_response(s.view, i, t.id, response_status::cancelled, 0, 0);
        return error{errc::timeout, "the host gave the call up"};
    }
    auto n = run_handler(handler, {s.view.request_area(i), length},
                         {s.view.response_area(i), g.response_capacity});
    if (!n) {
        publish_response(s.view, i, t.id, response_status::handler_failed, 0,
                         static_cast<std::uint32_t>(n.code()));
        return n;
    }
    if (*n > g.response_capacity) {
        publish_response(s.view, i, t.id, response_status::response_too_large, 0, 0);
        return error{errc::message_too_large, "response larger than the response area"};
    }
    publish_response(s.view, i, t.id, response_status::ok, static_cast<std::uint32_t>(*n), 0);
    return n;
}

void serve_request(slots_guest_state& s, guest_worker& w, const taken_request& t,
                   const slots_handler& handler) noexcept {
    const auto& r = s.view.request(t.slot);
    const auto length = detail::load(r.request_length, memory_order_relaxed);
    const auto sent = detail::load(r.request_stamp, memory_order_relaxed);
    w.answered[t.index] = t.id;
    const auto outcome = answer(s, t, length, handler);
    count_served(s.clock, w, length, sent, outcome);
    if (++w.served % detail::traffic_note_interval == 0) {
        w.bell.note_traffic();
    }
}

result<void> run_worker(slots_guest_state& s, guest_worker& w, const slots_handler& handler) {
    auto& host = s.view.control().host;
    const deadline never(forever);
    for (;;) {
        auto taken = take_request(s, w);
        if (taken.code() == errc::empty) {
            taken = detail::wait_loop(
                s.wait, never, peer_check_ns, errc::empty, [&] { return take_request(s, w); },
                w.bell, [&] { return detail::alive_or_gone(detail::end_alive(host)); });
        }
        if (!taken) {
            return taken.code() == errc::closed ? result<void>{} : taken.error_value();
        }
        serve_request(s, w, *taken, handler);
    }
}

void wake_workers(slots_guest_state& s) noexcept {
    for (auto& w : s.workers) {
        s.view.own_guest_bell(w.bell_slot).ring_always();
    }
}

// Opens the segment once a live host serves it, waiting up to host_timeout for one: a guest may
// start before its host, or while a successor host is on its way.
result<detail::named_segment> open_served(const std::string& object, const guest_options& o) {
    const deadline until(o.host_timeout);
    for (;;) {
        auto seg =
            detail::open_segment(object, access::read_write, detail::slots_spec, o.trusted_owners);
        error missing;
        if (seg) {
            auto& control = reinterpret_cast<layout::slots_segment*>(seg->map.data())->control;
            if (auto g = detail::validate_slots(control, seg->map.size()); !g) {
                return g.error_value();
            }
            if (detail::end_pid(control.host) != 0 && detail::end_alive(control.host)) {
                return seg;
            }
            missing = error{errc::peer_gone, "no live host serves the slots segment"};
        } else if (seg.code() == errc::not_found || seg.code() == errc::not_ready) {
            missing = seg.error_value();
        } else {
            return seg.error_value();
        }
        if (until.passed(monotonic_ns())) {
            return missing;
        }
        std::this_thread::sleep_for(host_poll_interval);
    }
}

}  // namespace

// Closing is the state's destructor, so that moving a guest onto another closes the old one.
slots_guest::slots_guest() noexcept = default;
slots_guest::slots_guest(slots_guest&&) noexcept = default;
slots_guest& slots_guest::operator=(slots_guest&&) noexcept = default;
slots_guest::~slots_guest() = default;

result<slots_guest> slots_guest::open(std::string_view name, const guest_options& o) {
    if (auto ok = shm::validate_name(name); !ok) {
        return ok.error_value();
    }
    detail::register_for_asymmetric_fences();
    const std::string object = shm::object_name("slots", name);
    auto seg = open_served(object, o);
    if (!seg) {
        return seg.error_value();
    }
    auto& control = reinterpret_cast<layout::slots_segment*>(seg->map.data())->control;
    auto g = detail::validate_slots(control, seg->map.size());
    if (!g) {
        return g.error_value();
    }
    auto s = std::make_unique<slots_guest_state>();
    s->fd = std::move(seg->fd);
    s->map = std::move(seg->map);
    s->view = slots_view(s->map.data(), *g);
    s->wait = o.wait;
    auto taken = take_slots(s->view, o.max_slots);
    if (!taken) {
        return taken.error_value();
    }
    s->slots = std::move(*taken);
    s->workers = make_workers(s->view, s->slots, o.workers);
    const auto mode = detail::sleep_mode_for(o.wait, false);
    for (auto& w : s->workers) {
        w.bell = s->view.own_guest_bell(w.bell_slot);
        w.bell.publish_sleep_mode(mode);
        if (o.telemetry) {
            auto counters = telemetry::endpoint::open(
                {layout::channel_kind::slots, layout::endpoint_role::guest, name, object});
            if (counters) {
                w.counters = std::move(*counters);
                w.counters.set_peer(detail::end_pid(control.host));
            } else {
                s->telemetry_error = counters.error_value();
            }
        }
    }
    // Release: pairs with wait_for_guests' acquire; our slots are attached before it counts them.
    detail::fetch_add(control.guests_seq, std::uint32_t{1}, memory_order_release);
    futex::wake(&control.guests_seq, INT32_MAX);
    slots_guest guest;
    guest.state_ = std::move(s);
    return guest;
}

result<void> slots_guest::serve(const slots_handler& handler) {
    if (!state_ || state_->slots.empty()) {
        return error{errc::closed, "the slots guest is closed (a guest serves once)"};
    }
    auto& s = *state_;
    std::vector<result<void>> outcomes(s.workers.size());
    const auto work = [&](std::size_t k) {
        outcomes[k] = run_worker(s, s.workers[k], handler);
        // One worker ending (shutdown, host gone) ends them all.
        s.stop.store(true, memory_order_relaxed);
        wake_workers(s);
    };
    const bool started = detail::run_workers(s.workers.size(), work, [this] { stop(); });
    // A guest that no longer serves must not look like one: calls to its slots would wait for
    // answers that never come.
    s.give_up_slots();
    if (!started) {
        return error{errc::system, "could not start the worker threads", EAGAIN};
    }
    for (const auto& r : outcomes) {
        if (!r) {
            return r;
        }
    }
    return {};
}

void slots_guest::stop() noexcept {
    if (state_) {
        state_->stop.store(true, memory_order_relaxed);
        wake_workers(*state_);
    }
}

const std::vector<std::uint32_t>& slots_guest::slots() const noexcept {
    static const std::vector<std::uint32_t> none;
    return state_ ? state_->slots : none;
}

std::uint32_t slots_guest::workers() const noexcept {
    return state_ ? static_cast<std::uint32_t>(state_->workers.size()) : 0;
}

const error& slots_guest::telemetry_error() const noexcept {
    static const error none;
    return state_ ? state_->telemetry_error : none;
}

void slots_guest::close() noexcept {
    state_.reset();
}

}  // namespace ipc
