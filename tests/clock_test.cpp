// The stamp clock (core/stamp_clock.hpp): the TSC's calibration, stamps of the other clock, and
// an observer's conversion of a stamp to CLOCK_MONOTONIC.

#include <gtest/gtest.h>
#include <time.h>

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/stamp_clock.hpp"

namespace {

using ipc::detail::clock_kind;
using ipc::detail::stamp_clock;
using ipc::detail::tsc_stamp_bit;

constexpr std::uint64_t ms = 1'000'000;

// A measurement over a fixed interval (not a synchronisation): the calibration's accuracy is what
// the interval measures.
void pause_for(std::uint64_t ns) {
    const timespec t{static_cast<time_t>(ns / 1'000'000'000),
                     static_cast<long>(ns % 1'000'000'000)};
    nanosleep(&t, nullptr);
}

const ipc::detail::tsc_rate& usable_rate() {
    return ipc::detail::process_tsc_rate();
}

TEST(StampClock, RatesOutsideWhatACpuTicksAreRefused) {
    EXPECT_FALSE(ipc::detail::rate_of(1'000, 1'000'000'000).usable());
    EXPECT_FALSE(ipc::detail::rate_of(20'000'000'000, 1'000'000'000).usable());
    EXPECT_FALSE(ipc::detail::rate_of(3'000'000'000, 0).usable());
    const auto rate = ipc::detail::rate_of(3'000'000'000, 1'000'000'000);
    ASSERT_TRUE(rate.usable());
    EXPECT_EQ(rate.ticks_per_second, 3'000'000'000u);
    EXPECT_NEAR(static_cast<double>(rate.ticks_to_ns(3'000'000'000)), 1e9, 1.0);
    EXPECT_NEAR(static_cast<double>(rate.ticks_to_ns(300)), 100.0, 1.0);
}

TEST(StampClock, TscCalibrationConvertsWithinOnePercentOfMonotonicOverASecond) {
    const auto& rate = usable_rate();
    if (!rate.usable()) {
        GTEST_SKIP() << "no invariant TSC here: libipc stamps with CLOCK_MONOTONIC";
    }
    // Bracketed pairs: a preemption between a TSC and a clock reading must not count.
    const auto start = ipc::detail::read_clock_reference();
    pause_for(1'000 * ms);
    const auto end = ipc::detail::read_clock_reference();
    const double converted = static_cast<double>(rate.ticks_to_ns(end.tsc - start.tsc));
    EXPECT_NEAR(converted / static_cast<double>(end.monotonic_ns - start.monotonic_ns), 1.0, 0.01);
}

TEST(StampClock, TheProcessStampsWithTheTscWhereItIsUsable) {
    const auto& clock = ipc::detail::process_stamp_clock();
    const char* setting = std::getenv("IPC_CLOCK");
    const bool forced = setting != nullptr && std::string_view(setting) == "monotonic";
    if (forced || !usable_rate().usable()) {
        EXPECT_EQ(clock.kind(), clock_kind::monotonic);
        EXPECT_EQ(clock.now() & tsc_stamp_bit, 0u);
        return;
    }
    EXPECT_EQ(clock.kind(), clock_kind::tsc);
    EXPECT_EQ(clock.now() & tsc_stamp_bit, tsc_stamp_bit);
}

// A reader whose clock differs from its writer's (one process ran with IPC_CLOCK=monotonic)
// still measures the real interval, both ways round.
TEST(StampClock, ElapsedTimeBetweenStampsOfDifferentClocksIsTheRealInterval) {
    const auto& rate = usable_rate();
    if (!rate.usable()) {
        GTEST_SKIP() << "no invariant TSC here: every process stamps with CLOCK_MONOTONIC";
    }
    const stamp_clock tsc(clock_kind::tsc, rate);
    const stamp_clock monotonic(clock_kind::monotonic, {});
    const auto from = ipc::detail::read_clock_reference();
    pause_for(20 * ms);
    const auto to = ipc::detail::read_clock_reference();
    const std::uint64_t from_tsc = from.tsc | tsc_stamp_bit;
    const std::uint64_t from_monotonic = from.monotonic_ns;
    const std::uint64_t to_tsc = to.tsc | tsc_stamp_bit;
    const std::uint64_t to_monotonic = to.monotonic_ns;
    const std::uint64_t truth = monotonic.elapsed_ns(from_monotonic, to_monotonic);
    ASSERT_GE(truth, 20 * ms);
    for (const std::uint64_t measured :
         {monotonic.elapsed_ns(from_tsc, to_monotonic), tsc.elapsed_ns(from_monotonic, to_tsc),
          monotonic.elapsed_ns(from_tsc, to_tsc), tsc.elapsed_ns(from_tsc, to_tsc)}) {
        EXPECT_NEAR(static_cast<double>(measured), static_cast<double>(truth), 0.01 * truth);
    }
    EXPECT_EQ(tsc.elapsed_ns(to_tsc, from_tsc), 0u);
    EXPECT_EQ(monotonic.elapsed_ns(to_monotonic, from_tsc), 0u);
}

TEST(StampClock, AnObserverTurnsEitherKindOfStampIntoMonotonicTime) {
    const auto& rate = usable_rate();
    const auto then = ipc::detail::read_clock_reference();
    const std::uint64_t monotonic_stamp = then.monotonic_ns;
    const std::uint64_t tsc_stamp = then.tsc | tsc_stamp_bit;
    pause_for(20 * ms);
    const auto now = ipc::detail::read_clock_reference();
    EXPECT_EQ(ipc::detail::stamp_to_monotonic_ns(monotonic_stamp, rate, now), monotonic_stamp);
    // A stamp from the future (forged) is taken as now, never later.
    EXPECT_EQ(ipc::detail::stamp_to_monotonic_ns(now.monotonic_ns + 1'000 * ms, rate, now),
              now.monotonic_ns);
    if (!rate.usable()) {
        EXPECT_EQ(ipc::detail::stamp_to_monotonic_ns(tsc_stamp, rate, now), 0u);
        GTEST_SKIP() << "no invariant TSC here: only CLOCK_MONOTONIC stamps exist";
    }
    const std::uint64_t converted = ipc::detail::stamp_to_monotonic_ns(tsc_stamp, rate, now);
    EXPECT_NEAR(static_cast<double>(converted), static_cast<double>(monotonic_stamp), 0.2 * ms);
    // A recorded rate that no CPU has (a forged segment) converts to 0 ("unknown"), not to
    // some time.
    EXPECT_EQ(
        ipc::detail::stamp_to_monotonic_ns(tsc_stamp, ipc::detail::rate_of(1, 1'000'000'000), now),
        0u);
}

}  // namespace
