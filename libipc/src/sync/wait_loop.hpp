#pragma once
// The one waiting loop behind every blocking call (internal).
//
// busy_spin polls; adaptive polls for a while, then yields, then sleeps; blocking sleeps at
// once. Sleeping goes through the channel's doorbell: announce, re-check, futex wait for at most
// one slice. Between slices (and every few thousand polls) the loop checks the deadline and
// whether the peer is still alive, so a dead peer is reported within ~peer_check_interval.

#include <sched.h>

#include <chrono>
#include <cstdint>

#include "ipc/clock.hpp"
#include "ipc/detail/atomic.hpp"
#include "ipc/error.hpp"
#include "ipc/telemetry.hpp"
#include "ipc/wait_strategy.hpp"

namespace ipc::detail {

inline constexpr std::uint64_t adaptive_spin_polls = 500;
inline constexpr std::uint64_t adaptive_yield_polls = 200;
inline constexpr std::uint64_t polls_between_clock_reads = 1024;

// attempt(): result<T>; `not_yet` is the code that means "try again".
// doorbell: announce() -> seq, sleep(seq, ns), end().
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
    for (;;) {
        auto r = attempt();
        if (r.code() != not_yet) {
            return r;
        }
        ++polls;
        const bool sleep = strategy == wait_strategy::blocking ||
                           (strategy == wait_strategy::adaptive &&
                            polls > adaptive_spin_polls + adaptive_yield_polls);
        if (!sleep) {
            if (strategy == wait_strategy::adaptive && polls > adaptive_spin_polls) {
                sched_yield();
            } else {
                cpu_relax();
            }
            if (polls % polls_between_clock_reads != 0) {
                continue;
            }
        }
        std::uint64_t now = monotonic_ns();
        if (sleep) {
            const std::uint32_t seq = doorbell.announce();
            r = attempt();
            if (r.code() != not_yet || until.passed(now)) {
                doorbell.end();
                return r.code() != not_yet ? r : error{errc::timeout, "wait timed out"};
            }
            doorbell.sleep(seq, std::min(until.remaining_ns(now), peer_check_ns));
            doorbell.end();
            now = monotonic_ns();
        }
        if (until.passed(now)) {
            r = attempt();
            return r.code() != not_yet ? r : error{errc::timeout, "wait timed out"};
        }
        if (now - last_peer_check >= peer_check_ns) {
            last_peer_check = now;
            // A process blocked here still shows observers that it lives, at this rate rather
            // than after every sleep (a beat costs a getpid and a clock read).
            telemetry::heartbeat();
            if (const error e = peer_check(); e.code() != errc::ok) {
                // What the peer committed before it died or closed is still delivered.
                r = attempt();
                return r.code() != not_yet ? r : e;
            }
        }
    }
}

}  // namespace ipc::detail
