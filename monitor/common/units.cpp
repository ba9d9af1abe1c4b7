#include "common/units.hpp"

#include <fmt/format.h>

#include <array>

namespace units {

namespace {

// Scales `value` by `step` until it is below `step`, then prints it with a suffix.
template <std::size_t N>
std::string scaled(double value, double step, const std::array<const char*, N>& suffixes) {
    std::size_t i = 0;
    while (value >= step && i + 1 < N) {
        value /= step;
        ++i;
    }
    if (i == 0) {
        return fmt::format("{:.0f}{}", value, suffixes[0]);
    }
    const int decimals = value < 10 ? 2 : value < 100 ? 1 : 0;
    return fmt::format("{:.{}f}{}", value, decimals, suffixes[i]);
}

}  // namespace

std::string format_duration_ns(std::uint64_t ns) {
    return scaled(static_cast<double>(ns), 1000.0,
                  std::array<const char*, 4>{" ns", " us", " ms", " s"});
}

std::string format_count(double value) {
    return scaled(value, 1000.0, std::array<const char*, 5>{"", "k", "M", "G", "T"});
}

std::string format_bytes(double bytes) {
    return scaled(bytes, 1024.0, std::array<const char*, 5>{" B", " KiB", " MiB", " GiB", " TiB"});
}

}  // namespace units
