#include "ipc/histogram.hpp"

#include <algorithm>
#include <cmath>

namespace ipc::histogram {

std::uint64_t total(std::span<const std::uint64_t> buckets) noexcept {
    std::uint64_t sum = 0;
    for (auto count : buckets) {
        sum = saturating_add(sum, count);
    }
    return sum;
}

std::uint64_t percentile(std::span<const std::uint64_t> buckets, double fraction,
                         std::uint64_t max_ns) noexcept {
    const std::uint64_t samples = total(buckets);
    if (samples == 0) {
        return 0;
    }
    fraction = std::clamp(fraction, 0.0, 1.0);
    // A double rounds a count near 2^64 up to 2^64, which no integer holds: clamp.
    const double wanted = std::ceil(fraction * static_cast<double>(samples));
    const std::uint64_t rank =
        wanted >= 0x1p64 ? samples : std::max<std::uint64_t>(1, static_cast<std::uint64_t>(wanted));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < buckets.size(); ++i) {
        seen = saturating_add(seen, buckets[i]);
        if (seen >= rank) {
            // The bucket's largest value; never above the exact maximum.
            return std::min(upper_bound(i) - 1, max_ns);
        }
    }
    return max_ns;
}

}  // namespace ipc::histogram
