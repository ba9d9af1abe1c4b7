#pragma once
// SimpleIPC's wake-up handshake (internal), the same on both sides: a side about to sleep
// stores WAITING in its wait word (hostState or guestState) and looks at the slot's state
// again; the other side stores the new state and then posts the sleeper's semaphore only if it
// reads WAITING. Both the stores and the loads are seq_cst: a Dekker pair, so at least one side
// sees the other's store (the sleeper sees the new state, or the publisher sees WAITING and
// posts). A count left by a post that came after the sleeper had already looked again only ends
// a later sleep early; every sleep is followed by a look at the state.

#include <algorithm>
#include <cstdint>

#include "channel/simpleipc/simpleipc_layout.hpp"
#include "ipc/detail/atomic.hpp"
#include "sync/named_semaphore.hpp"

namespace ipc::detail::simpleipc {

// The wait_loop doorbell of one side of one slot.
struct semaphore_bell {
    std::uint32_t* wait_word;  // this side's: hostState or guestState
    named_semaphore* semaphore;
    // The spec's waiters sleep 100 ms slices.
    static constexpr std::uint64_t slice_ns = 100'000'000;

    std::uint32_t announce() const noexcept {
        store(*wait_word, std::uint32_t{waiting}, std::memory_order_seq_cst);
        return 0;
    }
    void sleep(std::uint32_t, std::uint64_t timeout_ns) const noexcept {
        (void)semaphore->wait(std::min(timeout_ns, slice_ns));
    }
    // Relaxed: a publisher that still reads WAITING posts once too often, which is harmless.
    void end() const noexcept {
        store(*wait_word, std::uint32_t{active}, std::memory_order_relaxed);
    }
    bool wakes_for_peer() const noexcept { return false; }
};

// Stores the slot's new state (its payload and sizes written before it are released with it)
// and wakes the other side if it sleeps.
inline void publish(std::uint32_t& state, slot_state value, const std::uint32_t& other_wait_word,
                    named_semaphore& other_semaphore) noexcept {
    store(state, std::uint32_t{value}, std::memory_order_seq_cst);
    if (load(other_wait_word, std::memory_order_seq_cst) == waiting) {
        other_semaphore.post();
    }
}

}  // namespace ipc::detail::simpleipc
