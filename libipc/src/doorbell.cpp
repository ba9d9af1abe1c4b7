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

void doorbell::publish_fence_need(bool sleeps_often) noexcept {
    const bool needs = sleeps_often || !asymmetric_fences_available();
    store(*needs_fence_, std::uint32_t{needs ? 1u : 0u}, memory_order_relaxed);
    // If membarrier failed and we did not ask for fences, our sleeps must stay short.
    fence_ok_ = heavy_fence() || needs;
}

std::uint32_t doorbell::announce() noexcept {
    const std::uint32_t seq = load(*seq_, memory_order_acquire);
    store(*sleeping_, std::uint32_t{1}, memory_order_relaxed);
    // A sleeper that asked for fences needs only a local one; otherwise it pays for membarrier.
    if (load(*needs_fence_, memory_order_relaxed) != 0) {
        std::atomic_thread_fence(std::memory_order_seq_cst);
    } else {
        fence_ok_ = heavy_fence();
    }
    return seq;
}

void doorbell::sleep(std::uint32_t seq, std::uint64_t timeout_ns) noexcept {
    (void)futex::wait(seq_, seq,
                      fence_ok_ ? timeout_ns : std::min(timeout_ns, fallback_sleep_slice_ns));
}

void doorbell::end() noexcept {
    store(*sleeping_, std::uint32_t{0}, memory_order_relaxed);
}

bool doorbell::sleeper_waiting() const noexcept {
    light_fence(load(*needs_fence_, memory_order_relaxed) != 0);
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
