#pragma once
// The clock that channels stamp messages and activity with (internal). Reading it must cost a
// few ns, because a send and a receive each take one stamp: the TSC (rdtsc, ~11 ns on the
// kvm-clock VM of docs/BENCHMARKS.md, where clock_gettime takes ~28) wherever it is invariant,
// else CLOCK_MONOTONIC. The choice is made once per process; IPC_CLOCK=monotonic forces the
// fallback.
//
// A stamp says which clock made it (tsc_stamp_bit), so that a process that chose differently
// still reads it right. TSC stamps are ticks, never converted when taken: latency is the
// difference of two stamps, converted to ns once, with this process's calibration. That is
// exact whichever process calibrated, because every core reads the same invariant counter; a
// conversion of an absolute stamp to CLOCK_MONOTONIC would instead drift with the
// calibration's error times the process's age.

#include <cstdint>

#include "ipc/clock.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define IPC_HAVE_TSC 1
#else
#define IPC_HAVE_TSC 0
#endif

namespace ipc::detail {

// Set in TSC stamps, clear in CLOCK_MONOTONIC ones. Neither count reaches 2^63 (292 years of
// ns; 70 years of ticks at 4 GHz since the machine started).
inline constexpr std::uint64_t tsc_stamp_bit = std::uint64_t{1} << 63;

enum class clock_kind : std::uint32_t { monotonic = 0, tsc = 1 };

inline std::uint64_t read_tsc() noexcept {
#if IPC_HAVE_TSC
    return __rdtsc();
#else
    return 0;
#endif
}

// The TSC's rate against CLOCK_MONOTONIC; ticks_per_second == 0 where the TSC is unusable (not
// invariant, not x86, or a calibration that makes no sense).
struct tsc_rate {
    std::uint64_t ticks_per_second = 0;
    std::uint64_t ns_per_tick_q32 = 0;  // 2^32 * 1e9 / ticks_per_second

    bool usable() const noexcept { return ticks_per_second != 0; }
    std::uint64_t ticks_to_ns(std::uint64_t ticks) const noexcept {
        __extension__ using u128 = unsigned __int128;
        return static_cast<std::uint64_t>((static_cast<u128>(ticks) * ns_per_tick_q32) >> 32);
    }
};

// A rate from a measured interval; unusable unless it lies between 100 MHz and 10 GHz.
tsc_rate rate_of(std::uint64_t ticks, std::uint64_t ns) noexcept;

// Measures the TSC against CLOCK_MONOTONIC over `interval_ns` (sleeping in between). Unusable
// where the CPU does not promise an invariant TSC.
tsc_rate calibrate_tsc(std::uint64_t interval_ns) noexcept;

// This process's calibration, measured once on first use (over 2 ms), whichever clock the
// process stamps with: it also converts TSC stamps from other processes.
const tsc_rate& process_tsc_rate() noexcept;

// A TSC reading and a CLOCK_MONOTONIC reading taken together (the tightest of a few bracketed
// tries): the reference against which an observer turns a stamp from another process into
// CLOCK_MONOTONIC ns, and the ends of a calibration.
struct clock_reference {
    std::uint64_t tsc = 0;
    std::uint64_t monotonic_ns = 0;
};
clock_reference read_clock_reference() noexcept;

// CLOCK_MONOTONIC ns at `stamp`, measured back from `now` with `rate` (a stamp later than `now`
// is taken as `now`). 0 for a TSC stamp when the rate is unusable or `now` has no TSC reading.
std::uint64_t stamp_to_monotonic_ns(std::uint64_t stamp, const tsc_rate& rate,
                                    const clock_reference& now) noexcept;

class stamp_clock {
  public:
    stamp_clock(clock_kind kind, const tsc_rate& rate) noexcept
        : kind_(kind), kind_bit_(kind == clock_kind::tsc ? tsc_stamp_bit : 0), rate_(rate) {}

    clock_kind kind() const noexcept { return kind_; }
    const tsc_rate& rate() const noexcept { return rate_; }
    // How far apart two of this clock's stamps are when `ns` apart: compared with a difference
    // of stamps, it times intervals on the hot path without a conversion.
    std::uint64_t stamps_in(std::uint64_t ns) const noexcept {
        return kind_bit_ != 0 && rate_.usable() ? ns * rate_.ticks_per_second / 1'000'000'000 : ns;
    }

    std::uint64_t now() const noexcept {
        return kind_bit_ != 0 ? read_tsc() | tsc_stamp_bit : monotonic_ns();
    }

    // Nanoseconds from stamp `from` to stamp `to`; 0 when `to` is not after `from` (rdtsc is
    // not ordered with the loads around it, so two stamps from two cores can be a few ticks
    // out of order).
    std::uint64_t elapsed_ns(std::uint64_t from, std::uint64_t to) const noexcept {
        if ((from & tsc_stamp_bit) == kind_bit_ && (to & tsc_stamp_bit) == kind_bit_) {
            if (to <= from) {
                return 0;
            }
            return kind_bit_ != 0 ? rate_.ticks_to_ns(to - from) : to - from;
        }
        return elapsed_across_clocks_ns(from, to);
    }

  private:
    std::uint64_t elapsed_across_clocks_ns(std::uint64_t from, std::uint64_t to) const noexcept;

    clock_kind kind_;
    std::uint64_t kind_bit_;
    tsc_rate rate_;
};

// This process's clock: the TSC unless it is unusable or IPC_CLOCK=monotonic.
const stamp_clock& process_stamp_clock() noexcept;

}  // namespace ipc::detail
