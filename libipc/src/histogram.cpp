#include "ipc/histogram.hpp"

#include <algorithm>
#include <cmath>

namespace ipc::histogram {

std::uint64_t percentile(std::span<const std::uint64_t> buckets, double fraction,
                         std::uint64_t max_ns) noexcept {
    std::uint64_t total = 0;
    for (auto count : buckets) {
        total += count;
    }
    if (total == 0) {
        return 0;
    }
    fraction = std::clamp(fraction, 0.0, 1.0);
    const auto rank = std::max<std::uint64_t>(
        1, static_cast<std::uint64_t>(std::ceil(fraction * static_cast<double>(total))));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < buckets.size(); ++i) {
        seen += buckets[i];
        if (seen >= rank) {
            // The bucket's largest value; never above the exact maximum.
            return std::min(upper_bound(i) - 1, max_ns);
        }
    }
    return max_ns;
}

}  // namespace ipc::histogram
