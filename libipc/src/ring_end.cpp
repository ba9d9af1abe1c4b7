#include "ring_end.hpp"

#include "ipc/detail/atomic.hpp"
#include "ipc/process.hpp"

namespace ipc::detail {

using layout::end_state;
using std::memory_order_acquire;
using std::memory_order_relaxed;
using std::memory_order_release;

namespace {
constexpr auto attached = static_cast<std::uint32_t>(end_state::attached);

}  // namespace

bool end_alive(const layout::ring_end& end) noexcept {
    const std::uint32_t state = load(end.state, memory_order_acquire);
    if (state == static_cast<std::uint32_t>(end_state::none)) {
        return true;
    }
    if (state != attached) {
        return false;
    }
    const std::int32_t pid = load(end.pid, memory_order_acquire);
    // start_time 0 means a claim is in progress: fall back to the pid alone.
    return is_alive(pid, load(end.start_time, memory_order_relaxed));
}

std::int32_t end_pid(const layout::ring_end& end) noexcept {
    return load(end.state, memory_order_acquire) == attached ? load(end.pid, memory_order_relaxed)
                                                              : 0;
}

result<void> claim_end(layout::ring_end& end) noexcept {
    const process_identity me = self_identity();
    for (;;) {
        std::int32_t holder = load(end.pid, memory_order_acquire);
        const std::uint32_t state = load(end.state, memory_order_acquire);
        if (state == attached && holder != 0 &&
            is_alive(holder, load(end.start_time, memory_order_relaxed))) {
            return error{errc::busy, "that end of the ring is held by a live process"};
        }
        // Zero the start time before taking the pid: a racing claimant that reads our pid then
        // reads 0 or our start time (never the dead holder's) and so sees us as alive.
        store(end.start_time, std::uint64_t{0}, memory_order_relaxed);
        if (compare_exchange(end.pid, holder, me.pid)) {
            store(end.start_time, me.start_time, memory_order_release);
            store(end.state, attached, memory_order_release);
            return {};
        }
    }
}

}  // namespace ipc::detail
