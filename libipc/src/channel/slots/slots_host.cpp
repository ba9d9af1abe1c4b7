// The host side of a slots channel. The protocol (docs/LAYOUT.md 8.4) gives each line of a slot
// one writer, so a round trip moves each line across once:
//
//  host   writes the request, then request_id           store, release: the request is visible
//                                                       to the worker that acquires the id.
//  guest  sees request_id != the id it last answered    load, acquire (slots_guest.cpp).
//  guest  writes the response, then response_id         store, release.
//  host   sees response_id == its call's id             load, acquire: the response is visible.
//
// Host threads share slots through a private busy flag per slot (CAS, acquire; released when the
// call ends), never through shared memory. A call that gives up before its response (timeout,
// cancel, guest gone) leaves its id in the slot's abandoned_id: no host thread writes the
// request area again until the guest has answered that id (it may still be reading the request),
// and that late response is then discarded and counted.
//
// The doorbells (one per slot each way) follow sync/doorbell.hpp: the waker checks the sleep
// flag after a light fence and makes the futex syscall only when the sleeper announced itself.

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "channel/slots/slots_segment.hpp"
#include "core/stamp_clock.hpp"
#include "ipc/detail/atomic.hpp"
#include "ipc/futex.hpp"
#include "ipc/shm.hpp"
#include "ipc/slots.hpp"
#include "sync/end_holder.hpp"
#include "sync/handshake.hpp"
#include "sync/local_bell.hpp"
#include "sync/wait_loop.hpp"

namespace ipc {

using layout::response_status;
using std::memory_order_acquire;
using std::memory_order_relaxed;
using std::memory_order_release;

namespace detail {

// Host-private facts about one slot, on its own cache line (host threads use different slots).
struct alignas(64) host_slot {
    // 1 while a call holds the slot: host threads claim it with a CAS (acquire) and release it
    // (release) when the call ends, which also hands the slot's statistics to the next holder.
    std::atomic<std::uint32_t> busy{0};
    // The id of the call holding the slot: a ticket that names another id is stale.
    std::atomic<std::uint64_t> current_id{0};
    // The guest found dead on this slot (owner word and start time, so that a successor with a
    // reused pid is not mistaken for it): the slot is skipped until another guest takes it.
    std::atomic<std::uint64_t> dead_owner{0};
    std::atomic<std::uint64_t> dead_start_time{0};
    // When the call holding the slot was posted (a stamp of the host's clock; 0 when not
    // counting). Kept here, not in the slot, where a guest could change it.
    std::uint64_t sent_stamp = 0;
    // Calls finished on this slot, for note_traffic on its response bell.
    std::uint64_t finished = 0;
};

struct slots_host_state {
    unique_fd fd;
    mapping map;
    std::string object;
    slots_view view;
    bool keep_segment = false;
    bool counting = true;  // per-slot statistics and timestamps
    detail::stamp_clock clock = detail::process_stamp_clock();
    wait_strategy wait = wait_strategy::adaptive;
    telemetry::endpoint counters;
    error telemetry_error;
    std::atomic<bool> peer_recorded{false};
    std::unique_ptr<host_slot[]> slots;
    // Where host threads sleep for each slot's response: published once at open and kept, since
    // a sleeper must sleep through the object that chose its sleep mode.
    std::vector<doorbell> response_bells;
    alignas(64) std::atomic<std::uint64_t> next_id{1};
    // Host threads that wait for a free slot sleep here; a thread that frees a slot rings it.
    local_bell freed;

    layout::segment_header& header() const noexcept {
        return *reinterpret_cast<layout::segment_header*>(map.data());
    }

    // Tells guests to stop, detaches, and unlinks the segment unless asked to keep it.
    ~slots_host_state() {
        if (!map.valid()) {
            return;
        }
        auto& c = view.control();
        // Release: a worker that acquires shutdown stops; ringing every bell wakes sleeping ones.
        store(c.shutdown, std::uint32_t{1}, std::memory_order_release);
        release_end(c.host);
        for (std::uint32_t i = 0; i < view.count(); ++i) {
            view.own_guest_bell(i).ring_always();
        }
        if (!keep_segment) {
            // Removed unless a new host took the segment over meanwhile.
            const auto pid = [&] {
                return layout::owner_pid(load(c.host.owner, memory_order_acquire));
            };
            const std::int32_t mine = pid();
            (void)detail::remove_if_unused(object, fd.get(), header(),
                                           [&] { return pid() == mine; });
        }
    }
};

}  // namespace detail

namespace {

using detail::slots_host_state;
using detail::slots_view;

constexpr std::uint32_t attach_attempts = 4;
constexpr auto peer_check_ns = std::chrono::nanoseconds(peer_check_interval).count();

// The detail text of a handler failure names the guest handler's code ("...: timeout").
const char* handler_failure_detail(std::uint32_t code) {
    constexpr std::size_t codes = static_cast<std::size_t>(errc::peer_closed) + 1;
    static const std::array<std::string, codes> texts = [] {
        std::array<std::string, codes> t;
        for (std::size_t i = 0; i < codes; ++i) {
            t[i] = std::string("the guest's handler failed: ") + to_string(static_cast<errc>(i));
        }
        return t;
    }();
    return code < codes ? texts[code].c_str() : "the guest's handler failed";
}

std::uint64_t answered_id(const slots_view& v, std::uint32_t i) noexcept {
    // Acquire: pairs with the guest's release of response_id; the response is visible.
    return detail::load(v.response(i).response_id, memory_order_acquire);
}

// ---- opening ----

bool any_guest_alive(const slots_view& v) noexcept {
    for (std::uint32_t i = 0; i < v.count(); ++i) {
        const auto& holder = v.slot_control(i).guest;
        if (detail::end_pid(holder) != 0 && detail::end_alive(holder)) {
            return true;
        }
    }
    return false;
}

// A new host takes over a segment whose host died while guests still serve it. A call the dead
// host left pending is abandoned and cancelled: nobody waits for it any more, so a worker that
// has not started it does not run it, and its answer is discarded when it comes.
void take_over(const slots_view& v) noexcept {
    auto& c = v.control();
    detail::fetch_add(c.host_epoch, std::uint32_t{1}, memory_order_relaxed);
    detail::store(c.shutdown, std::uint32_t{0}, memory_order_release);
    for (std::uint32_t i = 0; i < v.count(); ++i) {
        auto& stats = v.stats(i);
        std::memset(&stats, 0, sizeof stats);
        const auto pending = detail::load(v.request(i).request_id, memory_order_relaxed);
        if (pending != answered_id(v, i)) {
            stats.abandoned_id = pending;
            detail::store(v.request(i).cancelled_id, pending, memory_order_relaxed);
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
            detail::open_segment(object, access::read_write, detail::slots_spec, o.trusted_owners);
        if (!seg) {
            if (seg.code() == errc::not_ready) {
                (void)detail::remove_leftover(object);  // its creator died before finishing it
            }
            if (seg.code() == errc::not_found || seg.code() == errc::not_ready) {
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
        // Take over only from a host that died: one that closed told its guests to stop, and
        // they are leaving.
        const bool host_crashed =
            layout::owner_state(detail::load(c.host.owner, memory_order_acquire)) ==
            static_cast<std::uint32_t>(layout::end_state::attached);
        const auto unused = [&] {
            return !(detail::end_pid(c.host) != 0 && detail::end_alive(c.host)) &&
                   (!host_crashed || !any_guest_alive(view));
        };
        if (unused()) {
            (void)detail::remove_if_unused(object, seg->fd.get(), seg->header(), unused);
            continue;  // replaced, or changed under us: look again
        }
        if (!(*stored == g)) {
            return error{errc::geometry_mismatch,
                         "live guests serve this name with other slot sizes"};
        }
        if (auto claimed = detail::claim_end(c.host); !claimed) {
            return claimed.error_value();
        }
        if (detail::being_removed(seg->header())) {
            detail::release_end(c.host);
            continue;
        }
        take_over(view);
        return seg;
    }
    return error{errc::busy, "the slots segment kept changing while attaching"};
}

// ---- calls ----

// Whether slot i has a guest that may serve a call: attached, and not the one found dead.
// (A guest found dead by an earlier call is skipped; one that died unnoticed is found by the
// next call's liveness check, which then reports peer_gone.)
bool guest_usable(const slots_host_state& s, std::uint32_t i) noexcept {
    const auto& holder = s.view.slot_control(i).guest;
    // Acquire: pairs with the guest's release of "attached"; its start_time is visible.
    const auto owner = detail::load(holder.owner, memory_order_acquire);
    if (layout::owner_state(owner) != static_cast<std::uint32_t>(layout::end_state::attached)) {
        return false;
    }
    return owner != s.slots[i].dead_owner.load(memory_order_relaxed) ||
           detail::load(holder.start_time, memory_order_relaxed) !=
               s.slots[i].dead_start_time.load(memory_order_relaxed);
}

void count(const slots_host_state& s, std::uint64_t& counter) noexcept {
    if (s.counting) {
        detail::bump(counter, std::uint64_t{1});
    }
}

void note_refused(slots_host_state& s) noexcept {
    if (s.counting) {
        detail::fetch_add(s.view.control().calls_refused, std::uint64_t{1}, memory_order_relaxed);
    }
}

// Ends the call holding slot i and wakes a host thread waiting for a free slot.
void release_slot(slots_host_state& s, std::uint32_t i) noexcept {
    if (s.counting) {
        detail::store(s.view.stats(i).in_flight, std::uint64_t{0}, memory_order_relaxed);
    }
    s.slots[i].current_id.store(0, memory_order_relaxed);
    // Release: our slot_stats writes (and abandoned_id) happen-before the next holder's CAS.
    s.slots[i].busy.store(0, memory_order_release);
    s.freed.notify();
}

// Tries to take slot i for a new call. A slot whose abandoned call the guest has not answered yet
// is not free: the guest may still be reading its request.
bool try_claim(slots_host_state& s, std::uint32_t i) noexcept {
    std::uint32_t idle = 0;
    if (!s.slots[i].busy.compare_exchange_strong(idle, 1, memory_order_acquire,
                                                 memory_order_relaxed)) {
        return false;
    }
    auto& stats = s.view.stats(i);
    const auto abandoned = detail::load(stats.abandoned_id, memory_order_relaxed);
    if (abandoned == 0) {
        return true;
    }
    if (answered_id(s.view, i) != abandoned) {
        s.slots[i].busy.store(0, memory_order_release);
        return false;
    }
    count(s, stats.late_responses);
    detail::store(stats.abandoned_id, std::uint64_t{0}, memory_order_relaxed);
    return true;
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
    auto& r = s.view.request(i);
    const std::uint64_t id = s.next_id.fetch_add(1, memory_order_relaxed);
    s.slots[i].current_id.store(id, memory_order_relaxed);
    if (!request.empty()) {
        std::memcpy(s.view.request_area(i), request.data(), request.size());
    }
    detail::store(r.request_length, static_cast<std::uint32_t>(request.size()),
                  memory_order_relaxed);
    std::uint64_t now = 0;
    if (s.counting) {
        now = s.clock.now();
        s.slots[i].sent_stamp = now;
        auto& stats = s.view.stats(i);
        detail::bump(stats.calls, std::uint64_t{1});
        detail::bump(stats.bytes_out, std::uint64_t{request.size()});
        detail::store(stats.in_flight, std::uint64_t{1}, memory_order_relaxed);
    }
    detail::store(r.request_stamp, now, memory_order_relaxed);
    // Release: the request and the fields above happen-before the worker that acquires the id.
    detail::store(r.request_id, id, memory_order_release);
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
    const std::uint64_t now = s.clock.now();
    const std::uint64_t rtt = s.clock.elapsed_ns(s.slots[i].sent_stamp, now);
    detail::bump(stats.completed, std::uint64_t{1});
    detail::bump(stats.bytes_in, std::uint64_t{bytes});
    detail::bump(stats.latency_buckets[histogram::bucket_of(rtt)], std::uint64_t{1});
    detail::bump(stats.latency_count, std::uint64_t{1});
    detail::bump(stats.latency_sum_ns, rtt);
    if (rtt > detail::load(stats.latency_max_ns, memory_order_relaxed)) {
        detail::store(stats.latency_max_ns, rtt, memory_order_relaxed);
    }
    detail::store(stats.last_activity, now, memory_order_relaxed);
}

// What the guest's response says. Every field is the guest's word: checked before use.
result<std::size_t> read_response(slots_host_state& s, std::uint32_t i,
                                  std::span<std::byte> response) noexcept {
    const auto& r = s.view.response(i);
    const auto length = detail::load(r.response_length, memory_order_relaxed);
    switch (static_cast<response_status>(detail::load(r.response_status, memory_order_relaxed))) {
        case response_status::ok:
            break;
        case response_status::handler_failed:
            return error{errc::handler_failed, handler_failure_detail(detail::load(
                                                   r.handler_error, memory_order_relaxed))};
        case response_status::response_too_large:
            return error{errc::message_too_large,
                         "the guest's response exceeded the response area"};
        case response_status::bad_request:
            return error{errc::corrupt, "the guest found the request length out of range"};
        case response_status::guest_gone:
            return error{errc::peer_gone, "the guest serving this call died"};
        case response_status::cancelled:
            return error{errc::corrupt, "the guest answered a live call as cancelled"};
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

// The response has come: hand it over, count it, end the call.
result<std::size_t> finish(slots_host_state& s, std::uint32_t i,
                           std::span<std::byte> response) noexcept {
    auto r = read_response(s, i, response);
    if (r) {
        record_round_trip(s, i, *r);
        // A plain load first: an exchange on every call would be a locked write to a line that
        // every host thread shares.
        if (!s.peer_recorded.load(memory_order_relaxed) &&
            !s.peer_recorded.exchange(true, memory_order_relaxed)) {
            s.counters.set_peer(detail::end_pid(s.view.slot_control(i).guest));
        }
    } else {
        count(s, s.view.stats(i).failed);
    }
    if (++s.slots[i].finished % detail::traffic_note_interval == 0) {
        s.response_bells[i].note_traffic();  // before the slot passes to another thread
    }
    release_slot(s, i);
    return r;
}

// The call ends without its response (timeout, cancel, guest gone): a worker that has not
// started it answers `cancelled` instead of running it, and the slot takes no new request until
// that answer (or the real one) has come.
void abandon(slots_host_state& s, std::uint32_t i, std::uint64_t id,
             std::uint64_t& counter) noexcept {
    count(s, counter);
    detail::store(s.view.request(i).cancelled_id, id, memory_order_relaxed);
    detail::store(s.view.stats(i).abandoned_id, id, memory_order_relaxed);
    release_slot(s, i);
}

// The call gives up: take (`deliver`) or discard a response that just came, or abandon it.
result<std::size_t> give_up(slots_host_state& s, std::uint32_t i, std::uint64_t id,
                            std::span<std::byte> response, bool deliver) noexcept {
    auto& stats = s.view.stats(i);
    if (answered_id(s.view, i) == id) {
        if (deliver) {
            return finish(s, i, response);
        }
        count(s, stats.late_responses);
        release_slot(s, i);
        return error{errc::timeout, "the call was cancelled; its response was discarded"};
    }
    abandon(s, i, id, stats.timeouts);
    return error{errc::timeout, "the call timed out; its late response will be discarded"};
}

// The guest serving slot i (`gone`, as the liveness check saw it) died or left before answering.
result<std::size_t> lost_guest(slots_host_state& s, std::uint32_t i, std::uint64_t id,
                               const detail::end_view& gone,
                               std::span<std::byte> response) noexcept {
    s.slots[i].dead_owner.store(gone.owner, memory_order_relaxed);
    s.slots[i].dead_start_time.store(gone.start_time, memory_order_relaxed);
    if (answered_id(s.view, i) == id) {
        return finish(s, i, response);  // it answered before it went
    }
    abandon(s, i, id, s.view.stats(i).failed);
    return error{errc::peer_gone, "the guest serving this call is gone"};
}

result<void> response_arrived(const slots_host_state& s, std::uint32_t i,
                              std::uint64_t id) noexcept {
    if (answered_id(s.view, i) == id) {
        return {};
    }
    return error{errc::empty, "no response yet"};
}

// Waits for the response of a posted call. Timeout leaves the call pending.
result<std::size_t> await(slots_host_state& s, const call_ticket& t, std::span<std::byte> response,
                          const deadline& until) noexcept {
    const auto i = t.slot;
    auto arrived = response_arrived(s, i, t.id);
    detail::end_view guest{};
    if (!arrived && !until.passed(monotonic_ns())) {
        arrived = detail::wait_loop(
            s.wait, until, peer_check_ns, errc::empty, [&] { return response_arrived(s, i, t.id); },
            s.response_bells[i],
            [&] {
                guest = detail::examine_end(s.view.slot_control(i).guest);
                return detail::alive_or_gone(guest.alive);
            });
    }
    if (arrived) {
        return finish(s, i, response);
    }
    if (arrived.code() == errc::peer_gone) {
        return lost_guest(s, i, t.id, guest, response);
    }
    return error{errc::timeout, "no response in time"};
}

// A call waits for its response until the deadline, then gives up.
result<std::size_t> complete(slots_host_state& s, const call_ticket& t,
                             std::span<std::byte> response, const deadline& until) noexcept {
    auto r = await(s, t, response, until);
    if (r.code() == errc::timeout) {
        return give_up(s, t.slot, t.id, response, true);
    }
    return r;
}

// Waits for a slot that `claim` (any slot, or one) can take, until the deadline. Kept out of
// line: inlined into the call path, it slowed the response poll loop there by about 60 ns.
template <class Claim>
[[gnu::noinline]] result<std::uint32_t> wait_for_slot(slots_host_state& s, const deadline& until,
                                                      const Claim& claim) noexcept {
    if (until.passed(monotonic_ns())) {
        return error{errc::busy, "no slot is free"};
    }
    // A late response makes a slot claimable without ringing the bell: sleeps are capped at the
    // peer check interval, so such a slot is found within it.
    detail::local_bell::sleeper sleeper(s.freed);
    return detail::wait_loop(s.wait, until, peer_check_ns, errc::busy, claim, sleeper,
                             [] { return error{}; });
}

// A blocking call: claims with `claim`, posts, waits for the response, gives up at the deadline.
template <class Claim>
result<std::size_t> blocking_call(slots_host_state& s, Claim&& claim,
                                  std::span<const std::byte> request, std::span<std::byte> response,
                                  const deadline& until) noexcept {
    // A timeout of zero or less leaves no time for an answer: post nothing.
    auto slot =
        until.immediate() ? result<std::uint32_t>(error{errc::busy, "no time to wait"}) : claim();
    if (slot.code() == errc::busy && !until.immediate()) {
        slot = wait_for_slot(s, until, claim);
    }
    if (!slot) {
        note_refused(s);
        return slot.code() == errc::busy ? error{errc::timeout, "no slot became free in time"}
                                         : slot.error_value();
    }
    return complete(s, post(s, *slot, request), response, until);
}

}  // namespace

// ---- slots_host ----

bool slots_host::holds(const call_ticket& ticket) const noexcept {
    return state_ && ticket.pending() && ticket.slot < state_->view.count() &&
           state_->slots[ticket.slot].current_id.load(memory_order_relaxed) == ticket.id;
}

result<detail::slots_host_state*> slots_host::accepting(
    std::span<const std::byte> request) noexcept {
    if (!state_) {
        return error{errc::closed, "the slots host is closed"};
    }
    if (request.size() > state_->view.geometry().request_capacity) {
        note_refused(*state_);
        return error{errc::message_too_large, "request is larger than the request area"};
    }
    return state_.get();
}

// Closing is the state's destructor, so that moving a host onto another closes the old one.
slots_host::slots_host() noexcept = default;
slots_host::slots_host(slots_host&&) noexcept = default;
slots_host& slots_host::operator=(slots_host&&) noexcept = default;
slots_host::~slots_host() = default;

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
    auto& control = s->view.control();
    detail::store(control.host_clock, static_cast<std::uint32_t>(s->clock.kind()),
                  memory_order_relaxed);
    detail::store(control.host_ticks_per_second, s->clock.rate().ticks_per_second,
                  memory_order_relaxed);
    const auto epoch = detail::load(control.host_epoch, memory_order_relaxed);
    s->next_id.store((std::uint64_t{epoch} << 40) + 1, memory_order_relaxed);
    const auto mode = detail::sleep_mode_for(o.wait, false);
    for (std::uint32_t i = 0; i < g->slot_count; ++i) {
        s->response_bells.push_back(s->view.host_bell(i));
        s->response_bells.back().publish_sleep_mode(mode);
    }
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
    const deadline until(timeout);
    auto s = accepting(request);
    if (!s) {
        return s.error_value();
    }
    return blocking_call(
        **s, [&] { return claim_any(**s); }, request, response, until);
}

result<std::size_t> slots_host::call_on(std::uint32_t slot, std::span<const std::byte> request,
                                        std::span<std::byte> response,
                                        std::chrono::nanoseconds timeout) noexcept {
    const deadline until(timeout);
    auto s = accepting(request);
    if (!s) {
        return s.error_value();
    }
    return blocking_call(
        **s, [&] { return claim_one(**s, slot); }, request, response, until);
}

result<call_ticket> slots_host::submit(std::span<const std::byte> request) noexcept {
    auto s = accepting(request);
    if (!s) {
        return s.error_value();
    }
    auto slot = claim_any(**s);
    if (!slot) {
        note_refused(**s);
        return slot.error_value();
    }
    return post(**s, *slot, request);
}

result<call_ticket> slots_host::submit_on(std::uint32_t slot,
                                          std::span<const std::byte> request) noexcept {
    auto s = accepting(request);
    if (!s) {
        return s.error_value();
    }
    auto claimed = claim_one(**s, slot);
    if (!claimed) {
        note_refused(**s);
        return claimed.error_value();
    }
    return post(**s, *claimed, request);
}

result<std::size_t> slots_host::wait(call_ticket& ticket, std::span<std::byte> response,
                                     std::chrono::nanoseconds timeout) noexcept {
    if (!state_) {
        return error{errc::closed, "the slots host is closed"};
    }
    if (!holds(ticket)) {
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
    if (holds(ticket)) {
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
        const auto& holder = state_->view.slot_control(i).guest;
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
    state_.reset();
}

}  // namespace ipc
