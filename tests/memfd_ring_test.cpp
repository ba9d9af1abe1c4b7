// A ring over a sealed memfd (issue 9): made by create_memfd_ring, each end adopting the fd.
// Only a memfd sealed against shrinking and growing is adopted. Streams across spawn and across
// a Unix socket run in ring_process_test.cpp, over every region source.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "ipc/inspect.hpp"
#include "ipc/ring.hpp"
#include "ipc/shm.hpp"
#include "ipc/telemetry.hpp"
#include "support/names.hpp"
#include "support/other_user.hpp"
#include "support/ring_sources.hpp"

namespace {

using ipc::errc;
using ipc::test::copy_of;
using namespace std::chrono_literals;

ipc::ring_options options() {
    ipc::ring_options o;
    o.max_message = 1024;
    o.capacity = 64 * 1024;
    return o;
}

// A set of the ring's fds for one end, the original kept for the other.
TEST(MemfdRing, BothEndsInOneProcess) {
    auto region = ipc::create_memfd_ring(options());
    ASSERT_TRUE(region) << region.error_value().message();
    auto w = ipc::ring_writer::adopt("memfd-local", copy_of(*region), options());
    ASSERT_TRUE(w) << w.error_value().message();
    // A temporary result gives its move-only value up: *region->duplicate().
    auto r = ipc::ring_reader::adopt("memfd-local", *region->duplicate(), options());
    ASSERT_TRUE(r) << r.error_value().message();
    EXPECT_EQ(ipc::ring_writer::adopt("again", copy_of(*region), options()).code(), errc::busy);
    ASSERT_TRUE(w->try_send(std::as_bytes(std::span("hello", 5))));
    std::vector<std::byte> buf(16);
    auto n = r->try_receive(buf);
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, 5u);
    w->close();
    EXPECT_EQ(r->receive(buf, 5s).code(), errc::peer_closed);
}

TEST(MemfdRing, OnlySealedRingMemfdsOfTheRightGeometryAreAdopted) {
    auto region = ipc::create_memfd_ring(options());
    ASSERT_TRUE(region);
    ipc::ring_options other = options();
    other.max_message = 512;
    EXPECT_EQ(ipc::ring_reader::adopt("geometry", copy_of(*region), other).code(),
              errc::geometry_mismatch);
    // Not sealed: a holder could shrink it under the mapping.
    ipc::unique_fd unsealed{::memfd_create("unsealed", MFD_CLOEXEC)};
    ASSERT_EQ(::ftruncate(unsealed.get(), 1 << 20), 0);
    EXPECT_EQ(
        ipc::ring_reader::adopt("unsealed", ipc::ring_fds{std::move(unsealed)}, options()).code(),
        errc::wrong_kind);
    // Only one of the two seals: it could still be shrunk (or grown).
    ipc::unique_fd half{::memfd_create("half", MFD_CLOEXEC | MFD_ALLOW_SEALING)};
    ASSERT_EQ(::ftruncate(half.get(), 1 << 20), 0);
    ASSERT_EQ(::fcntl(half.get(), F_ADD_SEALS, F_SEAL_GROW), 0);
    EXPECT_EQ(ipc::ring_reader::adopt("half", ipc::ring_fds{std::move(half)}, options()).code(),
              errc::wrong_kind);
    // Sealed, but not a ring.
    auto garbage = ipc::shm::create_sealed_memfd("garbage", 1 << 20);
    ASSERT_TRUE(garbage);
    EXPECT_EQ(
        ipc::ring_reader::adopt("garbage", ipc::ring_fds{std::move(*garbage)}, options()).code(),
        errc::not_ready);
    // Not a memfd at all.
    int pipe_fds[2];
    ASSERT_EQ(::pipe(pipe_fds), 0);
    ::close(pipe_fds[1]);
    EXPECT_EQ(ipc::ring_reader::adopt("pipe", ipc::ring_fds{ipc::unique_fd(pipe_fds[0])}, options())
                  .code(),
              errc::wrong_kind);
    EXPECT_EQ(ipc::ring_reader::adopt("bad/name", copy_of(*region), options()).code(),
              errc::bad_name);
}

// The ring that the endpoint called `name` of process `pid` links to.
const ipc::inspect::ring_info* ring_of(const ipc::inspect::snapshot& s, const std::string& name,
                                       pid_t pid = ::getpid()) {
    for (const auto& p : s.processes) {
        for (const auto& e : p.endpoints) {
            if (p.pid != pid || e.name != name) {
                continue;
            }
            for (const auto& r : s.rings) {
                if (r.segment == e.segment) {
                    return &r;
                }
            }
        }
    }
    return nullptr;
}

// An observer finds a memfd ring through the endpoints that hold it and reads its state through
// /proc/<pid>/fd, as it reads a named ring's.
TEST(MemfdRing, InspectShowsTheOccupancyOfARingHeldByAChild) {
    const auto name = ipc::test::unique_name("inspected");
    ipc::test::ring_under_test ring(ipc::test::region_source::inherited, name, options());
    auto r = ring.reader();
    ASSERT_TRUE(r) << r.error_value().message();
    constexpr std::uint64_t committed = 50;
    auto writer = ring.start_committed_writer({std::to_string(committed), "42", "1024", "adaptive",
                                               std::to_string(options().capacity), "hold"});
    const auto s = ipc::inspect::take_snapshot();
    const auto* info = ring_of(s, name);
    ASSERT_NE(info, nullptr);
    EXPECT_TRUE(info->segment.starts_with("memfd:")) << info->segment;
    EXPECT_EQ(info->error, "");
    EXPECT_EQ(info->name, name);
    EXPECT_EQ(info->write_count, committed);
    EXPECT_EQ(info->occupancy_messages, committed);
    EXPECT_GT(info->occupancy_bytes, 0u);
    EXPECT_EQ(info->writer.pid, writer.pid());
    EXPECT_EQ(info->reader.pid, ::getpid());
    EXPECT_EQ(info->capacity, options().capacity);
}

// An observer that may not open the holder's /proc/<pid>/fd (another user's process) still
// lists the ring, with the reason instead of its state.
TEST(MemfdRing, InspectSaysWhyItCannotReadARingItMayNotOpen) {
    if (!ipc::test::can_act_as_other_user()) {
        GTEST_SKIP() << ipc::test::other_user_skip_reason;
    }
    const auto name = ipc::test::unique_name("hidden");
    auto fds = ipc::create_memfd_ring(options());
    ASSERT_TRUE(fds);
    auto r = ipc::ring_reader::adopt(name, std::move(*fds), options());
    ASSERT_TRUE(r);
    // Our counters readable by the other user (a deployment may allow that); our fds are not.
    const std::string telemetry =
        ipc::shm::directory() + "/" + ipc::telemetry::segment_object_name(::getpid());
    ASSERT_EQ(::chmod(telemetry.c_str(), 0644), 0);
    const pid_t holder = ::getpid();
    const int outcome = ipc::test::as_other_user([&] {
        const auto s = ipc::inspect::take_snapshot();
        const auto* info = ring_of(s, name, holder);
        if (info == nullptr) {
            return 1;
        }
        // Its state unknown, but its reader (this process) known, so --pid still finds it.
        return info->error.find("/proc") != std::string::npos && info->capacity == 0 &&
                       info->reader.pid == holder
                   ? 0
                   : 2;
    });
    ::chmod(telemetry.c_str(), 0600);
    EXPECT_EQ(outcome, 0) << "1: the ring is not listed; 2: no reason, or state it cannot know";
}

// A dead process's records do not lead the observer into /proc/<pid>/fd: that pid may belong to
// another process by now.
TEST(MemfdRing, InspectDoesNotFollowTheRecordsOfADeadProcess) {
    const auto name = ipc::test::unique_name("dead-holder");
    int ready[2];
    ASSERT_EQ(::pipe2(ready, O_CLOEXEC), 0);
    const pid_t child = ::fork();
    if (child == 0) {
        ::close(ready[0]);
        auto fds = ipc::create_memfd_ring(options());
        auto r = fds ? ipc::ring_reader::adopt(name, std::move(*fds), options())
                     : ipc::result<ipc::ring_reader>(fds.error_value());
        const char ok = r ? 'y' : 'n';
        (void)!::write(ready[1], &ok, 1);
        ::pause();  // killed with its telemetry segment left behind
    }
    ::close(ready[1]);
    char ok = 0;
    ASSERT_EQ(::read(ready[0], &ok, 1), 1);
    ::close(ready[0]);
    ASSERT_EQ(ok, 'y');
    ::kill(child, SIGKILL);
    ASSERT_EQ(::waitpid(child, nullptr, 0), child);
    const auto s = ipc::inspect::take_snapshot();
    bool recorded = false;
    for (const auto& p : s.processes) {
        for (const auto& e : p.endpoints) {
            recorded = recorded || (p.pid == child && e.name == name);
        }
    }
    EXPECT_TRUE(recorded);  // its record is still there, with a memfd locator
    for (const auto& r : s.rings) {
        EXPECT_NE(r.name, name) << r.error;
    }
    (void)ipc::shm::unlink(ipc::telemetry::segment_object_name(child));
}

}  // namespace
