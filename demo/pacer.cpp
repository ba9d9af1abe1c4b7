#include "pacer.hpp"

#include <time.h>

#include "ipc/clock.hpp"

namespace demo {

namespace {
constexpr std::uint64_t slack_ns = 200'000;
}

pacer::pacer(double rate_per_s)
    : period_ns_(rate_per_s > 0 ? 1e9 / rate_per_s : 0), start_ns_(ipc::monotonic_ns()) {}

void pacer::wait_turn(std::uint64_t sent) {
    if (period_ns_ == 0) {
        return;
    }
    const auto due = start_ns_ + static_cast<std::uint64_t>(period_ns_ * static_cast<double>(sent));
    if (due > ipc::monotonic_ns() + slack_ns) {
        timespec ts{static_cast<time_t>(due / 1'000'000'000u),
                    static_cast<long>(due % 1'000'000'000u)};
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);
    }
}

}  // namespace demo
