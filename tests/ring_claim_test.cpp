// Regression tests for the fixes from the first review of the ring's shared-memory protocol.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vector>

#include "channel/ring/ring_layout.hpp"
#include "channel/ring/spsc_ring.hpp"
#include "ipc/inspect.hpp"
#include "ipc/ring.hpp"
#include "ipc/shm.hpp"
#include "ipc/telemetry.hpp"
#include "support/dead_peer.hpp"
#include "support/names.hpp"

namespace {

using ipc::errc;
using namespace std::chrono_literals;

// Racing processes claim the writer end of a fresh ring: exactly one may win. Each child holds
// its result until every child has tried, so a winner cannot close and let a second one in.
TEST(RingClaim, ExactlyOneOfManyRacingWritersWins) {
    constexpr int racers = 8;
    for (int round = 0; round < 10; ++round) {
        const auto name = ipc::test::unique_name("race");
        int results[2];
        int release[2];
        ASSERT_EQ(::pipe(results), 0);
        ASSERT_EQ(::pipe(release), 0);
        std::vector<pid_t> children;
        for (int i = 0; i < racers; ++i) {
            const pid_t pid = ::fork();
            if (pid == 0) {
                ::close(results[0]);
                ::close(release[1]);
                ipc::ring_options o;
                o.telemetry = false;
                auto w = ipc::ring_writer::open(name, o);
                const char won = w ? '1' : (w.code() == errc::busy ? '0' : 'e');
                (void)!::write(results[1], &won, 1);
                char c;
                (void)!::read(release[0], &c, 1);  // returns 0 when the parent closes it
                ::_exit(0);
            }
            children.push_back(pid);
        }
        ::close(results[1]);
        ::close(release[0]);
        int wins = 0;
        int errors = 0;
        for (int i = 0; i < racers; ++i) {
            char c = 'x';
            ASSERT_EQ(::read(results[0], &c, 1), 1);
            wins += c == '1';
            errors += c == 'e';
        }
        ::close(release[1]);
        for (pid_t pid : children) {
            int status = 0;
            ::waitpid(pid, &status, 0);
        }
        ::close(results[0]);
        EXPECT_EQ(wins, 1) << "round " << round;
        EXPECT_EQ(errors, 0) << "round " << round;
        (void)ipc::shm::unlink(ipc::shm::object_name("ring", name));
    }
}

TEST(RingClaim, UnalignedIndicesAreRejectedAtAttach) {
    const auto name = ipc::test::unique_name("unaligned");
    ipc::ring_options keep;
    keep.keep_segment = true;
    { ASSERT_TRUE(ipc::ring_writer::open(name, keep)); }
    const auto object = ipc::shm::object_name("ring", name);
    {
        auto fd = ipc::shm::open(object, ipc::access::read_write);
        ASSERT_TRUE(fd);
        auto map =
            ipc::mapping::map(fd->get(), *ipc::shm::size_of(fd->get()), ipc::access::read_write);
        ASSERT_TRUE(map);
        auto& c = reinterpret_cast<ipc::layout::ring_segment*>(map->data())->control;
        c.read_index = 8;
        c.write_index = 24;
    }
    EXPECT_EQ(ipc::ring_reader::open(name).code(), errc::corrupt);
    EXPECT_FALSE(ipc::inspect::read_ring(object));
    EXPECT_TRUE(ipc::shm::unlink(object));
}

// A creator that died after sizing the object but before marking it ready must not block the
// name forever: open_or_create replaces it.
TEST(RingClaim, SegmentWhoseCreatorDiedBeforeReadyIsReplaced) {
    const auto name = ipc::test::unique_name("halfmade");
    const auto object = ipc::shm::object_name("ring", name);
    ipc::test::write_segment_of_dead_creator(object, 0);  // ready never stored
    auto w = ipc::ring_writer::open(name);
    ASSERT_TRUE(w) << w.error_value().message();
    EXPECT_TRUE(ipc::inspect::read_ring(object));
}

// libipc names a segment only once it is complete, so a zero-filled one is the leftover of a
// crash (or of an older libipc): removable, not "still being created" forever.
TEST(InspectDiscovery, UnfinishedSegmentIsAStaleLeftover) {
    const auto object = ipc::shm::object_name("ring", ipc::test::unique_name("creating"));
    auto fd = ipc::shm::create(object, 4096, 0600);  // zero-filled: no creator pid yet
    ASSERT_TRUE(fd);
    bool seen = false;
    for (const auto& s : ipc::inspect::discover()) {
        if ("/" + s.name == object) {
            seen = true;
            EXPECT_FALSE(s.error.empty());
            EXPECT_TRUE(s.stale);
        }
    }
    EXPECT_TRUE(seen);
    EXPECT_TRUE(ipc::shm::unlink(object));
}

TEST(TelemetryTable, FullTableIsReportedNotSilent) {
    std::vector<ipc::telemetry::endpoint> held;
    ipc::result<ipc::telemetry::endpoint> last = ipc::telemetry::endpoint{};
    for (std::uint32_t i = 0; i <= ipc::layout::telemetry_endpoint_capacity; ++i) {
        last = ipc::telemetry::endpoint::open(
            {ipc::layout::channel_kind::ring, ipc::layout::endpoint_role::writer, "fill", "x"});
        if (!last) {
            break;
        }
        held.push_back(std::move(*last));
    }
    ASSERT_FALSE(last);
    EXPECT_EQ(last.code(), errc::table_full);
    // A ring opened now works and says why it has no counters.
    auto w = ipc::ring_writer::open(ipc::test::unique_name("nocounters"));
    ASSERT_TRUE(w);
    EXPECT_EQ(w->telemetry_error().code(), errc::table_full);
    EXPECT_TRUE(w->try_send(std::vector<std::byte>(4)));
}

TEST(TelemetryNames, LongestChannelNameIsKeptWhole) {
    const std::string name = ipc::test::unique_name("long") + std::string(100, 'x');
    const std::string trimmed = name.substr(0, ipc::shm::max_name_length);
    auto w = ipc::ring_writer::open(trimmed);
    ASSERT_TRUE(w) << w.error_value().message();
    auto p = ipc::inspect::read_telemetry(ipc::telemetry::segment_object_name(::getpid()));
    ASSERT_TRUE(p);
    bool seen = false;
    for (const auto& e : p->endpoints) {
        if (e.state == ipc::inspect::endpoint_state::active && e.name == trimmed) {
            seen = true;
            EXPECT_EQ(e.region, "/libipc-ring-" + trimmed);
        }
    }
    EXPECT_TRUE(seen);
}

}  // namespace

namespace {

std::uint64_t& write_index_of(const std::string& name, ipc::unique_fd& fd, ipc::mapping& map) {
    auto f = ipc::shm::open(ipc::shm::object_name("ring", name), ipc::access::read_write);
    EXPECT_TRUE(f);
    fd = std::move(*f);
    auto m = ipc::mapping::map(fd.get(), *ipc::shm::size_of(fd.get()), ipc::access::read_write);
    EXPECT_TRUE(m);
    map = std::move(*m);
    return reinterpret_cast<ipc::layout::ring_segment*>(map.data())->control.write_index;
}

// The writer stores a record's commit word before its write_index, so a reader can consume a
// record and then load an index that has not caught up yet: that is not corruption.
TEST(RingInBand, ReaderToleratesAnIndexThatTrailsTheCommitWord) {
    const auto name = ipc::test::unique_name("trail");
    auto w = ipc::ring_writer::open(name);
    auto r = ipc::ring_reader::open(name);
    ASSERT_TRUE(w && r);
    std::vector<std::byte> msg(8);
    for (std::uint64_t i = 0; i + 1 < ipc::detail::spsc_consumer::refresh_interval; ++i) {
        ASSERT_TRUE(w->try_send(msg));
        ASSERT_TRUE(r->try_read());
        r->release();
    }
    ASSERT_TRUE(w->try_send(msg));
    ipc::unique_fd fd;
    ipc::mapping map;
    write_index_of(name, fd, map) -= ipc::layout::record_size(8);  // index not yet stored
    ASSERT_TRUE(r->try_read());
    r->release();  // the periodic look at write_index happens here
    EXPECT_EQ(r->try_read().code(), errc::empty);
}

// A writer that died after publishing a record's commit word but before its index: the next
// writer must continue after that record, not overwrite it.
TEST(RingInBand, NewWriterRollsForwardOverAPublishedButUnindexedRecord) {
    const auto name = ipc::test::unique_name("rollforward");
    auto r = ipc::ring_reader::open(name);  // the reader creates, so the segment outlives writers
    ASSERT_TRUE(r);
    const std::vector<std::byte> first(24, std::byte{1});
    const std::vector<std::byte> second(40, std::byte{2});
    {
        auto w = ipc::ring_writer::open(name);
        ASSERT_TRUE(w);
        ASSERT_TRUE(w->try_send(first));
        ipc::unique_fd fd;
        ipc::mapping map;
        write_index_of(name, fd, map) = 0;  // as if it died before storing the index
    }
    auto w = ipc::ring_writer::open(name);
    ASSERT_TRUE(w) << w.error_value().message();
    ASSERT_TRUE(w->try_send(second));
    auto a = r->try_read();
    ASSERT_TRUE(a);
    EXPECT_EQ(a->payload.size(), first.size());
    r->release();
    auto b = r->try_read();
    ASSERT_TRUE(b) << b.error_value().message();
    EXPECT_EQ(b->payload.size(), second.size());
    EXPECT_EQ(b->payload[0], std::byte{2});
    r->release();
}

}  // namespace
