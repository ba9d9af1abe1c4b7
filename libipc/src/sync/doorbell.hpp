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

#include <poll.h>

#include <cstdint>

#include "ipc/wait_strategy.hpp"

namespace ipc::detail {

// How often a sleeper expects to sleep, which decides how the handshake fences (handshake.hpp).
enum class sleep_mode : std::uint8_t {
    rarely,  // with membarrier: its wakers skip their fence (a spinner that never sleeps)
    often,   // with a fence on each side: a membarrier per sleep would cost more than it saves
    adapts,  // rarely, until sleeps come closer than adapt_often_gap_ns; often, until none has
             // come for adapt_rarely_gap_ns (an adaptive waiter: it sleeps on every message at
             // low rates and seldom at high ones)
};
inline constexpr std::uint64_t adapt_often_gap_ns = 1'000'000;
inline constexpr std::uint64_t adapt_rarely_gap_ns = 10'000'000;
// How often (in messages or calls) the sleeper's side calls note_traffic().
inline constexpr std::uint64_t traffic_note_interval = 64;

// The mode for a waiter with `strategy`. An eventfd sleeper that an event loop arms on every
// wait sleeps often whatever its strategy.
sleep_mode sleep_mode_for(wait_strategy strategy, bool eventfd) noexcept;

class doorbell {
  public:
    doorbell() noexcept = default;
    doorbell(std::uint32_t* sleeping, std::uint32_t* seq, std::uint32_t* uses_membarrier) noexcept
        : sleeping_(sleeping), seq_(seq), uses_membarrier_word_(uses_membarrier) {}

    // Sleeps and wakes through `fd`, a non-blocking eventfd, instead of the futex word; with
    // `peer_process` (or -1) the sleep also ends when the peer goes: a pidfd, when that process
    // exits (`peer_events` POLLIN); a connection's socket, when it hangs up (POLLRDHUP: bytes
    // the peer sends must not pass for its end).
    void use_eventfd(int fd, int peer_process = -1, short peer_events = POLLIN) noexcept {
        event_fd_ = fd;
        peer_process_ = fd >= 0 ? peer_process : -1;
        peer_events_ = peer_events;
    }
    // The eventfd, or -1 with the futex.
    int event_fd() const noexcept { return event_fd_; }

    // ---- the sleeper ----
    // Chooses how this end sleeps and publishes it: with membarrier (the waker may then skip
    // its fence) unless it sleeps often or membarrier is unavailable here. A sleeper must sleep
    // through the same object it published with: the choice is kept here, privately.
    void publish_sleep_mode(sleep_mode mode) noexcept;
    // False until publish_sleep_mode, or when the waker may not fence: sleeps are then capped
    // at fallback_sleep_slice_ns, so a wake-up can come late but is never lost.
    bool wakeups_reliable() const noexcept { return wakeups_reliable_; }
    // Announces a sleep; returns the futex value to sleep on. Re-check the condition after it.
    // An adapting sleeper first switches its published mode if its sleeps' pace says so.
    std::uint32_t announce() noexcept;
    // Ends early when rung, or when the watched peer process exits (then it stops watching it,
    // and peer_exited() says so from then on).
    void sleep(std::uint32_t seq, std::uint64_t timeout_ns) noexcept;
    bool peer_exited() const noexcept { return peer_exited_; }
    // Whether the waiter should look at the peer after every sleep that found nothing: a
    // watched peer makes its periodic looks rare (ring_end::peer_check_ns), so its close (a
    // ring) and its exit (the watch) must be seen when they wake the sleeper.
    bool wakes_for_peer() const noexcept { return peer_process_ >= 0 || peer_exited_; }
    // Whether a sleep ends when the peer process exits (an eventfd bell given its pidfd).
    bool watches_peer() const noexcept { return peer_process_ >= 0; }
    void end() noexcept;
    // Called by the sleeper's side, on the sleeper's thread, now and then while messages flow
    // (every traffic_note_interval): an adapting sleeper that asked for fences and has not slept
    // for adapt_rarely_gap_ns lets its wakers skip them again. A sleeper that stops sleeping
    // never announces, so this is where it notices. Two compares of private fields, and a clock
    // read only while it asks for fences.
    void note_traffic() noexcept {
        if (mode_ == sleep_mode::adapts && !uses_membarrier_) {
            relax_if_quiet();
        }
    }
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
    // Publishes whether this sleeper fences with membarrier, and makes every waker see it
    // before the next sleep.
    void publish_membarrier(bool use) noexcept;
    void adapt_to_pace() noexcept;
    void relax_if_quiet() noexcept;

    std::uint32_t* sleeping_ = nullptr;
    std::uint32_t* seq_ = nullptr;
    std::uint32_t* uses_membarrier_word_ = nullptr;
    bool uses_membarrier_ = false;  // this sleeper's own choice; never re-read from shared memory
    sleep_mode mode_ = sleep_mode::often;
    std::uint64_t last_announce_ns_ = 0;  // adapts: when the previous sleep was announced
    // False when this sleeper cannot be sure the waker fences (not published yet, or it chose not
    // to use membarrier but could not make the waker see that): its sleeps are then capped.
    bool wakeups_reliable_ = false;
    int event_fd_ = -1;
    int peer_process_ = -1;
    short peer_events_ = 0;
    bool peer_exited_ = false;
    bool armed_ = false;  // an arm() announcement may still stand
};

}  // namespace ipc::detail
