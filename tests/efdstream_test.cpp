// efdstream against an implementation of the spec written apart from libipc
// (tests/helpers/efdstream_reference.cpp, raw syscalls): libipc's parent with that child, that
// parent with libipc's child, and peers that misbehave as the reference programs can.

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "ipc/efdstream.hpp"
#include "ipc/inspect.hpp"
#include "support/child_process.hpp"
#include "support/scale.hpp"

namespace {

using namespace std::chrono_literals;

constexpr std::uint64_t region = 64 * 1024;
const auto answer_within = std::chrono::seconds(10 * ipc::test::deadline_factor);

ipc::efdstream_parent spawn_reference(const char* misbehave = nullptr,
                                      ipc::wait_strategy wait = ipc::wait_strategy::adaptive) {
    if (misbehave != nullptr) {
        ::setenv("EFD_REFERENCE_MISBEHAVE", misbehave, 1);
    }
    ipc::efdstream_options o;
    o.wait = wait;
    o.shm_size = region;
    o.stop_timeout = 100ms;
    auto p = ipc::efdstream_parent::spawn(IPC_TEST_EFDSTREAM_REFERENCE, o);
    ::unsetenv("EFD_REFERENCE_MISBEHAVE");
    EXPECT_TRUE(p) << p.error_value().message();
    return p ? std::move(*p) : ipc::efdstream_parent{};
}

std::byte pattern(std::uint64_t round, std::uint64_t k) {
    return static_cast<std::byte>((round * 131 + k * 7 + 1) & 0xff);
}

// The exchange and every way a peer can misbehave, under each wait strategy: the spinning ones
// look at the eventfd before they sleep, and must keep the deadline and see the peer go too.
class EfdstreamWaiting : public ::testing::TestWithParam<ipc::wait_strategy> {
  protected:
    ipc::efdstream_parent spawn(const char* misbehave = nullptr) {
        return spawn_reference(misbehave, GetParam());
    }
};

TEST_P(EfdstreamWaiting, ALibipcParentAndTheReferenceChildDoTenThousandRoundTrips) {
    auto p = spawn();
    const std::uint64_t rounds = 10'000 / ipc::test::stream_divisor;
    std::vector<std::byte> out(region);
    for (std::uint64_t round = 0; round < rounds; ++round) {
        const std::uint64_t length = round % 3 == 2 ? region : 1 + (round * 7919) % region;
        for (std::uint64_t k = 0; k < length; ++k) {
            out[k] = pattern(round, k);
        }
        ASSERT_TRUE(p.send(std::span(out).first(length), answer_within));
        auto back = p.read(answer_within);
        ASSERT_TRUE(back) << back.error_value().message();
        ASSERT_EQ(back->size(), length);
        ASSERT_EQ(std::memcmp(back->data(), out.data(), length), 0) << "round " << round;
        p.release();
    }
    const auto closed = p.close();
    ASSERT_TRUE(closed);
    EXPECT_EQ(closed->signal, SIGTERM) << "the protocol cannot ask a child to stop";
}

TEST(Efdstream, TheReferenceParentAndALibipcChildDoTenThousandRoundTrips) {
    const std::uint64_t rounds = 10'000 / ipc::test::stream_divisor;
    ipc::test::child_process parent({IPC_TEST_EFDSTREAM_REFERENCE, "parent", IPC_TEST_DUPLEX_PEER,
                                     std::to_string(rounds), std::to_string(region)});
    auto status = parent.wait(std::chrono::seconds(60 * ipc::test::deadline_factor));
    ASSERT_TRUE(status) << "the reference parent hung";
    EXPECT_EQ(ipc::test::exit_code(*status), 0)
        << "9: wrong command line, 10: an echo differed, 8: a length above the region";
}

// The reference receivers never ack a length above the region; a libipc receiver reports it.
TEST_P(EfdstreamWaiting, ALengthAboveTheRegionIsAProtocolErrorNotAHang) {
    auto p = spawn("bad-length");
    const std::byte one[1] = {std::byte{7}};
    ASSERT_TRUE(p.send(one, answer_within));
    auto back = p.read(answer_within);
    ASSERT_FALSE(back);
    EXPECT_EQ(back.code(), ipc::errc::corrupt);
}

TEST_P(EfdstreamWaiting, APeerThatNeverAcksGivesATimeout) {
    auto p = spawn("never-ack");
    const std::byte one[1] = {std::byte{7}};
    ASSERT_TRUE(p.send(one, answer_within));
    auto second = p.send(one, 200ms);  // waits for the first one's ack
    ASSERT_FALSE(second);
    EXPECT_EQ(second.code(), ipc::errc::timeout);
    auto flushed = p.flush(100ms);
    EXPECT_EQ(flushed.code(), ipc::errc::timeout);
    EXPECT_EQ(p.flush(0ms).code(), ipc::errc::timeout) << "a try on a live peer";
}

TEST_P(EfdstreamWaiting, APeerThatDiesMidMessageGivesPeerGone) {
    auto p = spawn("die");
    const std::byte one[1] = {std::byte{7}};
    ASSERT_TRUE(p.send(one, answer_within));
    auto acked = p.flush(answer_within);
    ASSERT_FALSE(acked);
    EXPECT_EQ(acked.code(), ipc::errc::peer_gone);
    auto nothing = p.read(answer_within);
    EXPECT_EQ(nothing.code(), ipc::errc::peer_gone);
    // A try, too, tells a dead peer from a slow one (the spinning strategies once said timeout).
    EXPECT_EQ(p.read(0ms).code(), ipc::errc::peer_gone);
    EXPECT_EQ(p.flush(0ms).code(), ipc::errc::peer_gone);
    const auto ended = p.child().wait(answer_within);
    ASSERT_TRUE(ended);
    EXPECT_TRUE(ended->exited);
}

TEST_P(EfdstreamWaiting, AMessageAnnouncedBeforeThePeerDiedIsReadFirst) {
    auto p = spawn("answer-then-die");
    const std::byte one[1] = {std::byte{7}};
    ASSERT_TRUE(p.send(one, answer_within));
    ASSERT_TRUE(p.child().wait(answer_within)) << "the peer exits once it answered";
    auto answer = p.read(answer_within);
    ASSERT_TRUE(answer) << answer.error_value().message();
    EXPECT_EQ(answer->size(), 1u);
    p.release();
    EXPECT_EQ(p.read(answer_within).code(), ipc::errc::peer_gone);
}

INSTANTIATE_TEST_SUITE_P(EachWaitStrategy, EfdstreamWaiting,
                         ::testing::Values(ipc::wait_strategy::busy_spin,
                                           ipc::wait_strategy::adaptive,
                                           ipc::wait_strategy::blocking),
                         [](const auto& info) { return std::string(ipc::to_string(info.param)); });

TEST(Efdstream, EmptyAndOversizedSendsAreRefusedClearly) {
    auto p = spawn_reference();
    auto empty = p.send({}, answer_within);
    EXPECT_EQ(empty.code(), ipc::errc::invalid_argument);
    std::vector<std::byte> big(region + 1);
    auto oversized = p.send(big, answer_within);
    EXPECT_EQ(oversized.code(), ipc::errc::message_too_large);
    ipc::efdstream_options zero;
    zero.shm_size = 0;
    EXPECT_EQ(ipc::efdstream_parent::spawn(IPC_TEST_EFDSTREAM_REFERENCE, zero).code(),
              ipc::errc::invalid_argument);
}

// The region a receiver reads its peer's messages from is mapped read-only: a receiver cannot
// scribble on what the sender will write next.
TEST(Efdstream, TheReceivingRegionIsMappedReadOnly) {
    auto p = spawn_reference();
    const std::byte one[1] = {std::byte{7}};
    ASSERT_TRUE(p.send(one, answer_within));
    auto back = p.read(answer_within);
    ASSERT_TRUE(back) << back.error_value().message();
    const auto at = reinterpret_cast<std::uintptr_t>(back->data());
    std::ifstream maps("/proc/self/maps");
    std::string line;
    std::string permissions;
    while (std::getline(maps, line)) {
        unsigned long from = 0;
        unsigned long to = 0;
        char perms[5] = {};
        if (std::sscanf(line.c_str(), "%lx-%lx %4s", &from, &to, perms) == 3 && at >= from &&
            at < to) {
            permissions = perms;
        }
    }
    EXPECT_EQ(permissions, "r--s");
    p.release();
}

// Both ends count like a ring: what they sent and received, bytes, and a round-trip latency.
TEST(Efdstream, AParentCountsItsMessagesInTelemetry) {
    ipc::efdstream_options o;
    o.shm_size = region;
    o.name = "efdstream-counted-" + std::to_string(::getpid());
    auto p = ipc::efdstream_parent::spawn(IPC_TEST_EFDSTREAM_REFERENCE, o);
    ASSERT_TRUE(p) << p.error_value().message();
    const std::byte hundred[100] = {};
    for (int round = 0; round < 5; ++round) {
        ASSERT_TRUE(p->send(hundred, answer_within));
        std::byte back[100];
        ASSERT_TRUE(p->receive(back, answer_within));
    }
    ASSERT_TRUE(p->flush(answer_within));
    const auto snap =
        ipc::inspect::filtered(ipc::inspect::take_snapshot(), {.name = o.name, .pid = ::getpid()});
    ASSERT_EQ(snap.processes.size(), 1u);
    ASSERT_EQ(snap.processes[0].endpoints.size(), 1u);
    const auto& e = snap.processes[0].endpoints[0];
    EXPECT_EQ(e.role, ipc::inspect::endpoint_role::parent);
    EXPECT_EQ(e.counters.sent, 5u);
    EXPECT_EQ(e.counters.received, 5u);
    EXPECT_EQ(e.counters.bytes_out, 500u);
    EXPECT_EQ(e.counters.bytes_in, 500u);
    EXPECT_EQ(e.counters.queue_depth, 0u) << "the last message was acked";
    EXPECT_GE(e.counters.latency_count, 1u);
    // The pair is one channel, the foreign child known by the pid the parent registered.
    ASSERT_EQ(snap.channels.size(), 1u);
    const auto& c = snap.channels[0];
    EXPECT_EQ(c.kind, ipc::inspect::channel_kind::duplex);
    EXPECT_EQ(c.segment, e.segment);
    ASSERT_EQ(c.ends.size(), 2u);
    EXPECT_EQ(c.ends[0].role, ipc::inspect::endpoint_role::parent);
    EXPECT_EQ(c.ends[0].end.pid, ::getpid());
    EXPECT_EQ(c.ends[1].role, ipc::inspect::endpoint_role::child);
    EXPECT_EQ(c.ends[1].end.pid, p->child().pid());
    EXPECT_TRUE(c.ends[1].end.alive);
    EXPECT_EQ(c.waiting, 0u) << "nothing in flight";
}

// The latency is a request's round trip, timed when the reply is read: not when the ack is read
// at the next send, which would add the sender's own pause (a 1k msgs/s demo showed 1 ms).
TEST(Efdstream, ARoundTripIsTimedWhenTheReplyIsRead) {
    ipc::efdstream_options o;
    o.shm_size = region;
    o.name = "efdstream-timed-" + std::to_string(::getpid());
    auto p = ipc::efdstream_parent::spawn(IPC_TEST_EFDSTREAM_REFERENCE, o);
    ASSERT_TRUE(p) << p.error_value().message();
    const std::byte request[8] = {};
    ASSERT_TRUE(p->send(request, answer_within));
    std::byte reply[8];
    ASSERT_TRUE(p->receive(reply, answer_within));
    const auto snap =
        ipc::inspect::filtered(ipc::inspect::take_snapshot(), {.name = o.name, .pid = ::getpid()});
    ASSERT_EQ(snap.processes.size(), 1u);
    ASSERT_EQ(snap.processes[0].endpoints.size(), 1u);
    EXPECT_EQ(snap.processes[0].endpoints[0].counters.latency_count, 1u)
        << "timed by the reply, with no send after it";
}

// A libipc child whose (reference) parent exits under it: its blocked read returns peer_gone,
// seen through the parent's pidfd, and it exits 7. This test process is its subreaper.
TEST(Efdstream, ALibipcChildWhoseParentDiesGetsPeerGone) {
    ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    int pid_pipe[2];
    ASSERT_EQ(::pipe(pid_pipe), 0);
    ipc::spawn_options how;
    how.fds = {{pid_pipe[1], 9}};
    how.environment = {"EFD_REFERENCE_MISBEHAVE=die", "EFD_REFERENCE_PID_FD=9"};
    ipc::test::child_process parent(
        {IPC_TEST_EFDSTREAM_REFERENCE, "parent", IPC_TEST_DUPLEX_PEER, "10", "4096"}, how);
    ::close(pid_pipe[1]);
    pid_t child = -1;
    ASSERT_EQ(::read(pid_pipe[0], &child, sizeof child), static_cast<ssize_t>(sizeof child));
    ::close(pid_pipe[0]);
    const int child_fd = static_cast<int>(::syscall(SYS_pidfd_open, child, 0));
    ASSERT_GE(child_fd, 0);
    auto left = parent.wait(answer_within);
    ASSERT_TRUE(left);
    EXPECT_EQ(ipc::test::exit_code(*left), 0) << "ten round trips, then it exits";
    pollfd exited{child_fd, POLLIN, 0};
    ASSERT_EQ(::poll(&exited, 1, static_cast<int>(answer_within.count() * 1000)), 1)
        << "the child did not notice its parent's end";
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child) << "reparented to this subreaper";
    ::close(child_fd);
    EXPECT_EQ(ipc::test::exit_code(status), 7) << "7: its read returned peer_gone";
    ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 0), 0);
}

// A libipc child started without the protocol's descriptors (here: nothing at 3..8) says so.
TEST(Efdstream, AChildWithoutItsDescriptorsGetsAClearError) {
    ipc::test::child_process bare({IPC_TEST_DUPLEX_PEER, "-mode", "child", "-shm-size", "4096"});
    auto status = bare.wait(answer_within);
    ASSERT_TRUE(status);
    EXPECT_EQ(ipc::test::exit_code(*status), 3);
}

}  // namespace
