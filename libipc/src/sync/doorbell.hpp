#pragma once
// One direction of the sleep/wake handshake: the sleeper's "I sleep" flag, what it sleeps on,
// and whether it sleeps with membarrier (sync/handshake.hpp). The reader sleeps on the data
// doorbell and the writer rings it; the writer sleeps on the space doorbell and the reader rings
// it. Both sides use the same type with the words of their direction.
//
// A sleeper sleeps on the futex word (the default) or on an eventfd both processes hold. The
// eventfd lets it wait outside the channel, with poll/epoll on event_fd() among other fds: it
// arms the bell (announce, then re-check) and leaves the announcement standing; the waker's
// exchange of the flag makes exactly one write to the eventfd per announcement, so the rule "the
// waker makes a syscall only when the sleeper announced itself" holds for both kinds. The
// eventfd's count stays set until the sleeper drains it when it re-arms, so a ring can come late
// (a spurious wake-up) but is never lost.

#include <cstdint>

namespace ipc::detail {

class doorbell {
  public:
    doorbell() noexcept = default;
    doorbell(std::uint32_t* sleeping, std::uint32_t* seq, std::uint32_t* uses_membarrier) noexcept
        : sleeping_(sleeping), seq_(seq), uses_membarrier_word_(uses_membarrier) {}

    // Sleeps and wakes through `fd`, a non-blocking eventfd, instead of the futex word.
    void use_eventfd(int fd) noexcept { event_fd_ = fd; }
    // The eventfd, or -1 with the futex.
    int event_fd() const noexcept { return event_fd_; }

    // ---- the sleeper ----
    // Chooses how this end sleeps and publishes it: with membarrier (the waker may then skip
    // its fence) unless it sleeps on every wait or membarrier is unavailable here. A sleeper
    // must sleep through the same object it published with: the choice is kept here, privately.
    void publish_sleep_mode(bool sleeps_often) noexcept;
    // False until publish_sleep_mode, or when the waker may not fence: sleeps are then capped
    // at fallback_sleep_slice_ns, so a wake-up can come late but is never lost.
    bool wakeups_reliable() const noexcept { return wakeups_reliable_; }
    // Announces a sleep; returns the futex value to sleep on. Re-check the condition after it.
    std::uint32_t announce() noexcept;
    void sleep(std::uint32_t seq, std::uint64_t timeout_ns) noexcept;
    void end() noexcept;
    // For a sleeper that waits on event_fd() itself: announces unless an announcement still
    // stands (made earlier and not rung since). True when it announced: the caller must then
    // re-check its condition, and may also re-check what a ring can mean (a closed peer).
    bool arm() noexcept;

    // ---- the waker, right after publishing what the sleeper waits for ----
    // True when the sleeper announced a sleep (the Dekker load, after the light fence).
    bool sleeper_waiting() const noexcept;
    // Wakes the sleeper; only the first caller after an announcement makes the syscall.
    void ring() noexcept;
    // Wakes whoever sleeps, announced or not (used once, on close), and leaves the eventfd
    // readable for a sleeper that arms later.
    void ring_always() noexcept;

  private:
    std::uint32_t* sleeping_ = nullptr;
    std::uint32_t* seq_ = nullptr;
    std::uint32_t* uses_membarrier_word_ = nullptr;
    bool uses_membarrier_ = false;  // this sleeper's own choice; never re-read from shared memory
    // False when this sleeper cannot be sure the waker fences (not published yet, or it chose not
    // to use membarrier but could not make the waker see that): its sleeps are then capped.
    bool wakeups_reliable_ = false;
    int event_fd_ = -1;
    bool armed_ = false;  // an arm() announcement may still stand
};

}  // namespace ipc::detail
