#include "sync/end_holder.hpp"

#include "ipc/detail/atomic.hpp"
#include "ipc/process.hpp"

namespace ipc::detail {

using layout::end_state;
using layout::make_owner;
using layout::owner_pid;
using layout::owner_state;
using std::memory_order_acquire;
using std::memory_order_relaxed;
using std::memory_order_release;

namespace {

constexpr auto attached = static_cast<std::uint32_t>(end_state::attached);
constexpr auto claiming = static_cast<std::uint32_t>(end_state::claiming);

// Whether the holder recorded in `owner` runs. Acquire on owner (by the caller) pairs with the
// holder's release store of attached, so start_time read here is the holder's own.
bool holder_alive(const layout::end_holder& end, std::uint64_t owner) noexcept {
    const std::uint32_t state = owner_state(owner);
    if (state == claiming) {
        return is_alive(owner_pid(owner), 0);  // start_time not written yet: pid alone
    }
    return state == attached &&
           is_alive(owner_pid(owner), load(end.start_time, memory_order_relaxed));
}

}  // namespace

bool end_alive(const layout::end_holder& end) noexcept {
    const std::uint64_t owner = load(end.owner, memory_order_acquire);
    if (owner_state(owner) == static_cast<std::uint32_t>(end_state::none)) {
        return true;
    }
    return holder_alive(end, owner);
}

error peer_status(const layout::end_holder& end) noexcept {
    const std::uint64_t owner = load(end.owner, memory_order_acquire);
    const std::uint32_t state = owner_state(owner);
    if (state == static_cast<std::uint32_t>(end_state::none)) {
        return {};
    }
    if (state == static_cast<std::uint32_t>(end_state::closed)) {
        return error{errc::peer_closed, "the peer closed its end"};
    }
    return holder_alive(end, owner) ? error{} : error{errc::peer_gone, "the peer process died"};
}

bool end_closed(const layout::end_holder& end) noexcept {
    return owner_state(load(end.owner, memory_order_acquire)) ==
           static_cast<std::uint32_t>(end_state::closed);
}

bool end_unattached(const layout::end_holder& end) noexcept {
    return owner_state(load(end.owner, memory_order_acquire)) ==
           static_cast<std::uint32_t>(end_state::none);
}

end_view examine_end(const layout::end_holder& end) noexcept {
    // Acquire on owner: start_time read next is that holder's own (see holder_alive).
    const std::uint64_t owner = load(end.owner, memory_order_acquire);
    const std::uint64_t start_time = load(end.start_time, memory_order_relaxed);
    const bool alive = owner_state(owner) == static_cast<std::uint32_t>(end_state::none) ||
                       holder_alive(end, owner);
    return {owner, start_time, alive};
}

std::int32_t end_pid(const layout::end_holder& end) noexcept {
    const std::uint64_t owner = load(end.owner, memory_order_acquire);
    const std::uint32_t state = owner_state(owner);
    return state == attached || state == claiming ? owner_pid(owner) : 0;
}

result<void> claim_end(layout::end_holder& end) noexcept {
    const process_identity me = self_identity();
    for (;;) {
        std::uint64_t owner = load(end.owner, memory_order_acquire);
        if (holder_alive(end, owner)) {
            return error{errc::busy, "that end of the channel is held by a live process"};
        }
        // One CAS on the packed word picks a single winner among racing claimants; a loser
        // re-reads, finds the winner claiming or attached and alive, and reports busy.
        if (compare_exchange(end.owner, owner, make_owner(me.pid, end_state::claiming))) {
            store(end.start_time, me.start_time, memory_order_relaxed);
            // Release: start_time happens-before an observer that acquires "attached".
            store(end.owner, make_owner(me.pid, end_state::attached), memory_order_release);
            return {};
        }
    }
}

void take_fresh_end(layout::end_holder& end) noexcept {
    const process_identity me = self_identity();
    end.start_time = me.start_time;
    end.owner = make_owner(me.pid, end_state::attached);
}

void release_end(layout::end_holder& end) noexcept {
    const std::uint64_t owner = load(end.owner, memory_order_relaxed);
    store(end.owner, make_owner(owner_pid(owner), end_state::closed), memory_order_release);
}

}  // namespace ipc::detail
