#include "sync/doorbell.hpp"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>

#include "ipc/clock.hpp"
#include "ipc/detail/atomic.hpp"
#include "ipc/futex.hpp"
#include "sync/handshake.hpp"

namespace ipc::detail {

using std::memory_order_acquire;
using std::memory_order_relaxed;
using std::memory_order_release;

namespace {

// Resets an eventfd's count (non-blocking: nothing to reset is not an error).
void drain(int fd) noexcept {
    std::uint64_t count = 0;
    while (::read(fd, &count, sizeof count) < 0 && errno == EINTR) {
    }
}

// Waits until `fd` or `process` (a pidfd; -1: none) is readable; true when the process says
// anything (it exited; or an error, which must not make every later wait return at once).
bool poll_readable(int fd, int process, short process_events, std::uint64_t timeout_ns) noexcept {
    pollfd p[2] = {{fd, POLLIN, 0}, {process, process_events, 0}};
    const timespec ts{static_cast<time_t>(timeout_ns / 1'000'000'000u),
                      static_cast<long>(timeout_ns % 1'000'000'000u)};
    // EINTR: the caller's loop re-checks and sleeps again.
    const int ready = ::ppoll(p, process >= 0 ? 2 : 1, &ts, nullptr);
    return ready > 0 && process >= 0 && p[1].revents != 0;
}

}  // namespace

sleep_mode sleep_mode_for(wait_strategy strategy, bool eventfd) noexcept {
    if (eventfd || strategy == wait_strategy::blocking) {
        return sleep_mode::often;
    }
    return strategy == wait_strategy::adaptive ? sleep_mode::adapts : sleep_mode::rarely;
}

void doorbell::publish_sleep_mode(sleep_mode mode) noexcept {
    mode_ = mode;
    publish_membarrier(mode != sleep_mode::often && asymmetric_fences_available());
}

void doorbell::publish_membarrier(bool use) noexcept {
    uses_membarrier_ = use;
    store(*uses_membarrier_word_, std::uint32_t{use ? 1u : 0u}, memory_order_relaxed);
    // A waker that still reads our (or a previous holder's) 1 would skip its fence: the
    // membarrier makes every waker that looked before it returns have its index store visible,
    // and every later one see our 0 (handshake.hpp). Without membarrier we cannot be sure, so
    // sleeps are capped.
    wakeups_reliable_ = heavy_fence() || uses_membarrier_;
}

// A membarrier per sleep costs microseconds of IPIs: at 10 k sleeps/s it took an adaptive reader
// from 16 % to 65 % CPU (docs/BENCHMARKS.md). Sleeping that often, the sleeper asks its wakers
// to fence instead (a few ns per message); when sleeps grow rare again it lets them skip it.
void doorbell::adapt_to_pace() noexcept {
    const std::uint64_t now = monotonic_ns();
    const std::uint64_t gap = now - last_announce_ns_;
    last_announce_ns_ = now;
    if (uses_membarrier_ && gap < adapt_often_gap_ns) {
        publish_membarrier(false);
    } else if (!uses_membarrier_ && gap > adapt_rarely_gap_ns && asymmetric_fences_available()) {
        publish_membarrier(true);
    }
}

void doorbell::relax_if_quiet() noexcept {
    if (asymmetric_fences_available() && monotonic_ns() - last_announce_ns_ > adapt_rarely_gap_ns) {
        publish_membarrier(true);
    }
}

std::uint32_t doorbell::announce() noexcept {
    if (mode_ == sleep_mode::adapts) {
        adapt_to_pace();
    }
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
    const std::uint64_t slice =
        wakeups_reliable_ ? timeout_ns : std::min(timeout_ns, fallback_sleep_slice_ns);
    if (event_fd_ < 0) {
        (void)futex::wait(seq_, seq, slice);
        return;
    }
    if (poll_readable(event_fd_, peer_process_, peer_events_, slice)) {
        // It stays readable: told once. (Should the end's holder be another, living process,
        // later sleeps must not return at once.)
        peer_process_ = -1;
        peer_exited_ = true;
    }
    drain(event_fd_);
}

void doorbell::end() noexcept {
    store(*sleeping_, std::uint32_t{0}, memory_order_relaxed);
    armed_ = false;
}

bool doorbell::arm() noexcept {
    // Drained first, every time: a waker clears the flag before it writes, so its write can
    // land after a newer announcement; left in the count, it would keep the fd readable for an
    // event loop whose tries find nothing to do.
    if (event_fd_ >= 0) {
        drain(event_fd_);
    }
    // Still 1: nobody rang since our announcement and re-check, and a waker that publishes now
    // sees the flag (the Dekker pair), so the eventfd will become readable. A waker that
    // cleared it before this load has published (we re-announce and re-check); one that clears
    // it after this load writes after our drain.
    if (armed_ && load(*sleeping_, memory_order_relaxed) != 0) {
        return false;
    }
    (void)announce();
    armed_ = true;
    return true;
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
    if (event_fd_ >= 0) {
        // Cleared first so that an armed sleeper re-arms (and re-checks) instead of trusting its
        // standing announcement.
        store(*sleeping_, std::uint32_t{0}, memory_order_relaxed);
        const std::uint64_t one = 1;
        while (::write(event_fd_, &one, sizeof one) < 0 && errno == EINTR) {
        }
        return;
    }
    fetch_add(*seq_, std::uint32_t{1}, memory_order_release);
    futex::wake(seq_, 1);
}

}  // namespace ipc::detail
