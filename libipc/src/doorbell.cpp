#include "ipc/detail/doorbell.hpp"

#include <algorithm>
#include <atomic>

#include "ipc/detail/atomic.hpp"
#include "ipc/detail/handshake.hpp"
#include "ipc/futex.hpp"

namespace ipc::detail {

using std::memory_order_acquire;
using std::memory_order_relaxed;
using std::memory_order_release;

void doorbell::publish_sleep_mode(bool sleeps_often) noexcept {
    uses_membarrier_ = !sleeps_often && asymmetric_fences_available();
    store(*uses_membarrier_word_, std::uint32_t{uses_membarrier_ ? 1u : 0u}, memory_order_relaxed);
    // A waker that still reads a previous holder's 1 would skip its fence: the membarrier makes
    // it see our 0 before we first sleep. Without membarrier we cannot be sure, so cap sleeps.
    wakeups_reliable_ = heavy_fence() || uses_membarrier_;
}

std::uint32_t doorbell::announce() noexcept {
    const std::uint32_t seq = load(*seq_, memory_order_acquire);
    store(*sleeping_, std::uint32_t{1}, memory_order_relaxed);
    if (uses_membarrier_) {
        // The waker may skip its fence: membarrier makes its CPU execute one for it.
        wakeups_reliable_ = heavy_fence();
    } else {
        std::atomic_thread_fence(std::memory_order_seq_cst);  // the waker fences too
    }
    return seq;
}

void doorbell::sleep(std::uint32_t seq, std::uint64_t timeout_ns) noexcept {
    (void)futex::wait(
        seq_, seq, wakeups_reliable_ ? timeout_ns : std::min(timeout_ns, fallback_sleep_slice_ns));
}

void doorbell::end() noexcept {
    store(*sleeping_, std::uint32_t{0}, memory_order_relaxed);
}

bool doorbell::sleeper_waiting() const noexcept {
    light_fence(load(*uses_membarrier_word_, memory_order_relaxed) == 0);
    return load(*sleeping_, memory_order_relaxed) != 0;
}

void doorbell::ring() noexcept {
    if (exchange(*sleeping_, std::uint32_t{0}, memory_order_relaxed) != 0) {
        ring_always();
    }
}

void doorbell::ring_always() noexcept {
    fetch_add(*seq_, std::uint32_t{1}, memory_order_release);
    futex::wake(seq_, 1);
}

}  // namespace ipc::detail
