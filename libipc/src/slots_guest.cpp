// The guest side of a slots channel: takes slots, and runs workers that serve them. The state
// machine and its memory orders are listed at the top of slots_host.cpp; the guest's part:
//
//  request_ready -> serving         CAS, acquire: the host's request (released with the state) is
//                                   visible; the CAS loses to a host withdrawing the request.
//  serving -> response_ready        store, release: the response is visible to the host. A plain
//                                   store is enough: while a live guest serves a slot, nobody else
//                                   moves its state (the host only frees a slot whose guest died).
//  serving -> response_ready        CAS, by a guest taking over a slot whose previous guest died
//  (guest_gone)                     serving it; the CAS decides against the host freeing it.

#include <atomic>
#include <cerrno>
#include <climits>
#include <memory>
#include <system_error>
#include <thread>
#include <vector>

#include "end_holder.hpp"
#include "ipc/detail/atomic.hpp"
#include "ipc/detail/handshake.hpp"
#include "ipc/futex.hpp"
#include "ipc/shm.hpp"
#include "ipc/slots.hpp"
#include "slots_segment.hpp"
#include "wait_loop.hpp"

namespace ipc {

using layout::response_status;
using layout::slot_state;
using std::memory_order_acquire;
using std::memory_order_relaxed;
using std::memory_order_release;

namespace detail {

struct guest_worker {
    std::vector<std::uint32_t> slots;  // served round-robin
    std::uint32_t bell_slot = 0;       // whose guest bell this worker sleeps on
    std::uint32_t next = 0;            // where the next scan starts
    telemetry::endpoint counters;
};

struct slots_guest_state {
    unique_fd fd;
    mapping map;
    slots_view view;
    wait_strategy wait = wait_strategy::adaptive;
    std::vector<std::uint32_t> slots;
    std::vector<guest_worker> workers;
    error telemetry_error;
    std::atomic<bool> stop{false};
};

}  // namespace detail

namespace {

using detail::guest_worker;
using detail::slots_guest_state;
using detail::slots_view;

constexpr auto peer_check_ns = std::chrono::nanoseconds(peer_check_interval).count();

constexpr auto state_value(slot_state s) noexcept {
    return static_cast<std::uint32_t>(s);
}

void wake_host(const slots_view& v, std::uint32_t i) noexcept {
    auto bell = v.host_bell(i);
    if (bell.sleeper_waiting()) {
        bell.ring();
    }
}

void publish_response(const slots_view& v, std::uint32_t i, std::uint64_t id,
                      response_status status, std::uint32_t length,
                      std::uint32_t handler_error) noexcept {
    auto& x = v.slot(i).exchange;
    detail::store(x.response_id, id, memory_order_relaxed);
    detail::store(x.response_length, length, memory_order_relaxed);
    detail::store(x.response_status, static_cast<std::uint32_t>(status), memory_order_relaxed);
    detail::store(x.handler_error, handler_error, memory_order_relaxed);
}

// A slot we just took whose previous guest died while serving a call: answer guest_gone so the
// host's call ends now instead of at its timeout.
void answer_for_dead_predecessor(const slots_view& v, std::uint32_t i) noexcept {
    auto& x = v.slot(i).exchange;
    if (detail::load(x.state, memory_order_acquire) != state_value(slot_state::serving)) {
        return;
    }
    publish_response(v, i, detail::load(x.request_id, memory_order_relaxed),
                     response_status::guest_gone, 0, 0);
    std::uint32_t expected = state_value(slot_state::serving);
    if (detail::compare_exchange(x.state, expected, state_value(slot_state::response_ready))) {
        wake_host(v, i);
    }
}

result<std::vector<std::uint32_t>> take_slots(const slots_view& v, std::uint32_t max_slots) {
    std::vector<std::uint32_t> taken;
    const std::uint32_t want = max_slots == 0 ? v.count() : max_slots;
    for (std::uint32_t i = 0; i < v.count() && taken.size() < want; ++i) {
        if (detail::claim_end(v.slot(i).guest.guest)) {
            taken.push_back(i);
        }
    }
    if (taken.empty()) {
        return error{errc::busy, "live guests serve every slot"};
    }
    return taken;
}

// Deals slots round-robin to workers; each slot learns which bell its worker sleeps on before the
// worker can first sleep (the worker's announce fences after this store).
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
        detail::store(v.slot(slots[k]).guest.guest_bell_slot, w.bell_slot, memory_order_relaxed);
    }
    return workers;
}

// Takes a request from one of the worker's slots; closed once the host shut down or stop().
result<std::uint32_t> take_request(slots_guest_state& s, guest_worker& w) noexcept {
    const auto n = static_cast<std::uint32_t>(w.slots.size());
    for (std::uint32_t k = 0; k < n; ++k) {
        const std::uint32_t i = w.slots[(w.next + k) % n];
        auto& state = s.view.slot(i).exchange.state;
        if (detail::load(state, memory_order_relaxed) != state_value(slot_state::request_ready)) {
            continue;
        }
        std::uint32_t expected = state_value(slot_state::request_ready);
        if (detail::compare_exchange(state, expected, state_value(slot_state::serving))) {
            w.next = (w.next + k + 1) % n;
            return i;
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

void serve_request(slots_guest_state& s, guest_worker& w, std::uint32_t i,
                   const slots_handler& handler) noexcept {
    auto& x = s.view.slot(i).exchange;
    const auto& g = s.view.geometry();
    const auto id = detail::load(x.request_id, memory_order_relaxed);
    const auto length = detail::load(x.request_length, memory_order_relaxed);
    const auto sent = detail::load(x.request_sent_ns, memory_order_relaxed);
    if (length > g.request_capacity) {
        w.counters.on_failed();
        publish_response(s.view, i, id, response_status::bad_request, 0, 0);
    } else {
        if (w.counters.active()) {
            const auto now = monotonic_ns();
            w.counters.on_received(length, now, sent != 0 && now > sent ? now - sent : 0);
        }
        auto r = run_handler(handler, {s.view.request_area(i), length},
                             {s.view.response_area(i), g.response_capacity});
        if (!r) {
            w.counters.on_failed();
            publish_response(s.view, i, id, response_status::handler_failed, 0,
                             static_cast<std::uint32_t>(r.code()));
        } else if (*r > g.response_capacity) {
            w.counters.on_dropped();
            publish_response(s.view, i, id, response_status::response_too_large, 0, 0);
        } else {
            w.counters.on_sent(*r, w.counters.active() ? monotonic_ns() : 0);
            publish_response(s.view, i, id, response_status::ok, static_cast<std::uint32_t>(*r), 0);
        }
    }
    // Release: the response and its fields happen-before the host's acquire of the state.
    detail::store(x.state, state_value(slot_state::response_ready), memory_order_release);
    wake_host(s.view, i);
}

result<void> run_worker(slots_guest_state& s, guest_worker& w, const slots_handler& handler) {
    auto bell = s.view.own_guest_bell(w.bell_slot);
    auto& host = s.view.control().host;
    const deadline never(forever);
    for (;;) {
        auto taken = take_request(s, w);
        if (taken.code() == errc::empty) {
            taken = detail::wait_loop(
                s.wait, never, peer_check_ns, errc::empty, [&] { return take_request(s, w); }, bell,
                [&] { return detail::end_alive(host); });
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

}  // namespace

slots_guest::slots_guest() noexcept = default;
slots_guest::slots_guest(slots_guest&&) noexcept = default;
slots_guest& slots_guest::operator=(slots_guest&& other) noexcept {
    if (this != &other) {
        close();
        state_ = std::move(other.state_);
    }
    return *this;
}
slots_guest::~slots_guest() {
    close();
}

result<slots_guest> slots_guest::open(std::string_view name, const guest_options& o) {
    if (auto ok = shm::validate_name(name); !ok) {
        return ok.error_value();
    }
    detail::register_for_asymmetric_fences();
    const std::string object = shm::object_name("slots", name);
    auto seg =
        detail::open_segment(object, access::read_write, detail::slots_spec, o.ready_timeout);
    if (!seg) {
        return seg.error_value();
    }
    auto& control = reinterpret_cast<layout::slots_segment*>(seg->map.data())->control;
    auto g = detail::validate_slots(control, seg->map.size());
    if (!g) {
        return g.error_value();
    }
    if (detail::end_pid(control.host) == 0 || !detail::end_alive(control.host)) {
        return error{errc::peer_gone, "the slots host is gone"};
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
    const bool sleeps_often = o.wait == wait_strategy::blocking;
    for (auto& w : s->workers) {
        s->view.own_guest_bell(w.bell_slot).publish_sleep_mode(sleeps_often);
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
    for (const auto i : s->slots) {
        answer_for_dead_predecessor(s->view, i);
    }
    // Release: pairs with wait_for_guests' acquire; our slots are attached before it counts them.
    detail::fetch_add(control.guests_seq, std::uint32_t{1}, memory_order_release);
    futex::wake(&control.guests_seq, INT32_MAX);
    slots_guest guest;
    guest.state_ = std::move(s);
    return guest;
}

result<void> slots_guest::serve(const slots_handler& handler) {
    if (!state_) {
        return error{errc::closed, "the slots guest is closed"};
    }
    auto& s = *state_;
    std::vector<result<void>> outcomes(s.workers.size());
    std::vector<std::thread> threads;
    const auto work = [&](std::size_t k) {
        outcomes[k] = run_worker(s, s.workers[k], handler);
        // One worker ending (shutdown, host gone) ends them all.
        s.stop.store(true, memory_order_relaxed);
        wake_workers(s);
    };
    bool started = true;
    for (std::size_t k = 1; k < s.workers.size() && started; ++k) {
        try {
            threads.emplace_back(work, k);
        } catch (const std::system_error&) {
            started = false;
        }
    }
    if (started) {
        work(0);
    } else {
        stop();
    }
    for (auto& t : threads) {
        t.join();
    }
    s.stop.store(false, memory_order_relaxed);
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
    if (!state_) {
        return;
    }
    for (const auto i : state_->slots) {
        detail::release_end(state_->view.slot(i).guest.guest);
    }
    state_.reset();
}

}  // namespace ipc
