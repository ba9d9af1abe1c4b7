// The sleep/wake doorbell: what a sleeper may assume about its wake-ups.

#include "sync/doorbell.hpp"

#include <gtest/gtest.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ipc/clock.hpp"
#include "sync/handshake.hpp"
#include "sync/local_bell.hpp"
#include "sync/wait_loop.hpp"

namespace {

struct bell_words {
    std::uint32_t sleeping = 0;
    std::uint32_t seq = 0;
    std::uint32_t uses_membarrier = 0;
};

// A sleeper that sleeps through an object that never published its sleep mode cannot know
// whether its waker fences: it must cap its sleeps (a late wake-up), never trust them (a lost
// one). The slots host and guest once slept through such fresh copies.
TEST(Doorbell, UnpublishedSleeperDoesNotTrustItsWakeups) {
    bell_words w;
    ipc::detail::doorbell bell(&w.sleeping, &w.seq, &w.uses_membarrier);
    EXPECT_FALSE(bell.wakeups_reliable());
}

TEST(Doorbell, PublishedSleeperTrustsWakeupsWhereMembarrierWorks) {
    ipc::detail::register_for_asymmetric_fences();
    bell_words w;
    ipc::detail::doorbell bell(&w.sleeping, &w.seq, &w.uses_membarrier);
    bell.publish_sleep_mode(ipc::detail::sleep_mode::rarely);
    const bool membarrier = ipc::detail::asymmetric_fences_available();
    EXPECT_EQ(bell.wakeups_reliable(), membarrier);
    EXPECT_EQ(w.uses_membarrier, membarrier ? 1u : 0u);
    bell.publish_sleep_mode(ipc::detail::sleep_mode::often);  // the waker fences
    EXPECT_EQ(w.uses_membarrier, 0u);
}

// An eventfd sleeper given its peer's pidfd wakes when the peer exits, and says so, though
// nobody rings: a dead peer is seen at once, not at the end of a slice (here: a minute).
TEST(Doorbell, AnEventfdSleepEndsWhenTheWatchedProcessExits) {
    bell_words w;
    ipc::detail::doorbell bell(&w.sleeping, &w.seq, &w.uses_membarrier);
    const int bell_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    ASSERT_GE(bell_fd, 0);
    int go[2];
    ASSERT_EQ(::pipe(go), 0);
    const pid_t peer = ::fork();
    ASSERT_GE(peer, 0);
    if (peer == 0) {
        ::close(go[1]);
        char c;
        (void)!::read(go[0], &c, 1);  // exits once the test closes its end
        ::_exit(0);
    }
    ::close(go[0]);
    const int peer_fd = static_cast<int>(::syscall(SYS_pidfd_open, peer, 0));
    ASSERT_GE(peer_fd, 0);
    bell.use_eventfd(bell_fd, peer_fd);
    bell.publish_sleep_mode(ipc::detail::sleep_mode::often);  // uncapped sleeps
    if (!bell.wakeups_reliable()) {
        ::close(go[1]);
        (void)::waitpid(peer, nullptr, 0);
        GTEST_SKIP() << "sleeps are capped here: a short slice would end this one anyway";
    }
    EXPECT_TRUE(bell.watches_peer());
    const std::uint32_t seq = bell.announce();
    ::close(go[1]);
    bell.sleep(seq, 60'000'000'000);  // a minute, unless the peer's exit ends it
    bell.end();
    EXPECT_FALSE(bell.watches_peer())
        << "the peer's exit ended the sleep, and is told once: a later sleep waits for a ring";
    int status = 0;
    EXPECT_EQ(::waitpid(peer, &status, 0), peer);
    ::close(peer_fd);
    ::close(bell_fd);
}

// An adaptive waiter sleeps on every message at low rates: a membarrier per sleep cost more than
// its wakers' fences. Sleeps closer together than adapt_often_gap_ns make it ask for fences;
// no sleep for adapt_rarely_gap_ns (seen as messages flow, or at the next sleep) lets the
// wakers skip them again.
TEST(Doorbell, AnAdaptingSleeperAsksForFencesWhileItSleepsOften) {
    ipc::detail::register_for_asymmetric_fences();
    if (!ipc::detail::asymmetric_fences_available()) {
        GTEST_SKIP() << "no membarrier here: every sleeper asks its wakers to fence";
    }
    bell_words w;
    ipc::detail::doorbell bell(&w.sleeping, &w.seq, &w.uses_membarrier);
    bell.publish_sleep_mode(ipc::detail::sleep_mode::adapts);
    EXPECT_EQ(w.uses_membarrier, 1u);
    (void)bell.announce();
    bell.end();
    EXPECT_EQ(w.uses_membarrier, 1u) << "one sleep says nothing about the pace yet";
    // Sleeps in a row until two come within a millisecond (a loaded machine may stretch a pair).
    const auto sleep_often = [&] {
        for (int pair = 0; pair < 1000 && w.uses_membarrier != 0u; ++pair) {
            (void)bell.announce();
            bell.end();
        }
    };
    sleep_often();
    const std::uint64_t slept = ipc::monotonic_ns();
    EXPECT_EQ(w.uses_membarrier, 0u) << "two sleeps within a millisecond: the wakers fence";
    EXPECT_TRUE(bell.wakeups_reliable());
    bell.note_traffic();
    if (ipc::monotonic_ns() - slept < ipc::detail::adapt_rarely_gap_ns) {
        EXPECT_EQ(w.uses_membarrier, 0u) << "it slept a moment ago";
    }
    // A pause longer than adapt_rarely_gap_ns is what is tested, not a synchronisation.
    const timespec pause{0, static_cast<long>(ipc::detail::adapt_rarely_gap_ns + 5'000'000)};
    nanosleep(&pause, nullptr);
    bell.note_traffic();
    EXPECT_EQ(w.uses_membarrier, 1u) << "messages flow without sleeps: the wakers skip the fence";
    sleep_often();
    EXPECT_EQ(w.uses_membarrier, 0u) << "sleeping often again";
    nanosleep(&pause, nullptr);
    (void)bell.announce();
    bell.end();
    EXPECT_EQ(w.uses_membarrier, 1u) << "a sleep after a quiet spell: the wakers skip the fence";
}

// An adaptive waiter polls, then yields, then sleeps. One whose yields keep running other
// threads (a busy machine) never runs out of idle yields: it must still sleep by its limit.
TEST(WaitPhases, AnAdaptiveWaiterSleepsByItsYieldLimitWhateverItsYields) {
    constexpr std::uint64_t start = 1'000;
    ipc::detail::wait_phases adaptive(ipc::wait_strategy::adaptive, start);
    EXPECT_FALSE(adaptive.sleeping());
    adaptive.advance(start + ipc::detail::adaptive_spin_ns);  // yielding now; no idle yield yet
    EXPECT_FALSE(adaptive.sleeping());
    adaptive.advance(start + ipc::detail::adaptive_yield_limit_ns);
    EXPECT_TRUE(adaptive.sleeping());
    ipc::detail::wait_phases spin(ipc::wait_strategy::busy_spin, start);
    spin.advance(start + 10 * ipc::detail::adaptive_yield_limit_ns);
    EXPECT_FALSE(spin.sleeping()) << "a spinner never sleeps";
    EXPECT_TRUE(ipc::detail::wait_phases(ipc::wait_strategy::blocking, start).sleeping());
}

// Two threads announced; one found its condition and left. A notify must still wake the other:
// a single "someone sleeps" flag, cleared by the first to leave, once lost that wake-up.
TEST(LocalBell, NotifyWakesASleeperAfterAnotherLeft) {
    ipc::detail::register_for_asymmetric_fences();
    ipc::detail::local_bell bell;
    ipc::detail::local_bell::sleeper stays(bell), leaves(bell);
    const auto seq = stays.announce();
    (void)leaves.announce();
    leaves.end();
    bell.notify();
    ipc::detail::local_bell::sleeper later(bell);
    EXPECT_NE(later.announce(), seq) << "the futex word the remaining sleeper waits on moved";
    later.end();
    stays.sleep(seq, 60'000'000'000);  // returns at once: the word differs
    stays.end();
}

TEST(LocalBell, NotifyWithoutSleepersMakesNoWakeup) {
    ipc::detail::local_bell bell;
    ipc::detail::local_bell::sleeper first(bell);
    const auto seq = first.announce();
    first.end();
    bell.notify();
    ipc::detail::local_bell::sleeper second(bell);
    EXPECT_EQ(second.announce(), seq);
    second.end();
}

}  // namespace
