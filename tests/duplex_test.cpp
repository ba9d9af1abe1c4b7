// duplex: a parent and the child it spawns (tests/helpers/duplex_peer), through the real
// processes: a million messages each way at once, a child killed mid-stream, a parent killed
// under its child, the descriptors the child gets, and what inherit refuses.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "ipc/duplex.hpp"
#include "ipc/inspect.hpp"
#include "ipc/shm.hpp"
#include "ipc/telemetry.hpp"
#include "support/child_process.hpp"
#include "support/scale.hpp"
#include "support/stream_io.hpp"

namespace {

using namespace std::chrono_literals;

std::string text_of(const ipc::message_view& m) {
    return {reinterpret_cast<const char*>(m.payload.data()), m.payload.size()};
}

ipc::duplex_parent spawn_peer(std::vector<std::string> args, const ipc::duplex_options& o = {}) {
    args.insert(args.begin(), "duplex_peer");
    auto d = ipc::duplex_parent::spawn(IPC_TEST_DUPLEX_PEER, args, o);
    EXPECT_TRUE(d) << d.error_value().message();
    return d ? std::move(*d) : ipc::duplex_parent{};
}

TEST(Duplex, AMillionRandomSizeMessagesEachWayAtOnceArriveIntact) {
    const std::uint64_t count = 1'000'000 / ipc::test::stream_divisor;
    const std::uint64_t seed = 42;
    const std::size_t max = 512;
    auto d =
        spawn_peer({"stream", std::to_string(count), std::to_string(seed), std::to_string(max)});
    ASSERT_TRUE(d.is_open());
    int received = -1;
    std::thread checker(
        [&] { received = ipc::test::read_stream(d.from_peer(), count, seed, max, "parent"); });
    EXPECT_EQ(ipc::test::write_stream(d.to_peer(), count, seed + 1, max, "parent"), 0);
    checker.join();
    EXPECT_EQ(received, 0);
    auto status = d.close();  // the child then sees peer_closed, its only right ending
    ASSERT_TRUE(status) << status.error_value().message();
    EXPECT_TRUE(status->exited);
    EXPECT_EQ(status->code, 0);
}

TEST(Duplex, EchoesBothWaysWithEveryApiFlavour) {
    auto d = spawn_peer({"echo"});
    const std::string hello = "hello";
    ASSERT_TRUE(d.to_peer().send(std::as_bytes(std::span(hello)), 10s));
    auto back = d.from_peer().read(10s);
    ASSERT_TRUE(back) << back.error_value().message();
    EXPECT_EQ(text_of(*back), hello);
    d.from_peer().release();
    auto room = d.to_peer().reserve(3, 10s);
    ASSERT_TRUE(room);
    std::memcpy(room->data(), "abc", 3);
    ASSERT_TRUE(d.to_peer().commit(3));
    std::vector<std::byte> buf(16);
    auto n = d.from_peer().receive(buf, 10s);
    ASSERT_TRUE(n);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(buf.data()), *n), "abc");
    EXPECT_GE(d.from_peer().wait_fd(), 0) << "an eventfd an event loop can poll";
    const auto closed = d.close();
    ASSERT_TRUE(closed);
    EXPECT_EQ(closed->code, 0);
}

// The parent learns that the child died from the ring (peer_gone, after what was committed)
// and how from its pidfd.
TEST(Duplex, AChildKilledMidStreamGivesPeerGoneAndTheSignal) {
    auto d = spawn_peer({"hold"});
    auto ready = d.from_peer().read(10s);
    ASSERT_TRUE(ready);
    EXPECT_EQ(text_of(*ready), "ready");
    d.from_peer().release();
    ASSERT_EQ(::kill(d.child().pid(), SIGKILL), 0);
    std::vector<std::byte> buf(64);
    auto gone = d.from_peer().receive(buf, std::chrono::seconds(10 * ipc::test::deadline_factor));
    ASSERT_FALSE(gone);
    EXPECT_EQ(gone.code(), ipc::errc::peer_gone);
    auto status = d.child().wait(10s);
    ASSERT_TRUE(status);
    EXPECT_FALSE(status->exited);
    EXPECT_EQ(status->signal, SIGKILL);
    const auto again = d.close();
    ASSERT_TRUE(again);
    EXPECT_EQ(again->signal, SIGKILL) << "the same status, from then on";
    (void)ipc::shm::unlink(ipc::telemetry::segment_object_name(d.child().pid()));  // it was killed
}

// A parent killed under its child: the child's blocking receive returns peer_gone (its exit
// code 7 says so) instead of hanging. This test process is the child's subreaper, so it reaps
// the orphan and reads that code.
TEST(Duplex, AParentKilledUnderItsChildGivesPeerGone) {
    ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    int to_test[2];
    ASSERT_EQ(::pipe(to_test), 0);
    const pid_t parent = ::fork();
    if (parent == 0) {
        ::close(to_test[0]);
        auto d = ipc::duplex_parent::spawn(IPC_TEST_DUPLEX_PEER, {"duplex_peer", "hold"});
        const bool ready = d && d->from_peer().read(10s);
        const pid_t child = ready ? d->child().pid() : -1;
        (void)!::write(to_test[1], &child, sizeof child);
        for (;;) {
            ::pause();  // killed here, without closing anything
        }
    }
    ::close(to_test[1]);
    pid_t child = -1;
    ASSERT_EQ(::read(to_test[0], &child, sizeof child), static_cast<ssize_t>(sizeof child));
    ::close(to_test[0]);
    ASSERT_GT(child, 0);
    ASSERT_EQ(::kill(parent, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(parent, &status, 0), parent);
    (void)ipc::shm::unlink(ipc::telemetry::segment_object_name(parent));  // it was killed
    ASSERT_EQ(::waitpid(child, &status, 0), child) << "reparented to this subreaper";
    EXPECT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 7) << "7: its receive returned peer_gone";
    ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 0), 0);
}

// Observers see a duplex as two rings, one per direction, named for the family, whose ends are
// the parent and the child.
TEST(Duplex, InspectShowsBothDirectionsAsParentAndChild) {
    ipc::duplex_options o;
    o.name = "duplex-inspected-" + std::to_string(::getpid());
    auto d = spawn_peer({"echo"}, o);
    const std::string ping = "ping";
    ASSERT_TRUE(d.to_peer().send(std::as_bytes(std::span(ping))));
    auto back = d.from_peer().read(10s);  // both ends of both rings are attached by now
    ASSERT_TRUE(back);
    d.from_peer().release();
    const auto snap = ipc::inspect::filtered(ipc::inspect::take_snapshot(), {.name = o.name});
    ASSERT_EQ(snap.channels.size(), 2u);
    using role = ipc::inspect::endpoint_role;
    int to_child = 0;
    int to_parent = 0;
    for (const auto& c : snap.channels) {
        EXPECT_EQ(c.kind, ipc::inspect::channel_kind::duplex);
        ASSERT_EQ(c.ends.size(), 2u);
        if (c.ends[0].role == role::parent) {  // the writer first
            ++to_child;
            EXPECT_EQ(c.ends[0].end.pid, ::getpid());
            EXPECT_EQ(c.ends[1].role, role::child);
            EXPECT_EQ(c.ends[1].end.pid, d.child().pid());
        } else {
            ++to_parent;
            EXPECT_EQ(c.ends[0].role, role::child);
            EXPECT_EQ(c.ends[0].end.pid, d.child().pid());
            EXPECT_EQ(c.ends[1].role, role::parent);
            EXPECT_EQ(c.ends[1].end.pid, ::getpid());
        }
        EXPECT_GT(c.capacity, 0u) << "each direction's ring occupancy";
    }
    EXPECT_EQ(to_child, 1);
    EXPECT_EQ(to_parent, 1);
}

TEST(Duplex, TheChildGetsExactlyTheDocumentedDescriptors) {
    auto d = spawn_peer({"fds"});
    auto list = d.from_peer().read(10s);
    ASSERT_TRUE(list);
    EXPECT_EQ(text_of(*list), "0 1 2 3 4 5 6 7 8\n0 1 2")
        << "3..8 as started; after inherit they are close-on-exec: not handed on";
    d.from_peer().release();
    const auto closed = d.close();
    ASSERT_TRUE(closed);
    EXPECT_EQ(closed->code, 0);
}

// A child blocked on its parent sees the close at once (the close rings its doorbell), not at its
// next periodic look at the parent, which a watched parent makes only once a second: it exits by
// itself well within a half-second stop_timeout.
TEST(Duplex, ABlockedChildSeesTheCloseAtOnce) {
    ipc::duplex_options o;
    o.stop_timeout = std::chrono::milliseconds(500 * ipc::test::deadline_factor);
    auto d = spawn_peer({"hold"}, o);
    auto ready = d.from_peer().read(10s);
    ASSERT_TRUE(ready);
    d.from_peer().release();
    const auto status = d.close();
    ASSERT_TRUE(status);
    EXPECT_EQ(status->signal, 0) << "killed: it did not notice the close in time";
    EXPECT_EQ(status->code, 0) << "0: its receive returned peer_closed";
}

TEST(Duplex, AChildThatIgnoresTheCloseIsKilledAndReaped) {
    ipc::duplex_options quick;
    quick.stop_timeout = 100ms;
    auto d = ipc::duplex_parent::spawn("/bin/sleep", {"sleep", "60"}, quick);
    ASSERT_TRUE(d);
    auto status = d->close();
    ASSERT_TRUE(status);
    EXPECT_EQ(status->signal, SIGKILL);
    EXPECT_NE(::kill(d->child().pid(), 0), 0) << "reaped: no zombie left";
}

// A program started without the handoff, or with a malformed one, or with descriptors that are
// not what they claim: a clear error, no crash.
TEST(Duplex, InheritRefusesWhatIsNotAHandoff) {
    const auto inherit_with = [](const std::string& handoff, std::vector<ipc::fd_at> fds) {
        ipc::spawn_options how;
        how.fds = std::move(fds);
        if (!handoff.empty()) {
            how.environment = {"IPC_DUPLEX=" + handoff};
        } else {
            how.environment = {"NOTHING=1"};
        }
        auto c = ipc::child::spawn(IPC_TEST_DUPLEX_PEER, {"duplex_peer", "inherit"}, how);
        EXPECT_TRUE(c);
        auto status = c->wait(std::chrono::seconds(10 * ipc::test::deadline_factor));
        return status ? status->code : -1;
    };
    EXPECT_EQ(inherit_with("", {}), 3) << "not started by duplex_parent";
    EXPECT_EQ(inherit_with("fds=3,4,5 name=x", {}), 3) << "malformed";
    EXPECT_EQ(inherit_with("fds=1,4,5,6,7,8 max_message=64 capacity=65536 name=x", {}), 3)
        << "descriptors below 3 are refused";
    int pipe_fds[2];
    ASSERT_EQ(::pipe(pipe_fds), 0);
    std::vector<ipc::fd_at> pipes;
    for (int n = 3; n <= 8; ++n) {
        pipes.push_back({pipe_fds[n % 2], n});
    }
    EXPECT_EQ(inherit_with("fds=3,4,5,6,7,8 max_message=64 capacity=65536 name=x", pipes), 3)
        << "pipes at 3..8 are not eventfds and memfds";
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
}

}  // namespace
