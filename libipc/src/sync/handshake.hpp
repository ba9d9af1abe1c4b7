#pragma once
// The fences of the sleep/wake (Dekker) handshake, made asymmetric where the kernel allows it.
//
// A waker publishes (store), then checks whether the other side sleeps (load); a sleeper
// announces (store), then re-checks (load). Each pair needs a StoreLoad barrier between its
// store and its load, or a wake-up can be lost. Wakers run on every message; sleepers run only
// on the way into a futex sleep. So, like liburcu and folly's asymmetric fences, the waker
// issues only a compiler barrier and the sleeper issues membarrier(GLOBAL_EXPEDITED), which
// makes every CPU running a registered process execute a full barrier before it returns.
//
// membarrier costs microseconds, so it suits sleepers that sleep rarely (a spinner; an adaptive
// waiter at high rates) but not one that sleeps on every message (blocking; an adaptive waiter at
// low rates). Each end therefore publishes whether it sleeps with membarrier (*_uses_membarrier
// in the ring's doorbell line; 0, the zeroed default, means "fence for me"), and an adaptive end
// changes its word as its pace changes (doorbell.hpp). A waker skips its fence only when its
// process is registered for global-expedited membarrier and the sleeper published 1. A sleeper
// that cannot be sure its waker fences sleeps in short slices (a late wake-up, never a lost one).
//
// Changing the word while the waker runs:
// - 1 -> 0 (fence for me): the sleeper stores 0, then issues membarrier, before its next
//   announce. A waker that loaded 1 (and skips its fence) before the membarrier's barrier ran on
//   its CPU had its index store drained by that barrier, so the sleeper's re-check after the
//   announce sees it; a waker that loads the word after that barrier sees 0 and fences, and the
//   sleeper fences too: the symmetric handshake.
// - 0 -> 1 (skip it): every later sleep uses membarrier, which covers a waker that skips its
//   fence, and a waker that still sees 0 only fences needlessly.
// Registration is per process and not inherited: the child of fork() is treated as
// unregistered (pthread_atfork). A child made by raw clone() or _Fork() skips atfork handlers
// and must not use rings.

#include <cstdint>

namespace ipc::detail {

// Registers this process for global-expedited membarrier (once per process, idempotent).
void register_for_asymmetric_fences() noexcept;

// Hot side, between publishing and checking the sleep flag. `peer_needs_fence` is true unless
// the sleeper published that it sleeps with membarrier.
void light_fence(bool peer_needs_fence) noexcept;

// Whether this process can make its peers' wakers skip fences (membarrier works here).
bool asymmetric_fences_available() noexcept;

// Sleep side, between announcing and re-checking. Returns false when it could only issue a
// local fence, in which case the caller must cap its sleep at fallback_sleep_slice_ns.
bool heavy_fence() noexcept;

inline constexpr std::uint64_t fallback_sleep_slice_ns = 1'000'000;

}  // namespace ipc::detail
