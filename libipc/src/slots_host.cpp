// The host side of a slots channel. Memory orders of the slot state machine (docs/LAYOUT.md 5.4):
//
//  host   free -> claimed           CAS, acquire: the previous holder's writes (its reads of the
//                                   response, its slot_stats) happen-before ours.
//  host   claimed -> request_ready  store, release: the request bytes and fields are visible to
//                                   the worker that acquires the state.
//  guest  request_ready -> serving  CAS, acquire (slots_guest.cpp).
//  host   request_ready -> free     CAS on timeout or dead guest: withdraws a request no worker
//                                   took; the CAS decides against a worker taking it.
//  guest  serving -> response_ready store, release: the response is visible to the host.
//  host   response_ready -> free    store, release: see the first line.
//  host   serving -> free           CAS, only when the guest serving the slot is dead.
//  host   response_ready -> claimed CAS: a host thread reuses a slot whose call gave up, after
//                                   discarding the late response.
//
// The doorbells (one per slot each way) follow detail/doorbell.hpp: the waker checks the sleep
// flag after a light fence and makes the futex syscall only when the sleeper announced itself.

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <memory>
#include <string>

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

// Host-private facts about one slot, on its own cache line (host threads use different slots).
struct alignas(64) host_slot {
    // The guest owner word of a guest found dead: its slot is skipped until another guest
    // takes it (and the word changes).
    std::atomic<std::uint64_t> dead_guest{0};
};

struct slots_host_state {
    unique_fd fd;
    mapping map;
    std::string object;
    slots_view view;
    bool keep_segment = false;
    bool counting = true;  // per-slot statistics and timestamps
    wait_strategy wait = wait_strategy::adaptive;
    telemetry::endpoint counters;
    error telemetry_error;
    std::atomic<bool> peer_recorded{false};
    std::unique_ptr<host_slot[]> slots;
    alignas(64) std::atomic<std::uint64_t> next_id{1};
    // Host threads that wait for a free slot sleep here; a thread that frees a slot rings it.
    alignas(64) std::uint32_t freed_sleeping = 0;
    std::uint32_t freed_seq = 0;
    std::uint32_t freed_uses_membarrier = 0;
    doorbell freed_bell{&freed_sleeping, &freed_seq, &freed_uses_membarrier};
};

}  // namespace detail

namespace {

using detail::slots_host_state;
using detail::slots_view;

constexpr std::uint32_t attach_attempts = 4;
constexpr auto peer_check_ns = std::chrono::nanoseconds(peer_check_interval).count();

constexpr auto state_value(slot_state s) noexcept {
    return static_cast<std::uint32_t>(s);
}

bool move_state(std::uint32_t& word, slot_state from, slot_state to) noexcept {
    std::uint32_t expected = state_value(from);
    return detail::compare_exchange(word, expected, state_value(to));
}

// The detail text of a handler failure names the guest handler's code ("...: timeout").
const char* handler_failure_detail(std::uint32_t code) {
    constexpr std::size_t codes = static_cast<std::size_t>(errc::handler_failed) + 1;
    static const std::array<std::string, codes> texts = [] {
        std::array<std::string, codes> t;
        for (std::size_t i = 0; i < codes; ++i) {
            t[i] = std::string("the guest's handler failed: ") + to_string(static_cast<errc>(i));
        }
        return t;
    }();
    return code < codes ? texts[code].c_str() : "the guest's handler failed";
}

// ---- opening ----

bool any_guest_alive(const slots_view& v) noexcept {
    for (std::uint32_t i = 0; i < v.count(); ++i) {
        const auto& holder = v.slot(i).guest.guest;
        if (detail::end_pid(holder) != 0 && detail::end_alive(holder)) {
            return true;
        }
    }
    return false;
}

// A new host takes over a segment whose host died while guests still serve it: calls the dead
// host left are withdrawn, discarded, or (when a guest is still serving them) marked abandoned
// so that their late responses are discarded when they come.
void take_over(const slots_view& v) noexcept {
    auto& c = v.control();
    detail::fetch_add(c.host_epoch, std::uint32_t{1}, memory_order_relaxed);
    detail::store(c.shutdown, std::uint32_t{0}, memory_order_release);
    for (std::uint32_t i = 0; i < v.count(); ++i) {
        auto& x = v.slot(i).exchange;
        auto& stats = v.stats(i);
        std::memset(&stats, 0, sizeof stats);
        const auto state = detail::load(x.state, memory_order_acquire);
        if (state == state_value(slot_state::claimed)) {
            detail::store(x.state, state_value(slot_state::free), memory_order_release);
        } else if (state == state_value(slot_state::response_ready)) {
            stats.late_responses = 1;
            detail::store(x.state, state_value(slot_state::free), memory_order_release);
        } else if (state == state_value(slot_state::request_ready) &&
                   move_state(x.state, slot_state::request_ready, slot_state::free)) {
            continue;
        } else if (state != state_value(slot_state::free)) {
            // serving (or a worker took the request just now): its response is still due.
            const auto id = detail::load(x.request_id, memory_order_relaxed);
            detail::store(stats.abandoned_id, id == 0 ? std::uint64_t{1} : id,
                          memory_order_release);
        }
    }
}

result<detail::named_segment> create_slots(const std::string& object,
                                           const layout::slots_geometry& g,
                                           const slots_options& o) {
    return detail::create_segment(
        object, g.total_size(), o.permissions, detail::slots_spec, [&](std::byte* base) {
            auto& c = reinterpret_cast<layout::slots_segment*>(base)->control;
            detail::init_slots(c, g);
            detail::take_fresh_end(c.host);
        });
}

// Creates the segment, or takes over / replaces one left by a dead host.
result<detail::named_segment> attach_host(const std::string& object,
                                          const layout::slots_geometry& g, const slots_options& o) {
    for (std::uint32_t attempt = 0; attempt < attach_attempts; ++attempt) {
        auto created = create_slots(object, g, o);
        if (created || created.code() != errc::already_exists) {
            return created;
        }
        auto seg =
            detail::open_segment(object, access::read_write, detail::slots_spec, o.ready_timeout);
        if (!seg) {
            if (seg.code() == errc::peer_gone) {
                (void)shm::unlink(object);  // its creator died before finishing it
            }
            if (seg.code() == errc::not_found || seg.code() == errc::peer_gone) {
                continue;
            }
            return seg;
        }
        auto& c = reinterpret_cast<layout::slots_segment*>(seg->map.data())->control;
        auto stored = detail::validate_slots(c, seg->map.size());
        if (!stored) {
            return stored.error_value();
        }
        if (detail::end_pid(c.host) != 0 && detail::end_alive(c.host)) {
            return error{errc::busy, "a live host serves this slots name"};
        }
        const slots_view view(seg->map.data(), *stored);
        if (!any_guest_alive(view)) {
            (void)shm::unlink_if_same(object, seg->fd.get());  // nobody uses it: replace it
            continue;
        }
        if (!(*stored == g)) {
            return error{errc::geometry_mismatch,
                         "live guests serve this name with other slot sizes"};
        }
        if (auto claimed = detail::claim_end(c.host); !claimed) {
            return claimed.error_value();
        }
        take_over(view);
        return seg;
    }
    return error{errc::busy, "the slots segment kept changing while attaching"};
}

// ---- calls ----

// Whether slot i has a guest that may serve a call: attached and not found dead.
bool guest_usable(const slots_host_state& s, std::uint32_t i) noexcept {
    // Acquire: pairs with the guest's release of "attached", after it set its bell slot.
    const auto owner = detail::load(s.view.slot(i).guest.guest.owner, memory_order_acquire);
    return layout::owner_state(owner) == static_cast<std::uint32_t>(layout::end_state::attached) &&
           owner != s.slots[i].dead_guest.load(memory_order_relaxed);
}

void note_refused(slots_host_state& s) noexcept {
    if (s.counting) {
        detail::fetch_add(s.view.control().calls_refused, std::uint64_t{1}, memory_order_relaxed);
    }
}

// Frees slot i (whose call is over) and wakes a host thread waiting for a free slot.
void free_slot(slots_host_state& s, std::uint32_t i) noexcept {
    if (s.counting) {
        detail::store(s.view.stats(i).in_flight, std::uint64_t{0}, memory_order_relaxed);
    }
    // Release: our reads of the response and our slot_stats writes happen-before the next
    // claimant, which acquires the state.
    detail::store(s.view.slot(i).exchange.state, state_value(slot_state::free),
                  memory_order_release);
    if (s.freed_bell.sleeper_waiting()) {
        s.freed_bell.ring();
    }
}

// A slot whose call gave up and whose late response has now come: discard it and keep the slot.
// Called right after this thread moved the slot response_ready -> claimed.
void discard_late_response(slots_host_state& s, std::uint32_t i) noexcept {
    auto& stats = s.view.stats(i);
    detail::bump(stats.late_responses, std::uint64_t{1});
    detail::store(stats.abandoned_id, std::uint64_t{0}, memory_order_relaxed);
}

// Tries to take slot i for a new call: free, or holding a late response nobody waits for.
bool try_claim(slots_host_state& s, std::uint32_t i) noexcept {
    auto& x = s.view.slot(i).exchange;
    const auto state = detail::load(x.state, memory_order_relaxed);
    if (state == state_value(slot_state::free)) {
        return move_state(x.state, slot_state::free, slot_state::claimed);
    }
    // Acquire: pairs with the release that marked the call abandoned (its counters before it).
    if (state == state_value(slot_state::response_ready) &&
        detail::load(s.view.stats(i).abandoned_id, memory_order_acquire) != 0 &&
        move_state(x.state, slot_state::response_ready, slot_state::claimed)) {
        discard_late_response(s, i);
        return true;
    }
    return false;
}

result<std::uint32_t> claim_any(slots_host_state& s) noexcept {
    thread_local std::uint32_t rotation = 0;
    const std::uint32_t n = s.view.count();
    const std::uint32_t start = rotation++ % n;
    bool any_guest = false;
    for (std::uint32_t k = 0; k < n; ++k) {
        const std::uint32_t i = (start + k) % n;
        if (!guest_usable(s, i)) {
            continue;
        }
        any_guest = true;
        if (try_claim(s, i)) {
            return i;
        }
    }
    if (!any_guest) {
        return error{errc::peer_gone, "no live guest serves any slot"};
    }
    return error{errc::busy, "every slot is busy"};
}

result<std::uint32_t> claim_one(slots_host_state& s, std::uint32_t i) noexcept {
    if (i >= s.view.count()) {
        return error{errc::invalid_argument, "slot index out of range"};
    }
    if (!guest_usable(s, i)) {
        return error{errc::peer_gone, "no live guest serves that slot"};
    }
    if (!try_claim(s, i)) {
        return error{errc::busy, "another call holds that slot"};
    }
    return i;
}

// Writes the request into a claimed slot and hands it to the guest.
call_ticket post(slots_host_state& s, std::uint32_t i,
                 std::span<const std::byte> request) noexcept {
    auto& x = s.view.slot(i).exchange;
    const std::uint64_t id = s.next_id.fetch_add(1, memory_order_relaxed);
    if (!request.empty()) {
        std::memcpy(s.view.request_area(i), request.data(), request.size());
    }
    detail::store(x.request_length, static_cast<std::uint32_t>(request.size()),
                  memory_order_relaxed);
    detail::store(x.request_id, id, memory_order_relaxed);
    std::uint64_t now = 0;
    if (s.counting) {
        now = monotonic_ns();
        auto& stats = s.view.stats(i);
        detail::bump(stats.calls, std::uint64_t{1});
        detail::bump(stats.bytes_out, std::uint64_t{request.size()});
        detail::store(stats.in_flight, std::uint64_t{1}, memory_order_relaxed);
    }
    detail::store(x.request_sent_ns, now, memory_order_relaxed);
    // Release: the request and the fields above happen-before the worker that acquires it.
    detail::store(x.state, state_value(slot_state::request_ready), memory_order_release);
    auto bell = s.view.guest_bell_of(i);
    if (bell.sleeper_waiting()) {
        bell.ring();
    }
    return call_ticket{i, id};
}

void record_round_trip(slots_host_state& s, std::uint32_t i, std::size_t bytes) noexcept {
    if (!s.counting) {
        return;
    }
    auto& stats = s.view.stats(i);
    detail::bump(stats.completed, std::uint64_t{1});
    const std::uint64_t now = monotonic_ns();
    const auto sent = detail::load(s.view.slot(i).exchange.request_sent_ns, memory_order_relaxed);
    const std::uint64_t rtt = now > sent ? now - sent : 0;
    detail::bump(stats.bytes_in, std::uint64_t{bytes});
    detail::bump(stats.latency_buckets[histogram::bucket_of(rtt)], std::uint64_t{1});
    detail::bump(stats.latency_count, std::uint64_t{1});
    detail::bump(stats.latency_sum_ns, rtt);
    if (rtt > detail::load(stats.latency_max_ns, memory_order_relaxed)) {
        detail::store(stats.latency_max_ns, rtt, memory_order_relaxed);
    }
    detail::store(stats.last_activity_ns, now, memory_order_relaxed);
}

// What the guest's response says, for the call with `id`. Every field is the guest's word:
// checked before use.
result<std::size_t> read_response(slots_host_state& s, std::uint32_t i, std::uint64_t id,
                                  std::span<std::byte> response) noexcept {
    const auto& x = s.view.slot(i).exchange;
    if (detail::load(x.response_id, memory_order_relaxed) != id) {
        return error{errc::corrupt, "the guest's response answers another call"};
    }
    const auto length = detail::load(x.response_length, memory_order_relaxed);
    switch (static_cast<response_status>(detail::load(x.response_status, memory_order_relaxed))) {
        case response_status::ok:
            break;
        case response_status::handler_failed:
            return error{errc::handler_failed, handler_failure_detail(detail::load(
                                                   x.handler_error, memory_order_relaxed))};
        case response_status::response_too_large:
            return error{errc::message_too_large,
                         "the guest's response exceeded the response area"};
        case response_status::bad_request:
            return error{errc::corrupt, "the guest found the request length out of range"};
        case response_status::guest_gone:
            return error{errc::peer_gone, "the guest serving this call died"};
        default:
            return error{errc::corrupt, "the guest's response status is unknown"};
    }
    if (length > s.view.geometry().response_capacity) {
        return error{errc::corrupt, "the guest's response length exceeds the response area"};
    }
    if (length > response.size()) {
        return error{errc::invalid_argument, "response buffer is smaller than the response"};
    }
    if (length != 0) {
        std::memcpy(response.data(), s.view.response_area(i), length);
    }
    return std::size_t{length};
}

// The response has come: hand it over, count it, free the slot.
result<std::size_t> finish(slots_host_state& s, std::uint32_t i, std::uint64_t id,
                           std::span<std::byte> response) noexcept {
    auto r = read_response(s, i, id, response);
    if (r) {
        record_round_trip(s, i, *r);
        if (!s.peer_recorded.exchange(true, memory_order_relaxed)) {
            s.counters.set_peer(detail::end_pid(s.view.slot(i).guest.guest));
        }
    } else {
        detail::bump(s.view.stats(i).failed, std::uint64_t{1});
    }
    free_slot(s, i);
    return r;
}

// The guest serving slot i died or left: withdraw the call, or free the slot it died holding.
result<std::size_t> reclaim_from_lost_guest(slots_host_state& s, std::uint32_t i, std::uint64_t id,
                                            std::span<std::byte> response) noexcept {
    auto& x = s.view.slot(i).exchange;
    s.slots[i].dead_guest.store(
        detail::load(s.view.slot(i).guest.guest.owner, memory_order_acquire), memory_order_relaxed);
    if (move_state(x.state, slot_state::request_ready, slot_state::free) ||
        move_state(x.state, slot_state::serving, slot_state::free)) {
        detail::bump(s.view.stats(i).failed, std::uint64_t{1});
        detail::store(s.view.stats(i).in_flight, std::uint64_t{0}, memory_order_relaxed);
        return error{errc::peer_gone, "the guest serving this call is gone"};
    }
    // A response came after all (a successor may have answered guest_gone for it).
    return finish(s, i, id, response);
}

// The call gave up: withdraw it, take (`deliver`) or discard a response that just came, or mark
// the call abandoned.
result<std::size_t> give_up(slots_host_state& s, std::uint32_t i, std::uint64_t id,
                            std::span<std::byte> response, bool deliver) noexcept {
    auto& x = s.view.slot(i).exchange;
    auto& stats = s.view.stats(i);
    if (move_state(x.state, slot_state::request_ready, slot_state::free)) {
        detail::bump(stats.timeouts, std::uint64_t{1});
        detail::store(stats.in_flight, std::uint64_t{0}, memory_order_relaxed);
        if (s.freed_bell.sleeper_waiting()) {
            s.freed_bell.ring();
        }
        return error{errc::timeout, "no guest took the call in time"};
    }
    if (detail::load(x.state, memory_order_acquire) == state_value(slot_state::response_ready)) {
        if (deliver) {
            return finish(s, i, id, response);
        }
        detail::bump(stats.late_responses, std::uint64_t{1});
        free_slot(s, i);
        return error{errc::timeout, "the call was cancelled; its response was discarded"};
    }
    // A worker is serving it. Release: our counters happen-before the thread that reuses the
    // slot after acquiring abandoned_id.
    detail::bump(stats.timeouts, std::uint64_t{1});
    detail::store(stats.in_flight, std::uint64_t{0}, memory_order_relaxed);
    detail::store(stats.abandoned_id, id, memory_order_release);
    return error{errc::timeout, "the call timed out; its late response will be discarded"};
}

result<void> response_arrived(const slots_host_state& s, std::uint32_t i) noexcept {
    // Acquire: pairs with the worker's release of response_ready.
    if (detail::load(s.view.slot(i).exchange.state, memory_order_acquire) ==
        state_value(slot_state::response_ready)) {
        return {};
    }
    return error{errc::empty, "no response yet"};
}

// Waits for the response of a posted call. Timeout leaves the call pending.
result<std::size_t> await(slots_host_state& s, const call_ticket& t, std::span<std::byte> response,
                          const deadline& until) noexcept {
    const auto i = t.slot;
    auto arrived = response_arrived(s, i);
    if (!arrived && !until.passed(monotonic_ns())) {
        arrived = detail::wait_loop(
            s.wait, until, peer_check_ns, errc::empty, [&] { return response_arrived(s, i); },
            s.view.host_bell(i), [&] { return detail::end_alive(s.view.slot(i).guest.guest); });
    }
    if (arrived) {
        return finish(s, i, t.id, response);
    }
    if (arrived.code() == errc::peer_gone) {
        return reclaim_from_lost_guest(s, i, t.id, response);
    }
    return error{errc::timeout, "no response in time"};
}

result<std::uint32_t> claim_waiting(slots_host_state& s, const deadline& until) noexcept {
    auto slot = claim_any(s);
    if (slot.code() != errc::busy || until.passed(monotonic_ns())) {
        return slot;
    }
    return detail::wait_loop(
        s.wait, until, peer_check_ns, errc::busy, [&] { return claim_any(s); }, s.freed_bell,
        [] { return true; });
}

}  // namespace

// ---- slots_host ----

slots_host::slots_host() noexcept = default;
slots_host::slots_host(slots_host&&) noexcept = default;
slots_host& slots_host::operator=(slots_host&& other) noexcept {
    if (this != &other) {
        close();
        state_ = std::move(other.state_);
    }
    return *this;
}
slots_host::~slots_host() {
    close();
}

result<slots_host> slots_host::open(std::string_view name, const slots_options& o) {
    if (auto ok = shm::validate_name(name); !ok) {
        return ok.error_value();
    }
    auto g = detail::checked_geometry(o.slots, o.request_capacity, o.response_capacity);
    if (!g) {
        return g.error_value();
    }
    detail::register_for_asymmetric_fences();
    auto s = std::make_unique<slots_host_state>();
    s->object = shm::object_name("slots", name);
    auto seg = attach_host(s->object, *g, o);
    if (!seg) {
        return seg.error_value();
    }
    s->fd = std::move(seg->fd);
    s->map = std::move(seg->map);
    s->view = slots_view(s->map.data(), *g);
    s->keep_segment = o.keep_segment;
    s->counting = o.telemetry && telemetry::enabled_by_environment();
    s->wait = o.wait;
    s->slots = std::make_unique<detail::host_slot[]>(g->slot_count);
    const auto epoch = detail::load(s->view.control().host_epoch, memory_order_relaxed);
    s->next_id.store((std::uint64_t{epoch} << 40) + 1, memory_order_relaxed);
    const bool sleeps_often = o.wait == wait_strategy::blocking;
    for (std::uint32_t i = 0; i < g->slot_count; ++i) {
        s->view.host_bell(i).publish_sleep_mode(sleeps_often);
    }
    s->freed_bell.publish_sleep_mode(sleeps_often);
    if (o.telemetry) {
        auto counters = telemetry::endpoint::open(
            {layout::channel_kind::slots, layout::endpoint_role::host, name, s->object});
        if (counters) {
            s->counters = std::move(*counters);
        } else {
            s->telemetry_error = counters.error_value();
        }
    }
    slots_host host;
    host.state_ = std::move(s);
    return host;
}

result<std::size_t> slots_host::call(std::span<const std::byte> request,
                                     std::span<std::byte> response,
                                     std::chrono::nanoseconds timeout) noexcept {
    if (!state_) {
        return error{errc::closed, "the slots host is closed"};
    }
    auto& s = *state_;
    if (request.size() > s.view.geometry().request_capacity) {
        note_refused(s);
        return error{errc::message_too_large, "request is larger than the request area"};
    }
    const deadline until(timeout);
    auto slot = claim_waiting(s, until);
    if (!slot) {
        note_refused(s);
        return slot.code() == errc::busy ? error{errc::timeout, "no slot became free in time"}
                                         : slot.error_value();
    }
    call_ticket t = post(s, *slot, request);
    auto r = await(s, t, response, until);
    if (r.code() == errc::timeout) {
        return give_up(s, t.slot, t.id, response, true);
    }
    return r;
}

result<std::size_t> slots_host::call_on(std::uint32_t slot, std::span<const std::byte> request,
                                        std::span<std::byte> response,
                                        std::chrono::nanoseconds timeout) noexcept {
    auto t = submit_on(slot, request);
    if (!t) {
        return t.error_value();
    }
    const deadline until(timeout);
    auto r = await(*state_, *t, response, until);
    if (r.code() == errc::timeout) {
        return give_up(*state_, t->slot, t->id, response, true);
    }
    return r;
}

result<call_ticket> slots_host::submit(std::span<const std::byte> request) noexcept {
    if (!state_) {
        return error{errc::closed, "the slots host is closed"};
    }
    auto& s = *state_;
    if (request.size() > s.view.geometry().request_capacity) {
        note_refused(s);
        return error{errc::message_too_large, "request is larger than the request area"};
    }
    auto slot = claim_any(s);
    if (!slot) {
        note_refused(s);
        return slot.error_value();
    }
    return post(s, *slot, request);
}

result<call_ticket> slots_host::submit_on(std::uint32_t slot,
                                          std::span<const std::byte> request) noexcept {
    if (!state_) {
        return error{errc::closed, "the slots host is closed"};
    }
    auto& s = *state_;
    if (request.size() > s.view.geometry().request_capacity) {
        note_refused(s);
        return error{errc::message_too_large, "request is larger than the request area"};
    }
    auto claimed = claim_one(s, slot);
    if (!claimed) {
        note_refused(s);
        return claimed.error_value();
    }
    return post(s, *claimed, request);
}

result<std::size_t> slots_host::wait(call_ticket& ticket, std::span<std::byte> response,
                                     std::chrono::nanoseconds timeout) noexcept {
    if (!state_) {
        return error{errc::closed, "the slots host is closed"};
    }
    if (!ticket.pending() || ticket.slot >= state_->view.count()) {
        return error{errc::invalid_argument, "the ticket holds no pending call"};
    }
    auto r = await(*state_, ticket, response, deadline(timeout));
    if (r.code() != errc::timeout) {
        ticket = {};
    }
    return r;
}

result<std::size_t> slots_host::poll(call_ticket& ticket, std::span<std::byte> response) noexcept {
    auto r = wait(ticket, response, std::chrono::nanoseconds::zero());
    if (r.code() == errc::timeout) {
        return error{errc::empty, "the response has not arrived yet"};
    }
    return r;
}

void slots_host::cancel(call_ticket& ticket) noexcept {
    if (state_ && ticket.pending() && ticket.slot < state_->view.count()) {
        (void)give_up(*state_, ticket.slot, ticket.id, {}, false);
    }
    ticket = {};
}

result<void> slots_host::wait_for_guests(std::uint32_t count,
                                         std::chrono::nanoseconds timeout) noexcept {
    if (!state_) {
        return error{errc::closed, "the slots host is closed"};
    }
    if (count > state_->view.count()) {
        return error{errc::invalid_argument, "more guests than slots"};
    }
    auto& seq = state_->view.control().guests_seq;
    const deadline until(timeout);
    for (;;) {
        // Acquire: a guest bumps the word after taking its slots (release).
        const auto seen = detail::load(seq, memory_order_acquire);
        if (guests_serving() >= count) {
            return {};
        }
        const auto now = monotonic_ns();
        if (until.passed(now)) {
            return error{errc::timeout, "not enough guests attached in time"};
        }
        // Slices: a guest that dies or closes changes no word we sleep on.
        (void)futex::wait(&seq, seen,
                          std::min<std::uint64_t>(until.remaining_ns(now), peer_check_ns));
    }
}

std::uint32_t slots_host::guests_serving() const noexcept {
    if (!state_) {
        return 0;
    }
    std::uint32_t serving = 0;
    for (std::uint32_t i = 0; i < state_->view.count(); ++i) {
        const auto& holder = state_->view.slot(i).guest.guest;
        serving += detail::end_pid(holder) != 0 && detail::end_alive(holder) ? 1 : 0;
    }
    return serving;
}

std::uint32_t slots_host::slot_count() const noexcept {
    return state_ ? state_->view.count() : 0;
}
std::uint32_t slots_host::request_capacity() const noexcept {
    return state_ ? state_->view.geometry().request_capacity : 0;
}
std::uint32_t slots_host::response_capacity() const noexcept {
    return state_ ? state_->view.geometry().response_capacity : 0;
}

const error& slots_host::telemetry_error() const noexcept {
    static const error none;
    return state_ ? state_->telemetry_error : none;
}

void slots_host::close() noexcept {
    if (!state_) {
        return;
    }
    auto& s = *state_;
    auto& c = s.view.control();
    // Release: a worker that acquires shutdown stops; ringing every bell wakes sleeping ones.
    detail::store(c.shutdown, std::uint32_t{1}, memory_order_release);
    detail::release_end(c.host);
    for (std::uint32_t i = 0; i < s.view.count(); ++i) {
        s.view.own_guest_bell(i).ring_always();
    }
    if (!s.keep_segment) {
        (void)shm::unlink(s.object);
    }
    state_.reset();
}

}  // namespace ipc
