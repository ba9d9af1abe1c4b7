// The layouts are part of the wire contract (docs/LAYOUT.md). static_asserts in the headers pin
// them at compile time; this test pins the constants a foreign implementation must match.

#include <gtest/gtest.h>

#include <cstring>

#include "channel/ring/ring_layout.hpp"
#include "ipc/layout/telemetry_layout.hpp"

namespace {

using namespace ipc::layout;

TEST(Layout, MagicAndReadyWordsSpellTheirNames) {
    const char magic[] = "LIPC";
    std::uint32_t m = 0;
    std::memcpy(&m, magic, 4);
    EXPECT_EQ(m, segment_magic);
    const char ready[] = "REDY";
    std::memcpy(&m, ready, 4);
    EXPECT_EQ(m, ready_value);
}

TEST(Layout, RecordSizesAreAlignedAndIncludeTheHeader) {
    EXPECT_EQ(record_size(0), 16u);
    EXPECT_EQ(record_size(1), 32u);
    EXPECT_EQ(record_size(16), 32u);
    EXPECT_EQ(record_size(17), 48u);
    for (std::uint64_t n = 0; n < 200; ++n) {
        EXPECT_EQ(record_size(n) % record_alignment, 0u);
        EXPECT_GE(record_size(n), n + sizeof(record_header));
        EXPECT_LT(record_size(n), n + sizeof(record_header) + record_alignment);
    }
}

TEST(Layout, RingIndicesSitOnTheirOwnCacheLines) {
    EXPECT_EQ(offsetof(ring_control, write_index) / cache_line, 1u);
    EXPECT_EQ(offsetof(ring_control, read_index) / cache_line, 2u);
    EXPECT_EQ(offsetof(ring_control, reader_sleeping) / cache_line, 3u);
    EXPECT_EQ(ring_segment_data_offset % 128, 0u);
    EXPECT_GE(ring_segment_data_offset, sizeof(ring_segment));
}

TEST(Layout, TelemetryRecordsAreWholeCacheLines) {
    EXPECT_EQ(sizeof(endpoint_record) % cache_line, 0u);
    EXPECT_EQ(sizeof(telemetry_header) % cache_line, 0u);
    EXPECT_EQ(offsetof(endpoint_record, counters) % cache_line, 0u);
}

}  // namespace
