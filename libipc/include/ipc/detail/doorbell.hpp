#pragma once
// One direction of the sleep/wake handshake: the sleeper's "I sleep" flag, the futex word it
// sleeps on, and its published fence need (detail/handshake.hpp). The reader sleeps on the data
// doorbell and the writer rings it; the writer sleeps on the space doorbell and the reader rings
// it. Both sides use the same type with the words of their direction.

#include <cstdint>

namespace ipc::detail {

class doorbell {
  public:
    doorbell() noexcept = default;
    doorbell(std::uint32_t* sleeping, std::uint32_t* seq, std::uint32_t* needs_fence) noexcept
        : sleeping_(sleeping), seq_(seq), needs_fence_(needs_fence) {}

    // ---- the sleeper ----
    // Publishes whether wakers must fence (1 for a sleeper that sleeps on every wait), then
    // makes sure the waker's CPU has seen that before the first sleep.
    void publish_fence_need(bool sleeps_often) noexcept;
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
    std::uint32_t* needs_fence_ = nullptr;
    bool fence_ok_ = true;  // the last heavy fence reached the waker's CPU
};

}  // namespace ipc::detail
