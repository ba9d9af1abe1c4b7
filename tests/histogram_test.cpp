#include "ipc/histogram.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace {

namespace h = ipc::histogram;

TEST(Histogram, SmallValuesHaveExactBuckets) {
    for (std::uint64_t v = 0; v < 8; ++v) {
        EXPECT_EQ(h::bucket_of(v), v);
        EXPECT_EQ(h::lower_bound(v), v);
        EXPECT_EQ(h::upper_bound(v), v + 1);
    }
}

TEST(Histogram, EveryValueLiesWithinItsBucket) {
    for (std::uint64_t v = 0; v < 100000; v += 7) {
        const auto b = h::bucket_of(v);
        EXPECT_LE(h::lower_bound(b), v);
        EXPECT_LT(v, h::upper_bound(b));
    }
    for (unsigned e = 3; e < h::max_exponent; ++e) {
        for (std::uint64_t v : {std::uint64_t{1} << e, (std::uint64_t{1} << (e + 1)) - 1}) {
            const auto b = h::bucket_of(v);
            EXPECT_LE(h::lower_bound(b), v) << v;
            EXPECT_LT(v, h::upper_bound(b)) << v;
        }
    }
}

TEST(Histogram, BucketsAreContiguousAndWithinResolution) {
    for (std::size_t b = 0; b + 1 < h::bucket_count; ++b) {
        EXPECT_EQ(h::upper_bound(b), h::lower_bound(b + 1));
        const auto width = h::upper_bound(b) - h::lower_bound(b);
        EXPECT_LE(width * 8, std::max<std::uint64_t>(h::lower_bound(b), 8)) << b;
    }
}

TEST(Histogram, HugeValuesShareTheLastBucket) {
    EXPECT_EQ(h::bucket_of(std::uint64_t{1} << 36), h::bucket_count - 1);
    EXPECT_EQ(h::bucket_of(UINT64_MAX), h::bucket_count - 1);
    // The last bucket is unbounded above: every value in it is below its upper bound.
    EXPECT_EQ(h::upper_bound(h::bucket_count - 1), UINT64_MAX);
}

TEST(Histogram, Percentiles) {
    std::vector<std::uint64_t> buckets(h::bucket_count, 0);
    // 90 samples of 100 ns, 9 of 1000 ns, 1 of 50000 ns.
    buckets[h::bucket_of(100)] += 90;
    buckets[h::bucket_of(1000)] += 9;
    buckets[h::bucket_of(50000)] += 1;
    const auto p50 = h::percentile(buckets, 0.5, 50000);
    EXPECT_GE(p50, 100u);
    EXPECT_LT(p50, 100u + 100u / 8 + 1);
    const auto p99 = h::percentile(buckets, 0.99, 50000);
    EXPECT_GE(p99, 1000u);
    EXPECT_LT(p99, 1000u + 1000u / 8 + 1);
    EXPECT_EQ(h::percentile(buckets, 1.0, 50000), 50000u);
}

TEST(Histogram, EmptyHistogramReportsZero) {
    std::vector<std::uint64_t> buckets(h::bucket_count, 0);
    EXPECT_EQ(h::percentile(buckets, 0.99, 0), 0u);
}

TEST(Histogram, PercentileNeverExceedsMax) {
    std::vector<std::uint64_t> buckets(h::bucket_count, 0);
    buckets[h::bucket_of(1000)] = 1;
    EXPECT_EQ(h::percentile(buckets, 0.5, 1000), 1000u);
}

}  // namespace
