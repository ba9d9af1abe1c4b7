#pragma once
// The one waiting loop behind every blocking call (internal).
//
// busy_spin polls; adaptive polls for a while, then yields, then sleeps (wait_phases); blocking
// sleeps at once. Sleeping goes through the channel's doorbell: announce, re-check, futex wait for
// at most one slice. Between slices (and every few thousand polls) the loop checks the deadline and
// whether the peer is still alive, so a dead peer is reported within ~peer_check_interval. A
// doorbell that watches the peer (wakes_for_peer) has the peer checked after every sleep that
// found nothing too: the sleep may have ended for it (a close rings the doorbell; the watched
// pidfd or socket wakes it when the peer goes). Such wakes are mostly stale rings, so that
// check must be cheap when nothing says the peer changed (ring_end::peer_check_in_wait).

#include <sched.h>

#include <chrono>
#include <cstdint>
#include <utility>

#include "ipc/clock.hpp"
#include "ipc/detail/atomic.hpp"
#include "ipc/error.hpp"
#include "ipc/telemetry.hpp"
#include "ipc/wait_strategy.hpp"

namespace ipc::detail {

// adaptive: polls for adaptive_spin_ns, then yields, and sleeps once the yields that came
// straight back (nothing else wanted this CPU) add up to adaptive_idle_yield_ns, or at the latest
// adaptive_yield_limit_ns after the wait began. A yield that ran another thread for longer than
// yield_ran_another_ns is not counted against the first budget: waiting that way costs little
// CPU, and on a machine with more threads than cores the other thread is often the peer,
// whose answer then comes without a futex wake-up (a sleep and wake-up cost 10-12 us on the VM
// of docs/BENCHMARKS.md, where sleeping after 10 us of polling without yields held 2 and 4 slots
// host threads, unpinned on two cores, at 0.06-0.36 M calls/s). At 1 k and 10 k msgs/s the
// budgets cost a reader 2.6 % and 22 % CPU for blocking's latency; from 100 k msgs/s it never
// sleeps ("Adaptive, retuned" there).
inline constexpr std::uint64_t adaptive_spin_ns = 5'000;
inline constexpr std::uint64_t adaptive_idle_yield_ns = 10'000;
// A waiter whose yields keep running other threads (a busy machine) still sleeps by then, rather
// than taking a share of the CPU for as long as its ring stays empty.
inline constexpr std::uint64_t adaptive_yield_limit_ns = 1'000'000;
inline constexpr std::uint64_t yield_ran_another_ns = 5'000;
inline constexpr std::uint64_t polls_between_clock_reads = 1024;
inline constexpr std::uint64_t adaptive_polls_between_clock_reads = 32;

// Where a waiter is in its strategy: polling, yielding (adaptive only) or sleeping.
class wait_phases {
  public:
    wait_phases(wait_strategy strategy, std::uint64_t started) noexcept
        : adaptive_(strategy == wait_strategy::adaptive),
          sleeping_(strategy == wait_strategy::blocking),
          started_(started) {}

    bool sleeping() const noexcept { return sleeping_; }

    // The pause after a poll that found nothing; true when the clock is due a look (every so
    // many polls, and after each yield).
    bool pause(std::uint64_t polls) noexcept {
        if (!yielding_) {
            cpu_relax();
            return polls % (adaptive_ ? adaptive_polls_between_clock_reads
                                      : polls_between_clock_reads) ==
                   0;
        }
        const std::uint64_t before = monotonic_ns();
        sched_yield();
        const std::uint64_t took = monotonic_ns() - before;
        idle_yield_ns_ += took < yield_ran_another_ns ? took : 0;
        return true;
    }

    // Moves an adaptive waiter on, by the clock and by its idle yields.
    void advance(std::uint64_t now) noexcept {
        if (adaptive_) {
            yielding_ = now - started_ >= adaptive_spin_ns;
            sleeping_ = idle_yield_ns_ >= adaptive_idle_yield_ns ||
                        now - started_ >= adaptive_yield_limit_ns;
        }
    }

  private:
    bool adaptive_;
    bool sleeping_;
    bool yielding_ = false;
    std::uint64_t started_;
    std::uint64_t idle_yield_ns_ = 0;
};

// attempt(): result<T>; `not_yet` is the code that means "try again".
// doorbell: announce() -> seq, sleep(seq, ns), end(), wakes_for_peer().
// peer_check(): error, ok while the peer may still act; otherwise what the wait returns
// (peer_gone, peer_closed) once the last attempt found nothing.
// The peer check of a peer that is either alive or gone.
inline error alive_or_gone(bool alive) noexcept {
    return alive ? error{} : error{errc::peer_gone, "the peer process is gone"};
}

template <class Attempt, class Doorbell, class PeerCheck>
auto wait_loop(wait_strategy strategy, const deadline& until, std::uint64_t peer_check_ns,
               errc not_yet, Attempt&& attempt, Doorbell&& doorbell, PeerCheck&& peer_check)
    -> decltype(attempt()) {
    std::uint64_t polls = 0;
    std::uint64_t last_peer_check = monotonic_ns();
    wait_phases phase(strategy, last_peer_check);
    bool woke_for_peer = false;  // a sleep of a peer-watching doorbell ended
    for (;;) {
        auto r = attempt();
        if (r.code() != not_yet) {
            return r;
        }
        ++polls;
        if (!phase.sleeping() && !phase.pause(polls)) {
            continue;
        }
        std::uint64_t now = monotonic_ns();
        phase.advance(now);
        if (phase.sleeping()) {
            const std::uint32_t seq = doorbell.announce();
            r = attempt();
            if (r.code() != not_yet || until.passed(now)) {
                doorbell.end();
                return r.code() != not_yet ? r : error{errc::timeout, "wait timed out"};
            }
            doorbell.sleep(seq, std::min(until.remaining_ns(now), peer_check_ns));
            woke_for_peer = doorbell.wakes_for_peer();
            doorbell.end();
            now = monotonic_ns();
        }
        if (until.passed(now)) {
            r = attempt();
            return r.code() != not_yet ? r : error{errc::timeout, "wait timed out"};
        }
        const bool due = now - last_peer_check >= peer_check_ns;
        if (std::exchange(woke_for_peer, false) || due) {
            if (due) {
                last_peer_check = now;
                // A process blocked here still shows observers that it lives, at this rate
                // rather than after every sleep (a beat costs a getpid and a clock read).
                telemetry::heartbeat();
            }
            if (const error e = peer_check(); e.code() != errc::ok) {
                // What the peer committed before it died or closed is still delivered.
                r = attempt();
                return r.code() != not_yet ? r : e;
            }
        }
    }
}

}  // namespace ipc::detail
