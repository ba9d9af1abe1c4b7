#pragma once
// One direction of the sleep/wake handshake: the sleeper's "I sleep" flag, the futex word it
// sleeps on, and whether it sleeps with membarrier (detail/handshake.hpp). The reader sleeps on the
// data doorbell and the writer rings it; the writer sleeps on the space doorbell and the reader
// rings it. Both sides use the same type with the words of their direction.

#include <cstdint>

namespace ipc::detail {

class doorbell {
  public:
    doorbell() noexcept = default;
    doorbell(std::uint32_t* sleeping, std::uint32_t* seq, std::uint32_t* uses_membarrier) noexcept
        : sleeping_(sleeping), seq_(seq), uses_membarrier_word_(uses_membarrier) {}

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

    // ---- the waker, right after publishing what the sleeper waits for ----
    // True when the sleeper announced a sleep (the Dekker load, after the light fence).
    bool sleeper_waiting() const noexcept;
    // Wakes the sleeper; only the first caller after an announcement makes the syscall.
    void ring() noexcept;
    // Wakes whoever sleeps, announced or not (used once, on close).
    void ring_always() noexcept;

  private:
    std::uint32_t* sleeping_ = nullptr;
    std::uint32_t* seq_ = nullptr;
    std::uint32_t* uses_membarrier_word_ = nullptr;
    bool uses_membarrier_ = false;  // this sleeper's own choice; never re-read from shared memory
    // False when this sleeper cannot be sure the waker fences (not published yet, or it chose not
    // to use membarrier but could not make the waker see that): its sleeps are then capped.
    bool wakeups_reliable_ = false;
};

}  // namespace ipc::detail
