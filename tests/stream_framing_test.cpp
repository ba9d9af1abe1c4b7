// Stream framing on its own: the reader's frame cutter at every length boundary, split at every
// byte, many frames at once, bad lengths; the writer's queue across its wrap.

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "channel/stream/frame_queue.hpp"
#include "channel/stream/frame_reader.hpp"
#include "ipc/varint.hpp"

namespace {

using ipc::errc;
using ipc::detail::frame_queue;
using ipc::detail::frame_reader;

std::vector<std::byte> framed(std::size_t length, std::byte fill) {
    std::byte head[ipc::varint::max_bytes];
    const auto n = ipc::varint::encode(length, head);
    std::vector<std::byte> out(head, head + n);
    out.resize(n + length, fill);
    return out;
}

// Feeds `bytes` in pieces of `piece` and collects the payloads' sizes and first bytes.
std::vector<std::size_t> cut(frame_reader& r, const std::vector<std::byte>& bytes,
                             std::size_t piece, std::vector<std::byte>* firsts = nullptr) {
    std::vector<std::size_t> sizes;
    for (std::size_t at = 0; at < bytes.size();) {
        auto space = r.space();
        const std::size_t n = std::min({piece, space.size(), bytes.size() - at});
        std::memcpy(space.data(), bytes.data() + at, n);
        r.filled(n);
        at += n;
        for (auto f = r.next(); f; f = r.next()) {
            sizes.push_back(f->size());
            if (firsts != nullptr && !f->empty()) {
                firsts->push_back((*f)[0]);
            }
        }
    }
    return sizes;
}

TEST(StreamFraming, LengthsAtEveryVarintBoundaryWholeAndByteByByte) {
    for (std::size_t length : {0u, 1u, 127u, 128u, 16383u, 16384u, 100000u}) {
        const auto bytes = framed(length, std::byte{7});
        for (std::size_t piece : {bytes.size(), std::size_t{1}, std::size_t{3}}) {
            frame_reader r(1 << 20);
            EXPECT_EQ(cut(r, bytes, piece), std::vector<std::size_t>{length})
                << length << " in pieces of " << piece;
            EXPECT_EQ(r.pending(), 0u);
        }
    }
}

TEST(StreamFraming, AFrameSplitAtEveryBytePosition) {
    auto bytes = framed(300, std::byte{1});
    const auto second = framed(5, std::byte{2});
    bytes.insert(bytes.end(), second.begin(), second.end());
    for (std::size_t split = 1; split < bytes.size(); ++split) {
        frame_reader r(1024);
        std::vector<std::size_t> sizes;
        for (auto part : {std::span(bytes).first(split), std::span(bytes).subspan(split)}) {
            auto space = r.space();
            std::memcpy(space.data(), part.data(), part.size());
            r.filled(part.size());
            for (auto f = r.next(); f; f = r.next()) {
                sizes.push_back(f->size());
            }
        }
        EXPECT_EQ(sizes, (std::vector<std::size_t>{300, 5})) << "split at " << split;
    }
}

TEST(StreamFraming, ManyFramesInOneReadInOrder) {
    std::vector<std::byte> bytes;
    for (int i = 0; i < 1000; ++i) {
        const auto f = framed(static_cast<std::size_t>(i % 50), static_cast<std::byte>(i));
        bytes.insert(bytes.end(), f.begin(), f.end());
    }
    frame_reader r(1024);
    std::vector<std::byte> firsts;
    const auto sizes = cut(r, bytes, bytes.size(), &firsts);
    ASSERT_EQ(sizes.size(), 1000u);
    for (int i = 0; i < 1000; ++i) {
        EXPECT_EQ(sizes[static_cast<std::size_t>(i)], static_cast<std::size_t>(i % 50));
    }
    EXPECT_EQ(firsts.front(), std::byte{1});  // frame 0 is empty: the first byte is frame 1's
}

// Lengths far above the maximum (2^32, 2^63) are refused from the length alone: nothing of that
// size is ever allocated.
TEST(StreamFraming, LengthsAboveTheMaximumAndMalformedOnesAreRefused) {
    for (std::uint64_t length :
         {std::uint64_t{1025}, std::uint64_t{1} << 32, std::uint64_t{1} << 63}) {
        frame_reader r(1024);
        std::byte head[ipc::varint::max_bytes];
        const auto n = ipc::varint::encode(length, head);
        std::memcpy(r.space().data(), head, n);
        r.filled(n);
        EXPECT_EQ(r.next().code(), errc::message_too_large) << length;
    }
    const std::vector<std::vector<unsigned char>> bad = {
        std::vector<unsigned char>(11, 0x80),                          // more than 10 bytes
        {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},  // above 64 bits
        {0x80, 0x00},  // non-minimal: 0 in two bytes
    };
    for (const auto& b : bad) {
        frame_reader r(1024);
        std::memcpy(r.space().data(), b.data(), b.size());
        r.filled(b.size());
        EXPECT_EQ(r.next().code(), errc::corrupt);
    }
}

// A length within the maximum, claimed with hardly any bytes behind it, costs no memory: the
// buffer grows with the bytes that arrive (it used to grow to the claimed 10 MiB at once).
TEST(StreamFraming, MemoryFollowsTheBytesSentNotTheLengthClaimed) {
    frame_reader r(16 << 20);
    std::byte head[ipc::varint::max_bytes];
    const auto n = ipc::varint::encode(10 << 20, head);
    auto space = r.space();
    std::memcpy(space.data(), head, n);
    r.filled(n + 1);
    EXPECT_EQ(r.next().code(), errc::empty);
    EXPECT_LE(r.space().size(), std::size_t{64 * 1024}) << "no 10 MiB for a 4-byte promise";
    // Sent for real, the frame arrives whole, and the memory goes back after it.
    const auto whole = framed(10 << 20, std::byte{3});
    frame_reader big(16 << 20);
    EXPECT_EQ(cut(big, whole, 1 << 20), std::vector<std::size_t>{std::size_t{10} << 20});
    EXPECT_LE(big.space().size(), std::size_t{64 * 1024});
}

TEST(StreamFraming, TheQueueWrapsAndWritesAFrameAgainWholeAfterAFailure) {
    frame_queue q(4, 64);
    const std::vector<std::byte> payload(20, std::byte{9});
    std::vector<std::byte> wire;
    std::size_t sent = 0;
    const auto write = [&](std::size_t at_most) {
        iovec iov[2];
        const std::size_t parts = q.unwritten(iov);
        std::size_t n = 0;
        for (std::size_t i = 0; i < parts && n < at_most; ++i) {
            const std::size_t take = std::min(iov[i].iov_len, at_most - n);
            const auto* p = static_cast<const std::byte*>(iov[i].iov_base);
            wire.insert(wire.end(), p, p + take);
            n += take;
        }
        q.consume(n, [&](const auto&) { ++sent; });
    };
    for (int round = 0; round < 10; ++round) {  // 21-byte frames through a 64-byte ring
        ASSERT_TRUE(q.has_room(payload.size()));
        q.push(payload, 0);
        ASSERT_TRUE(q.has_room(payload.size()));
        q.push(payload, 0);
        write(30);  // the first whole, the second in part
        EXPECT_TRUE(q.rewind()) << "the second was begun";
        wire.resize(wire.size() - 9);  // its 9 bytes went with the failed connection
        write(1000);
    }
    EXPECT_EQ(sent, 20u);
    frame_reader r(64);
    EXPECT_EQ(cut(r, wire, 7).size(), 20u) << "every frame whole on the wire, once";
    EXPECT_FALSE(q.has_room(100)) << "a frame larger than the ring never fits";
}

// A caller writing a large frame itself queues it unfilled (its bytes are on their way from
// the caller's buffer) and fills in the rest only if it must leave it to the sender: the
// frame then goes out whole, from where the kernel stopped, before what was queued behind it.
TEST(StreamFraming, AnUnfilledFrameIsFilledInPlaceAcrossTheWrap) {
    frame_queue q(4, 64);
    std::vector<std::byte> one(30);
    std::vector<std::byte> two(10, std::byte{0x22});
    for (std::size_t i = 0; i < one.size(); ++i) {
        one[i] = std::byte(i);
    }
    q.push(std::vector<std::byte>(40), 0);  // moves the ring's tail past its middle
    q.consume(41, [](const auto&) {});
    const std::uint64_t at = q.push_unfilled(one.size(), 0);
    q.push(two, 0);  // queued behind it while the caller writes
    q.consume(13, [](const auto&) {});
    q.fill(at, one);
    std::vector<std::byte> wire = framed(30, std::byte{0});
    std::memcpy(wire.data() + 1, one.data(), one.size());
    wire.erase(wire.begin(), wire.begin() + 13);
    const auto more = framed(10, std::byte{0x22});
    wire.insert(wire.end(), more.begin(), more.end());
    iovec iov[2];
    const std::size_t parts = q.unwritten(iov);
    std::vector<std::byte> rest;
    for (std::size_t i = 0; i < parts; ++i) {
        const auto* p = static_cast<const std::byte*>(iov[i].iov_base);
        rest.insert(rest.end(), p, p + iov[i].iov_len);
    }
    EXPECT_EQ(parts, 2u) << "the unfilled frame straddles the ring's end";
    EXPECT_EQ(rest, wire);
}

}  // namespace
