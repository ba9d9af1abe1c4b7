#pragma once
// Log-linear latency histogram geometry (HdrHistogram-style): values below 8 ns get a bucket
// each; above that every power of two is split into 8 equal sub-buckets, so a bucket's width
// is at most 1/8 of its lower bound (12.5 % resolution). Values at or above 2^36 ns (~69 s)
// share the last bucket. The same geometry is used by the writer and by inspect.

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>

namespace ipc::histogram {

inline constexpr unsigned sub_bucket_bits = 3;
inline constexpr std::uint64_t sub_bucket_count = 1u << sub_bucket_bits;
inline constexpr unsigned max_exponent = 36;
inline constexpr std::size_t bucket_count = (max_exponent - sub_bucket_bits + 1) * sub_bucket_count;

constexpr std::size_t bucket_of(std::uint64_t value_ns) noexcept {
    if (value_ns < sub_bucket_count) {
        return static_cast<std::size_t>(value_ns);
    }
    const unsigned exponent = 63u - static_cast<unsigned>(std::countl_zero(value_ns));
    if (exponent >= max_exponent) {
        return bucket_count - 1;
    }
    const std::uint64_t sub = (value_ns >> (exponent - sub_bucket_bits)) & (sub_bucket_count - 1);
    return (exponent - sub_bucket_bits + 1) * sub_bucket_count + sub;
}

// Smallest value that lands in `bucket`.
constexpr std::uint64_t lower_bound(std::size_t bucket) noexcept {
    if (bucket < sub_bucket_count) {
        return bucket;
    }
    const std::uint64_t exponent = bucket / sub_bucket_count + sub_bucket_bits - 1;
    const std::uint64_t sub = bucket % sub_bucket_count;
    return (sub_bucket_count + sub) << (exponent - sub_bucket_bits);
}

// One past the largest value that lands in `bucket`; the last bucket holds everything larger,
// so its bound is UINT64_MAX.
constexpr std::uint64_t upper_bound(std::size_t bucket) noexcept {
    return bucket + 1 < bucket_count ? lower_bound(bucket + 1) : UINT64_MAX;
}

// Sum of counts, saturating at UINT64_MAX instead of wrapping (the counts come from shared
// memory, which anyone who can write the segment may fill with anything).
constexpr std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) noexcept {
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}
std::uint64_t total(std::span<const std::uint64_t> buckets) noexcept;

// More samples than a real histogram can hold (one per nanosecond for over a century): a total
// above this means the counts were tampered with or are garbage.
inline constexpr std::uint64_t max_plausible_total = std::uint64_t{1} << 62;

// The value below which `fraction` (0..1] of the samples lie, reported as the upper bound of
// the bucket that holds that rank, capped at `max_ns` (the exact largest sample). 0 if empty.
std::uint64_t percentile(std::span<const std::uint64_t> buckets, double fraction,
                         std::uint64_t max_ns) noexcept;

}  // namespace ipc::histogram
