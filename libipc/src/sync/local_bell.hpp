#pragma once
// Threads of one process that sleep until another thread of the process makes their condition
// true (the slots host's "a slot is free"). Any number may sleep at once; the waker makes the
// futex syscall only while some sleeper has announced itself, and then wakes them all.
//
// The Dekker pair is the sleeper count against the condition: a sleeper counts itself, fences,
// then re-checks; the waker makes the condition true, fences, then reads the count. The fences
// are the asymmetric pair of sync/handshake.hpp (membarrier on the sleeper's side when this
// process registered for it, a full fence on both sides otherwise).

#include <cstdint>

namespace ipc::detail {

class local_bell {
  public:
    // The waker, right after making the condition true.
    void notify() noexcept;

    // One sleeping thread's side, in the shape detail::wait_loop expects.
    class sleeper {
      public:
        explicit sleeper(local_bell& bell) noexcept : bell_(bell) {}
        std::uint32_t announce() noexcept;  // re-check the condition after it
        void sleep(std::uint32_t seq, std::uint64_t timeout_ns) noexcept;
        void end() noexcept;
        bool wakes_for_peer() const noexcept { return false; }  // its peers are checked on time

      private:
        local_bell& bell_;
        bool wakeups_reliable_ = false;  // this announce's fence reached the waker
    };

  private:
    alignas(64) std::uint32_t sleepers_ = 0;
    std::uint32_t seq_ = 0;  // the futex word
};

}  // namespace ipc::detail
