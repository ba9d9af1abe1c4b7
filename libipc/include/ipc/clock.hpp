#pragma once
// Time: CLOCK_MONOTONIC nanoseconds for deadlines, and ipc::timestamp, the clock channels stamp
// messages with (the TSC where it is invariant), whose stamps compare across processes.

#include <time.h>

#include <chrono>
#include <cstdint>

namespace ipc {

// Timeout meaning "wait as long as it takes".
inline constexpr std::chrono::nanoseconds forever = std::chrono::nanoseconds::max();

inline std::uint64_t monotonic_ns() noexcept {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u +
           static_cast<std::uint64_t>(ts.tv_nsec);
}

// A point in time on the clock that libipc stamps messages with: the TSC where the CPU promises
// an invariant one (a few ns to read), else CLOCK_MONOTONIC, chosen once per process
// (IPC_CLOCK=monotonic forces the latter). Every process on the host reads the same clock, so
// a stamp taken in one process can be compared with one taken in another, whichever clock
// each chose.
class timestamp {
  public:
    constexpr timestamp() noexcept = default;
    constexpr explicit timestamp(std::uint64_t raw) noexcept : raw_(raw) {}
    static timestamp now() noexcept;

    // The stamp as stored in shared memory (a tagged count: not nanoseconds).
    constexpr std::uint64_t raw() const noexcept { return raw_; }
    // Nanoseconds from this stamp to `later`; 0 when `later` is not after it.
    std::uint64_t ns_until(timestamp later) const noexcept;
    std::uint64_t age_ns() const noexcept { return ns_until(now()); }

  private:
    std::uint64_t raw_ = 0;
};

// An absolute point in monotonic time; `forever` maps to a deadline that never passes.
class deadline {
  public:
    explicit deadline(std::chrono::nanoseconds timeout) noexcept {
        if (timeout == forever) {
            at_ns_ = UINT64_MAX;
        } else if (timeout.count() <= 0) {
            at_ns_ = 0;  // already passed: try-calls never read the clock for it
        } else {
            const auto ns = static_cast<std::uint64_t>(timeout.count());
            const auto now = monotonic_ns();
            at_ns_ = ns > UINT64_MAX - now ? UINT64_MAX : now + ns;
        }
    }
    bool passed(std::uint64_t now_ns) const noexcept { return now_ns >= at_ns_; }
    // A try-call's deadline (a timeout of 0 or less): it ends with a refusal such as `empty`
    // or `queue_full`, where a timed call whose deadline passed ends with `timeout`.
    bool immediate() const noexcept { return at_ns_ == 0; }
    std::uint64_t remaining_ns(std::uint64_t now_ns) const noexcept {
        return now_ns >= at_ns_ ? 0 : at_ns_ - now_ns;
    }

  private:
    std::uint64_t at_ns_;
};

}  // namespace ipc
