#include "ipc/ring.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <numeric>
#include <vector>

#include "channel/ring/ring_layout.hpp"
#include "ipc/detail/atomic.hpp"
#include "ipc/mapping.hpp"
#include "ipc/shm.hpp"
#include "support/copy_of.hpp"
#include "support/message_stream.hpp"
#include "support/names.hpp"
#include "support/other_user.hpp"
#include "sync/doorbell.hpp"
#include "sync/handshake.hpp"

namespace {

using ipc::errc;
using namespace std::chrono_literals;

std::span<const std::byte> as_bytes(const std::vector<std::byte>& v) {
    return {v.data(), v.size()};
}

// memcmp with a length of 0 may still not be given a null pointer (an empty vector's data()).
bool same_bytes(const std::byte* a, const std::byte* b, std::size_t n) {
    return std::equal(a, a + n, b);
}

std::vector<std::byte> pattern(std::size_t n, std::uint64_t seed) {
    std::vector<std::byte> v(n);
    ipc::test::fill_message(seed, n, v);
    return v;
}

struct ring_pair {
    ipc::ring_writer writer;
    ipc::ring_reader reader;
};

ring_pair open_pair(const std::string& name, ipc::ring_options o = {}) {
    auto w = ipc::ring_writer::open(name, o);
    EXPECT_TRUE(w) << w.error_value().message();
    auto r = ipc::ring_reader::open(name, o);
    EXPECT_TRUE(r) << r.error_value().message();
    return {std::move(*w), std::move(*r)};
}

// Where the pair's memory comes from: the message and zero-copy cases run over each.
enum class pair_source { named, memfd_futex, memfd_eventfd };

class RingOverEachSource : public ::testing::TestWithParam<pair_source> {
  protected:
    ring_pair pair(const std::string& stem, ipc::ring_options o = {}) {
        if (GetParam() == pair_source::named) {
            return open_pair(ipc::test::unique_name(stem), o);
        }
        o.doorbell = GetParam() == pair_source::memfd_eventfd ? ipc::doorbell_kind::eventfd
                                                              : ipc::doorbell_kind::futex;
        auto fds = ipc::create_memfd_ring(o);
        EXPECT_TRUE(fds) << fds.error_value().message();
        auto w = ipc::ring_writer::adopt(stem, ipc::test::copy_of(*fds), o);
        EXPECT_TRUE(w) << w.error_value().message();
        auto r = ipc::ring_reader::adopt(stem, std::move(*fds), o);
        EXPECT_TRUE(r) << r.error_value().message();
        return {std::move(*w), std::move(*r)};
    }
};

bool segment_exists(const std::string& name) {
    return ipc::shm::open(ipc::shm::object_name("ring", name), ipc::access::read_only).has_value();
}

TEST(RingOpen, RejectsBadNamesAndSizes) {
    EXPECT_EQ(ipc::ring_writer::open("bad/name").code(), errc::bad_name);
    EXPECT_EQ(ipc::ring_writer::open("").code(), errc::bad_name);
    ipc::ring_options o;
    o.max_message = 0;
    EXPECT_EQ(ipc::ring_writer::open(ipc::test::unique_name("zero"), o).code(),
              errc::invalid_argument);
    o.max_message = (1u << 30) + 1;
    EXPECT_EQ(ipc::ring_writer::open(ipc::test::unique_name("huge"), o).code(),
              errc::invalid_argument);
}

TEST(RingOpen, OpenOnlyAndCreateOnly) {
    const auto name = ipc::test::unique_name("modes");
    ipc::ring_options o;
    o.mode = ipc::open_mode::open_only;
    EXPECT_EQ(ipc::ring_reader::open(name, o).code(), errc::not_found);
    o.mode = ipc::open_mode::create_only;
    auto w = ipc::ring_writer::open(name, o);
    ASSERT_TRUE(w);
    EXPECT_EQ(ipc::ring_reader::open(name, o).code(), errc::already_exists);
}

TEST(RingOpen, GeometryMustMatch) {
    const auto name = ipc::test::unique_name("geom");
    auto w = ipc::ring_writer::open(name);
    ASSERT_TRUE(w);
    ipc::ring_options other;
    other.max_message = 1000;
    EXPECT_EQ(ipc::ring_reader::open(name, other).code(), errc::geometry_mismatch);
    other = {};
    other.capacity = 1 << 20;
    EXPECT_EQ(ipc::ring_reader::open(name, other).code(), errc::geometry_mismatch);
}

TEST(RingOpen, SecondLiveWriterIsBusy) {
    const auto name = ipc::test::unique_name("busy");
    auto w = ipc::ring_writer::open(name);
    ASSERT_TRUE(w);
    EXPECT_EQ(ipc::ring_writer::open(name).code(), errc::busy);
    w->close();
    // A closed end can be taken again.
    EXPECT_TRUE(ipc::ring_writer::open(name));
}

TEST(RingOpen, PermissionDeniedForAnotherUser) {
    if (!ipc::test::can_act_as_other_user()) {
        GTEST_SKIP() << ipc::test::other_user_skip_reason;
    }
    const auto name = ipc::test::unique_name("perm");
    auto w = ipc::ring_writer::open(name);
    ASSERT_TRUE(w);
    EXPECT_EQ(ipc::test::as_other_user([&] {
                  ipc::ring_options o;
                  o.telemetry = false;
                  return ipc::ring_reader::open(name, o).code() == errc::permission_denied ? 0 : 1;
              }),
              0);
}

TEST(RingOpen, EitherSideMayStartFirst) {
    const auto name = ipc::test::unique_name("order");
    auto r = ipc::ring_reader::open(name);
    ASSERT_TRUE(r);
    auto w = ipc::ring_writer::open(name);
    ASSERT_TRUE(w);
    const auto msg = pattern(10, 1);
    ASSERT_TRUE(w->try_send(as_bytes(msg)));
    std::vector<std::byte> buf(100);
    auto n = r->try_receive(buf);
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, 10u);
}

TEST(RingLifetime, CreatorRemovesSegmentUnlessKept) {
    const auto name = ipc::test::unique_name("remove");
    {
        auto p = open_pair(name);
        EXPECT_TRUE(segment_exists(name));
    }
    EXPECT_FALSE(segment_exists(name));
    ipc::ring_options keep;
    keep.keep_segment = true;
    { auto p = open_pair(name, keep); }
    EXPECT_TRUE(segment_exists(name));
    EXPECT_TRUE(ipc::shm::unlink(ipc::shm::object_name("ring", name)));
}

TEST(RingLifetime, KeptSegmentIsDrainedByALaterReader) {
    const auto name = ipc::test::unique_name("later");
    ipc::ring_options keep;
    keep.keep_segment = true;
    {
        auto w = ipc::ring_writer::open(name, keep);
        ASSERT_TRUE(w);
        ASSERT_TRUE(w->try_send(as_bytes(pattern(5, 2))));
    }
    auto r = ipc::ring_reader::open(name);
    ASSERT_TRUE(r);
    auto v = r->try_read();
    ASSERT_TRUE(v) << v.error_value().message();
    EXPECT_EQ(v->payload.size(), 5u);
    r->release();
    EXPECT_TRUE(ipc::shm::unlink(ipc::shm::object_name("ring", name)));
}

TEST_P(RingOverEachSource, LengthsZeroOneMaxAndTooLarge) {
    ipc::ring_options o;
    o.max_message = 1000;
    auto p = pair("lengths", o);
    std::vector<std::byte> buf(2000);
    for (std::size_t len : {0u, 1u, 1000u}) {
        const auto msg = pattern(len, len);
        ASSERT_TRUE(p.writer.try_send(as_bytes(msg))) << len;
        auto n = p.reader.try_receive(buf);
        ASSERT_TRUE(n) << len;
        ASSERT_EQ(*n, len);
        EXPECT_TRUE(same_bytes(buf.data(), msg.data(), len));
    }
    const auto big = pattern(1001, 3);
    EXPECT_EQ(p.writer.try_send(as_bytes(big)).code(), errc::message_too_large);
    EXPECT_EQ(p.writer.try_reserve(1001).code(), errc::message_too_large);
    EXPECT_EQ(p.reader.try_receive(buf).code(), errc::empty);
}

TEST_P(RingOverEachSource, FullAndEmpty) {
    ipc::ring_options o;
    o.max_message = 64;
    o.capacity = 1024;
    auto p = pair("full", o);
    EXPECT_EQ(p.reader.try_read().code(), errc::empty);
    // 64-byte records: 15 fit, since one 16-byte slot after the newest record stays free.
    const auto msg = pattern(48, 4);
    int sent = 0;
    while (p.writer.try_send(as_bytes(msg))) {
        ++sent;
    }
    EXPECT_EQ(sent, 15);
    EXPECT_EQ(p.writer.try_send(as_bytes(msg)).code(), errc::queue_full);
    EXPECT_EQ(p.writer.send(as_bytes(msg), 1ms).code(), errc::timeout);
    // A deadline already past when the call first looks is still a timed call's timeout, not
    // a try-call's refusal (a slow machine turned a 1 us read into `empty`).
    EXPECT_EQ(p.writer.send(as_bytes(msg), 1ns).code(), errc::timeout);
    std::vector<std::byte> buf(64);
    for (int i = 0; i < sent; ++i) {
        ASSERT_TRUE(p.reader.try_receive(buf));
    }
    EXPECT_EQ(p.reader.try_receive(buf).code(), errc::empty);
    EXPECT_EQ(p.reader.receive(buf, 1ms).code(), errc::timeout);
    EXPECT_EQ(p.reader.receive(buf, 1ns).code(), errc::timeout);
    EXPECT_EQ(p.reader.read(1ns).code(), errc::timeout);
    EXPECT_TRUE(p.writer.try_send(as_bytes(msg)));
}

// Puts the next record at every 16-byte position of the data area, then writes each size that
// straddles the end, so every padding case is taken.
TEST_P(RingOverEachSource, WrapAroundAtEveryPositionAndSizeNearTheBoundary) {
    ipc::ring_options o;
    o.max_message = 100;
    o.capacity = 256;
    auto p = pair("wrap", o);
    ASSERT_EQ(p.writer.capacity(), 256u);
    std::vector<std::byte> buf(100);
    std::uint64_t pos = 0;  // write position mod capacity, tracked by the test
    std::uint64_t seed = 0;
    const auto roundtrip = [&](std::size_t len) {
        const auto msg = pattern(len, ++seed);
        ASSERT_TRUE(p.writer.try_send(as_bytes(msg))) << "len " << len << " pos " << pos;
        auto n = p.reader.try_receive(buf);
        ASSERT_TRUE(n) << "len " << len << " pos " << pos;
        ASSERT_EQ(*n, len);
        ASSERT_TRUE(same_bytes(buf.data(), msg.data(), len));
        const auto size = ipc::layout::record_size(len);
        const auto tail = 256 - pos;
        pos = (size <= tail ? pos + size : size) % 256;
    };
    for (std::uint64_t target = 0; target < 256; target += 16) {
        for (std::uint64_t tail_minus = 0; tail_minus <= 48; tail_minus += 1) {
            while (pos != target) {
                roundtrip(0);
            }
            const std::uint64_t tail = 256 - target;
            // Payload lengths whose records end just before, at and just after the end.
            const std::int64_t len =
                static_cast<std::int64_t>(tail) - 16 - static_cast<std::int64_t>(tail_minus) + 24;
            if (len >= 0 && len <= 100) {
                roundtrip(static_cast<std::size_t>(len));
                roundtrip(7);  // the record after a wrap is intact too
            }
        }
    }
}

TEST_P(RingOverEachSource, ReserveCommitReadRelease) {
    auto p = pair("zc");
    auto span = p.writer.try_reserve(100);
    ASSERT_TRUE(span);
    std::iota(reinterpret_cast<unsigned char*>(span->data()),
              reinterpret_cast<unsigned char*>(span->data()) + 100, 0);
    // Nothing is visible before commit.
    EXPECT_EQ(p.reader.try_read().code(), errc::empty);
    ASSERT_TRUE(p.writer.commit(60));  // commit fewer bytes than reserved
    auto v = p.reader.try_read();
    ASSERT_TRUE(v);
    ASSERT_EQ(v->payload.size(), 60u);
    EXPECT_EQ(static_cast<unsigned char>(v->payload[59]), 59);
    // Reading again without release returns the same message.
    auto again = p.reader.try_read();
    ASSERT_TRUE(again);
    EXPECT_EQ(again->payload.data(), v->payload.data());
    p.reader.release();
    EXPECT_EQ(p.reader.try_read().code(), errc::empty);
}

TEST_P(RingOverEachSource, CommitErrors) {
    auto p = pair("commit");
    EXPECT_EQ(p.writer.commit(1).code(), errc::invalid_argument);
    ASSERT_TRUE(p.writer.try_reserve(10));
    EXPECT_EQ(p.writer.commit(11).code(), errc::invalid_argument);
    EXPECT_TRUE(p.writer.commit(10));
}

TEST_P(RingOverEachSource, SmallReceiveBufferLeavesTheMessage) {
    auto p = pair("smallbuf");
    ASSERT_TRUE(p.writer.try_send(as_bytes(pattern(50, 5))));
    std::vector<std::byte> small(10);
    EXPECT_EQ(p.reader.try_receive(small).code(), errc::invalid_argument);
    std::vector<std::byte> big(50);
    auto n = p.reader.try_receive(big);
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, 50u);
}

TEST_P(RingOverEachSource, ReaderDrainsThenSeesPeerClosedAfterWriterCloses) {
    auto p = pair("drain");
    ASSERT_TRUE(p.writer.try_send(as_bytes(pattern(8, 6))));
    ASSERT_TRUE(p.writer.try_send(as_bytes(pattern(9, 7))));
    p.writer.close();
    std::vector<std::byte> buf(16);
    EXPECT_TRUE(p.reader.receive(buf, 1s));
    EXPECT_TRUE(p.reader.receive(buf, 1s));
    EXPECT_EQ(p.reader.receive(buf, ipc::forever).code(), errc::peer_closed);
    EXPECT_FALSE(p.reader.writer_alive());
}

TEST_P(RingOverEachSource, ClosedEndpointsReportClosed) {
    auto p = pair("closed");
    p.writer.close();
    p.reader.close();
    std::vector<std::byte> buf(4);
    EXPECT_EQ(p.writer.try_send(as_bytes(pattern(1, 1))).code(), errc::closed);
    EXPECT_EQ(p.reader.try_receive(buf).code(), errc::closed);
}

INSTANTIATE_TEST_SUITE_P(Sources, RingOverEachSource,
                         ::testing::Values(pair_source::named, pair_source::memfd_futex,
                                           pair_source::memfd_eventfd),
                         [](const auto& info) {
                             switch (info.param) {
                                 case pair_source::named:
                                     return "named";
                                 case pair_source::memfd_futex:
                                     return "memfd_futex";
                                 case pair_source::memfd_eventfd:
                                     return "memfd_eventfd";
                             }
                             return "unknown";
                         });

}  // namespace

namespace {

// An adaptive reader that sleeps more than once a millisecond asks its writer to fence (its
// sleeps then skip membarrier); once messages flow without sleeps it must let the writer skip
// the fence again. It once never did: two sleeps while waiting for a writer to start left the
// writer fencing every commit for the rest of the run (64 B throughput 36.7 M -> 25 M msgs/s).
TEST(RingSleepMode, AnAdaptiveReaderThatStopsSleepingLetsItsWriterSkipTheFence) {
    ipc::detail::register_for_asymmetric_fences();
    if (!ipc::detail::asymmetric_fences_available()) {
        GTEST_SKIP() << "no membarrier here: every sleeper asks its wakers to fence";
    }
    const auto name = ipc::test::unique_name("sleepmode");
    ipc::ring_options o;
    o.wait = ipc::wait_strategy::adaptive;
    auto p = open_pair(name, o);
    auto segment = ipc::shm::open(ipc::shm::object_name("ring", name), ipc::access::read_only);
    ASSERT_TRUE(segment);
    auto view = ipc::mapping::map(segment->get(), sizeof(ipc::layout::ring_segment),
                                  ipc::access::read_only);
    ASSERT_TRUE(view);
    const auto& control = reinterpret_cast<const ipc::layout::ring_segment*>(view->data())->control;
    const auto published = [&] {
        return ipc::detail::load(control.reader_uses_membarrier, std::memory_order_relaxed);
    };
    EXPECT_EQ(published(), 1u);
    // Waits of 300 us sleep more than once a millisecond (a loaded machine may stretch one pair
    // of them: it is tried again, within a deadline).
    const std::uint64_t give_up = ipc::monotonic_ns() + 10'000'000'000;
    while (published() != 0u && ipc::monotonic_ns() < give_up) {
        EXPECT_EQ(p.reader.read(300us).code(), errc::timeout);
    }
    EXPECT_EQ(published(), 0u) << "sleeps within a millisecond: the writer fences";
    // The quiet spell after the last sleep is what is tested, not a synchronisation.
    const timespec quiet{0, static_cast<long>(ipc::detail::adapt_rarely_gap_ns + 5'000'000)};
    nanosleep(&quiet, nullptr);
    const std::vector<std::byte> message(16, std::byte{7});
    for (std::uint64_t i = 0; i < 2 * ipc::detail::traffic_note_interval; ++i) {
        ASSERT_TRUE(p.writer.try_send(message));
        ASSERT_TRUE(p.reader.try_read());
        p.reader.release();
    }
    EXPECT_EQ(published(), 1u) << "messages flow without sleeps: the writer skips the fence";
}

}  // namespace
