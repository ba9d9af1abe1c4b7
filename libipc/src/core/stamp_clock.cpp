#include "core/stamp_clock.hpp"

#include <time.h>

#include <algorithm>
#include <cstdlib>
#include <string_view>

#if IPC_HAVE_TSC
#include <cpuid.h>
#endif

namespace ipc::detail {

namespace {

constexpr std::uint64_t ns_per_second = 1'000'000'000;
constexpr std::uint64_t calibration_interval_ns = 2'000'000;

// CPUID 0x80000007 EDX bit 8: the TSC ticks at a constant rate in every P-, C- and T-state, the
// same on every core (what Linux reports as constant_tsc and nonstop_tsc).
bool invariant_tsc() noexcept {
#if IPC_HAVE_TSC
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (__get_cpuid(0x80000000u, &eax, &ebx, &ecx, &edx) == 0 || eax < 0x80000007u) {
        return false;
    }
    __get_cpuid(0x80000007u, &eax, &ebx, &ecx, &edx);
    return (edx & (1u << 8)) != 0;
#else
    return false;
#endif
}

bool monotonic_forced() noexcept {
    const char* value = std::getenv("IPC_CLOCK");
    return value != nullptr && std::string_view(value) == "monotonic";
}

}  // namespace

tsc_rate rate_of(std::uint64_t ticks, std::uint64_t ns) noexcept {
    __extension__ using u128 = unsigned __int128;
    if (ns == 0) {
        return {};
    }
    const u128 hz = static_cast<u128>(ticks) * ns_per_second / ns;
    if (hz < 100'000'000u || hz > 10'000'000'000u) {
        return {};
    }
    const auto per_second = static_cast<std::uint64_t>(hz);
    const auto q32 = static_cast<std::uint64_t>(
        ((static_cast<u128>(ns_per_second) << 32) + per_second / 2) / per_second);
    return tsc_rate{per_second, q32};
}

tsc_rate calibrate_tsc(std::uint64_t interval_ns) noexcept {
    if (!invariant_tsc()) {
        return {};
    }
    const clock_reference start = read_clock_reference();
    const timespec pause{static_cast<time_t>(interval_ns / ns_per_second),
                         static_cast<long>(interval_ns % ns_per_second)};
    nanosleep(&pause, nullptr);
    const clock_reference end = read_clock_reference();
    if (end.tsc <= start.tsc || end.monotonic_ns <= start.monotonic_ns) {
        return {};
    }
    return rate_of(end.tsc - start.tsc, end.monotonic_ns - start.monotonic_ns);
}

// The tightest of a few bracketed readings: a preemption or a slow clock_gettime between the two
// rdtsc would otherwise put the pair's halves microseconds apart.
clock_reference read_clock_reference() noexcept {
    clock_reference best;
    std::uint64_t best_width = UINT64_MAX;
    for (int attempt = 0; attempt < 5; ++attempt) {
        const std::uint64_t before = read_tsc();
        const std::uint64_t ns = monotonic_ns();
        const std::uint64_t after = read_tsc();
        if (after >= before && after - before < best_width) {
            best_width = after - before;
            best = clock_reference{before + (after - before) / 2, ns};
        }
    }
    return best;
}

const tsc_rate& process_tsc_rate() noexcept {
    static const tsc_rate rate = calibrate_tsc(calibration_interval_ns);
    return rate;
}

std::uint64_t stamp_to_monotonic_ns(std::uint64_t stamp, const tsc_rate& rate,
                                    const clock_reference& now) noexcept {
    if ((stamp & tsc_stamp_bit) == 0) {
        return std::min(stamp, now.monotonic_ns);  // a stamp from the future is forged
    }
    if (!rate.usable() || now.tsc == 0) {
        return 0;  // no rate, or no TSC to measure the age with
    }
    const std::uint64_t ticks = stamp & ~tsc_stamp_bit;
    const std::uint64_t age = ticks < now.tsc ? rate.ticks_to_ns(now.tsc - ticks) : 0;
    return age < now.monotonic_ns ? now.monotonic_ns - age : 0;
}

std::uint64_t stamp_clock::elapsed_across_clocks_ns(std::uint64_t from,
                                                    std::uint64_t to) const noexcept {
    const tsc_rate& rate = rate_.usable() ? rate_ : process_tsc_rate();
    // One pair, not the tightest of several: an interval's error is a few tens of ns either way,
    // and a writer that chose the other clock must not cost each timed message more than that.
    const clock_reference now{read_tsc(), monotonic_ns()};
    const std::uint64_t from_ns = stamp_to_monotonic_ns(from, rate, now);
    const std::uint64_t to_ns = stamp_to_monotonic_ns(to, rate, now);
    return from_ns != 0 && to_ns > from_ns ? to_ns - from_ns : 0;
}

const stamp_clock& process_stamp_clock() noexcept {
    static const stamp_clock clock = [] {
        if (monotonic_forced()) {
            return stamp_clock(clock_kind::monotonic, tsc_rate{});
        }
        const tsc_rate& rate = process_tsc_rate();
        return stamp_clock(rate.usable() ? clock_kind::tsc : clock_kind::monotonic, rate);
    }();
    return clock;
}

}  // namespace ipc::detail
