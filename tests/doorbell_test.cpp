// The sleep/wake doorbell: what a sleeper may assume about its wake-ups.

#include "sync/doorbell.hpp"

#include <gtest/gtest.h>

#include "sync/handshake.hpp"
#include "sync/local_bell.hpp"

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
    bell.publish_sleep_mode(false);
    const bool membarrier = ipc::detail::asymmetric_fences_available();
    EXPECT_EQ(bell.wakeups_reliable(), membarrier);
    EXPECT_EQ(w.uses_membarrier, membarrier ? 1u : 0u);
    bell.publish_sleep_mode(true);  // sleeps on every wait: the waker fences
    EXPECT_EQ(w.uses_membarrier, 0u);
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
