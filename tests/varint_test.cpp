#include "ipc/varint.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <limits>
#include <vector>

namespace {

using ipc::errc;

std::vector<std::byte> bytes(std::initializer_list<int> values) {
    std::vector<std::byte> out;
    for (int v : values) {
        out.push_back(static_cast<std::byte>(v));
    }
    return out;
}

TEST(Varint, RoundTripsBoundaryValues) {
    std::vector<std::uint64_t> values = {0, 1, 127, 128, 255, 300, 16383, 16384};
    for (unsigned shift = 7; shift < 64; shift += 7) {
        values.push_back((std::uint64_t{1} << shift) - 1);
        values.push_back(std::uint64_t{1} << shift);
    }
    values.push_back(std::numeric_limits<std::uint64_t>::max());
    for (auto v : values) {
        std::array<std::byte, ipc::varint::max_bytes> buf{};
        const auto n = ipc::varint::encode(v, buf);
        EXPECT_EQ(n, ipc::varint::encoded_size(v)) << v;
        auto d = ipc::varint::decode(std::span(buf.data(), n));
        ASSERT_TRUE(d) << v;
        EXPECT_EQ(d->value, v);
        EXPECT_EQ(d->length, n);
    }
}

TEST(Varint, KnownEncodings) {
    std::array<std::byte, ipc::varint::max_bytes> buf{};
    ASSERT_EQ(ipc::varint::encode(300, buf), 2u);
    EXPECT_EQ(buf[0], std::byte{0xac});
    EXPECT_EQ(buf[1], std::byte{0x02});
    EXPECT_EQ(ipc::varint::encode(UINT64_MAX, buf), 10u);
    EXPECT_EQ(buf[9], std::byte{0x01});
}

TEST(Varint, DecodeStopsAtFirstTerminator) {
    const auto in = bytes({0x96, 0x01, 0xff});
    auto d = ipc::varint::decode(in);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->value, 150u);
    EXPECT_EQ(d->length, 2u);
}

TEST(Varint, IncompleteInputIsEmptyNotCorrupt) {
    EXPECT_EQ(ipc::varint::decode({}).code(), errc::empty);
    EXPECT_EQ(ipc::varint::decode(bytes({0x80})).code(), errc::empty);
    EXPECT_EQ(ipc::varint::decode(bytes({0xff, 0xff, 0xff})).code(), errc::empty);
}

TEST(Varint, RejectsOverlongAndOverflow) {
    // 11 bytes.
    EXPECT_EQ(ipc::varint::decode(
                  bytes({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}))
                  .code(),
              errc::corrupt);
    // 10th byte carries more than the top bit.
    EXPECT_EQ(
        ipc::varint::decode(bytes({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02}))
            .code(),
        errc::corrupt);
}

TEST(Varint, RejectsNonMinimalEncoding) {
    EXPECT_EQ(ipc::varint::decode(bytes({0x80, 0x00})).code(), errc::corrupt);
    EXPECT_EQ(ipc::varint::decode(bytes({0x81, 0x80, 0x00})).code(), errc::corrupt);
}

}  // namespace
