#include "sync/local_bell.hpp"

#include <algorithm>
#include <climits>

#include "ipc/detail/atomic.hpp"
#include "ipc/futex.hpp"
#include "sync/handshake.hpp"

namespace ipc::detail {

using std::memory_order_acquire;
using std::memory_order_relaxed;
using std::memory_order_release;

void local_bell::notify() noexcept {
    // The waker's half of the Dekker pair: a compiler barrier when sleepers use membarrier.
    light_fence(!asymmetric_fences_available());
    if (load(sleepers_, memory_order_relaxed) != 0) {
        fetch_add(seq_, std::uint32_t{1}, memory_order_release);
        futex::wake(&seq_, INT_MAX);
    }
}

std::uint32_t local_bell::sleeper::announce() noexcept {
    fetch_add(bell_.sleepers_, std::uint32_t{1}, memory_order_relaxed);
    const std::uint32_t seq = load(bell_.seq_, memory_order_acquire);
    // membarrier when registered (the waker then skips its fence); a full fence otherwise, and
    // the waker fences too. A failed membarrier leaves the waker unfenced: cap the sleep.
    wakeups_reliable_ = heavy_fence() || !asymmetric_fences_available();
    return seq;
}

void local_bell::sleeper::sleep(std::uint32_t seq, std::uint64_t timeout_ns) noexcept {
    (void)futex::wait(
        &bell_.seq_, seq,
        wakeups_reliable_ ? timeout_ns : std::min(timeout_ns, fallback_sleep_slice_ns));
}

void local_bell::sleeper::end() noexcept {
    fetch_add(bell_.sleepers_, std::uint32_t{0} - 1, memory_order_relaxed);
}

}  // namespace ipc::detail
