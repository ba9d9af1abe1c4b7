// The eventfd doorbell (issue 9): wait_fd() becomes readable exactly when a try that found
// nothing may now succeed, one thread epolls many rings without losing a wake-up, and fds that
// are not what the ring needs are refused. Blocked calls sleeping on the eventfd, and their
// peers killed, are in ring_process_test.cpp (the "received" source).

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>
#include <vector>

#include "ipc/ring.hpp"
#include "ipc/telemetry.hpp"
#include "support/names.hpp"
#include "support/ring_sources.hpp"
#include "support/scale.hpp"

namespace {

using ipc::errc;
using ipc::test::copy_of;
using namespace std::chrono_literals;

ipc::ring_options eventfd_options() {
    ipc::ring_options o;
    o.max_message = 256;
    o.capacity = 4096;
    o.doorbell = ipc::doorbell_kind::eventfd;
    return o;
}

bool readable(int fd) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, 0) == 1 && (p.revents & POLLIN) != 0;
}

std::span<const std::byte> bytes_of(const std::uint64_t& value) {
    return std::as_bytes(std::span(&value, 1));
}

struct local_pair {
    ipc::ring_writer writer;
    ipc::ring_reader reader;
};

local_pair make_pair(const ipc::ring_options& o) {
    auto fds = ipc::create_memfd_ring(o);
    EXPECT_TRUE(fds) << fds.error_value().message();
    auto w = ipc::ring_writer::adopt("eventfd-local", copy_of(*fds), o);
    EXPECT_TRUE(w) << w.error_value().message();
    auto r = ipc::ring_reader::adopt("eventfd-local", std::move(*fds), o);
    EXPECT_TRUE(r) << r.error_value().message();
    return {std::move(*w), std::move(*r)};
}

TEST(EventfdRing, ReaderWaitFdIsReadableOnceSomethingArrivesAfterAnEmptyTry) {
    auto [w, r] = make_pair(eventfd_options());
    ASSERT_GE(r.wait_fd(), 0);
    ASSERT_GE(w.wait_fd(), 0);
    EXPECT_EQ(r.try_read().code(), errc::empty);  // arms
    EXPECT_FALSE(readable(r.wait_fd()));
    const std::uint64_t value = 7;
    ASSERT_TRUE(w.try_send(bytes_of(value)));
    EXPECT_TRUE(readable(r.wait_fd()));
    std::uint64_t got = 0;
    ASSERT_TRUE(r.try_receive(std::as_writable_bytes(std::span(&got, 1))));
    EXPECT_EQ(got, 7u);
    EXPECT_EQ(r.try_read().code(), errc::empty);  // drains and arms again
    EXPECT_FALSE(readable(r.wait_fd()));
    // A send while the reader is still armed rings once; further sends make no syscall, and
    // the fd stays readable until the reader finds the ring empty again.
    ASSERT_TRUE(w.try_send(bytes_of(value)));
    ASSERT_TRUE(w.try_send(bytes_of(value)));
    EXPECT_TRUE(readable(r.wait_fd()));
    ASSERT_TRUE(r.try_receive(std::as_writable_bytes(std::span(&got, 1))));
    EXPECT_TRUE(readable(r.wait_fd()));
    ASSERT_TRUE(r.try_receive(std::as_writable_bytes(std::span(&got, 1))));
    EXPECT_EQ(r.try_read().code(), errc::empty);
    EXPECT_FALSE(readable(r.wait_fd()));
}

// A waker clears the reader's flag before it writes the eventfd, so its write can land after
// the reader has found the message, emptied the ring and armed again (or any holder may write
// it). The next empty try must drain that stale count: an event loop would otherwise spin on a
// readable fd whose tries find nothing, until the writer next sends.
TEST(EventfdRing, AStaleWakeUpIsDrainedByTheNextEmptyTry) {
    auto [w, r] = make_pair(eventfd_options());
    EXPECT_EQ(r.try_read().code(), errc::empty);  // armed
    const std::uint64_t one = 1;
    ASSERT_EQ(::write(r.wait_fd(), &one, sizeof one), static_cast<ssize_t>(sizeof one));
    ASSERT_TRUE(readable(r.wait_fd()));
    EXPECT_EQ(r.try_read().code(), errc::empty);
    EXPECT_FALSE(readable(r.wait_fd()));
    // Still armed: the next send makes it readable.
    ASSERT_TRUE(w.try_send(bytes_of(one)));
    EXPECT_TRUE(readable(r.wait_fd()));
}

TEST(EventfdRing, WriterWaitFdIsReadableOnceRoomIsMadeAfterAFullTry) {
    auto [w, r] = make_pair(eventfd_options());
    const std::uint64_t value = 1;
    std::uint64_t sent = 0;
    while (w.try_reserve(200)) {
        ASSERT_TRUE(w.commit(sizeof value));
        ++sent;
    }
    ASSERT_GT(sent, 0u);
    EXPECT_FALSE(readable(w.wait_fd()));
    std::uint64_t got = 0;
    ASSERT_TRUE(r.try_receive(std::as_writable_bytes(std::span(&got, 1))));
    EXPECT_TRUE(readable(w.wait_fd()));
    EXPECT_TRUE(w.try_reserve(200));
}

TEST(EventfdRing, AnArmedReaderIsWokenByTheWritersCloseAndGetsPeerClosed) {
    auto [w, r] = make_pair(eventfd_options());
    const std::uint64_t value = 3;
    ASSERT_TRUE(w.try_send(bytes_of(value)));
    std::uint64_t got = 0;
    ASSERT_TRUE(r.try_receive(std::as_writable_bytes(std::span(&got, 1))));
    EXPECT_EQ(r.try_read().code(), errc::empty);
    w.close();
    EXPECT_TRUE(readable(r.wait_fd()));
    EXPECT_EQ(r.try_read().code(), errc::peer_closed);
}

TEST(EventfdRing, FutexRingsHaveNoWaitFd) {
    ipc::ring_options o = eventfd_options();
    o.doorbell = ipc::doorbell_kind::futex;
    auto [w, r] = make_pair(o);
    EXPECT_EQ(w.wait_fd(), -1);
    EXPECT_EQ(r.wait_fd(), -1);
}

TEST(EventfdRing, FdsThatAreNotWhatTheRingNeedsAreRefused) {
    const ipc::ring_options o = eventfd_options();
    auto fds = ipc::create_memfd_ring(o);
    ASSERT_TRUE(fds);
    ASSERT_TRUE(fds->data_ready.valid());
    ASSERT_TRUE(fds->space_ready.valid());
    // The region without its eventfds.
    EXPECT_EQ(ipc::ring_reader::adopt("no-bells", ipc::ring_fds{copy_of(*fds).region}, o).code(),
              errc::wrong_kind);
    // Pipes in place of eventfds.
    int p[2];
    ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
    auto pipes = copy_of(*fds);
    pipes.data_ready = ipc::unique_fd(p[0]);
    pipes.space_ready = ipc::unique_fd(p[1]);
    EXPECT_EQ(ipc::ring_reader::adopt("pipes", std::move(pipes), o).code(), errc::wrong_kind);
    // The right fds, adopted as a futex ring: the ring says eventfd.
    ipc::ring_options futex = o;
    futex.doorbell = ipc::doorbell_kind::futex;
    EXPECT_EQ(
        ipc::ring_reader::adopt("as-futex", ipc::ring_fds{copy_of(*fds).region}, futex).code(),
        errc::geometry_mismatch);
    EXPECT_EQ(ipc::ring_reader::adopt("bells-for-futex", copy_of(*fds), futex).code(),
              errc::invalid_argument);
    // A futex ring adopted with real eventfds: the ring says futex.
    auto futex_fds = ipc::create_memfd_ring(futex);
    ASSERT_TRUE(futex_fds);
    auto mixed = copy_of(*fds);
    mixed.region = std::move(futex_fds->region);
    EXPECT_EQ(ipc::ring_reader::adopt("mixed", std::move(mixed), o).code(),
              errc::geometry_mismatch);
    // One eventfd for both directions: a drain by one end would eat the other's wake-up.
    auto same = copy_of(*fds);
    same.space_ready = ipc::unique_fd(::fcntl(same.data_ready.get(), F_DUPFD_CLOEXEC, 0));
    EXPECT_EQ(ipc::ring_reader::adopt("same", std::move(same), o).code(), errc::invalid_argument);
    // Eventfds that a drain would not empty (semaphore) or that would block it: refused, and
    // left as they are (they are shared with the other holders).
    for (const int flags : {EFD_NONBLOCK | EFD_SEMAPHORE, 0}) {
        auto odd = copy_of(*fds);
        odd.data_ready = ipc::unique_fd(::eventfd(0, EFD_CLOEXEC | flags));
        odd.space_ready = ipc::unique_fd(::eventfd(0, EFD_CLOEXEC | flags));
        const int before = ::fcntl(odd.data_ready.get(), F_GETFL);
        const int kept = ::fcntl(odd.data_ready.get(), F_DUPFD_CLOEXEC, 0);
        EXPECT_EQ(ipc::ring_reader::adopt("odd", std::move(odd), o).code(), errc::invalid_argument);
        EXPECT_EQ(::fcntl(kept, F_GETFL), before);
        ::close(kept);
    }
    // A peer process that is not a pidfd; a pidfd for a futex ring (nothing could watch it).
    auto not_pidfd = copy_of(*fds);
    not_pidfd.peer_process = ipc::unique_fd(::eventfd(0, EFD_CLOEXEC));
    EXPECT_EQ(ipc::ring_reader::adopt("not-pidfd", std::move(not_pidfd), o).code(),
              errc::wrong_kind);
    auto futex_watching = ipc::create_memfd_ring(futex);
    ASSERT_TRUE(futex_watching);
    futex_watching->peer_process =
        ipc::unique_fd(static_cast<int>(::syscall(SYS_pidfd_open, ::getpid(), 0)));
    ASSERT_TRUE(futex_watching->peer_process.valid());
    EXPECT_EQ(ipc::ring_reader::adopt("futex-watching", std::move(*futex_watching), futex).code(),
              errc::invalid_argument);
    // Named rings cannot share eventfds.
    EXPECT_EQ(ipc::ring_reader::open(ipc::test::unique_name("named-eventfd"), o).code(),
              errc::invalid_argument);
    // The fds that were refused are closed with the refusal; the good ones still work.
    EXPECT_TRUE(ipc::ring_reader::adopt("good", std::move(*fds), o));
}

// One thread epolls 64 rings while another process writes to random ones, sleeping on the
// eventfd whenever a ring is full. Every message arrives; a lost wake-up would leave the reader
// in epoll_wait until its deadline.
TEST(EventfdRing, OneThreadEpollsSixtyFourRingsAndLosesNoWakeUp) {
    constexpr int ring_count = 64;
    const std::uint64_t messages = 200'000 / ipc::test::stream_divisor;
    const ipc::ring_options o = eventfd_options();
    std::vector<ipc::ring_fds> rings;
    for (int i = 0; i < ring_count; ++i) {
        auto fds = ipc::create_memfd_ring(o);
        ASSERT_TRUE(fds) << fds.error_value().message();
        rings.push_back(std::move(*fds));
    }
    const pid_t writer = ::fork();
    ASSERT_GE(writer, 0);
    if (writer == 0) {
        std::vector<ipc::ring_writer> writers;
        for (auto& fds : rings) {
            auto w = ipc::ring_writer::adopt("epoll", std::move(fds), o);
            if (!w) {
                ::_exit(3);
            }
            writers.push_back(std::move(*w));
        }
        std::mt19937_64 random(7);
        bool ok = true;
        for (std::uint64_t i = 0; ok && i < messages; ++i) {
            ok = static_cast<bool>(writers[random() % ring_count].send(bytes_of(i), 10s));
        }
        writers.clear();
        ipc::telemetry::remove_segment();
        ::_exit(ok ? 0 : 4);
    }
    std::vector<ipc::ring_reader> readers;
    ipc::unique_fd epoll(::epoll_create1(EPOLL_CLOEXEC));
    ASSERT_TRUE(epoll.valid());
    for (int i = 0; i < ring_count; ++i) {
        auto r = ipc::ring_reader::adopt("epoll", std::move(rings[i]), o);
        ASSERT_TRUE(r) << r.error_value().message();
        readers.push_back(std::move(*r));
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u32 = static_cast<std::uint32_t>(i);
        ASSERT_EQ(::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, readers.back().wait_fd(), &ev), 0);
    }
    std::uint64_t received = 0;
    std::vector<bool> closed(ring_count, false);
    int open_rings = ring_count;
    // Takes what ring i holds, up to the try that finds it empty (which arms its eventfd).
    const auto drain = [&](std::uint32_t i) {
        for (;;) {
            std::uint64_t value = 0;
            auto got = readers[i].try_receive(std::as_writable_bytes(std::span(&value, 1)));
            if (got) {
                ++received;
                continue;
            }
            if (got.code() == errc::peer_closed && !closed[i]) {
                closed[i] = true;
                --open_rings;
                ASSERT_EQ(::epoll_ctl(epoll.get(), EPOLL_CTL_DEL, readers[i].wait_fd(), nullptr),
                          0);
            }
            ASSERT_TRUE(got.code() == errc::empty || got.code() == errc::peer_closed)
                << got.error_value().message();
            return;
        }
    };
    // Every ring is armed before the first wait; the writer may already have reached some.
    for (std::uint32_t i = 0; i < ring_count; ++i) {
        drain(i);
        if (HasFatalFailure()) {
            return;  // an ASSERT in drain() leaves only the lambda
        }
    }
    while (open_rings > 0) {
        epoll_event events[16];
        const int n = ::epoll_wait(epoll.get(), events, 16, 30'000);
        ASSERT_GT(n, 0) << "no wake-up after " << received << " of " << messages << " messages";
        for (int e = 0; e < n; ++e) {
            drain(events[e].data.u32);
            if (HasFatalFailure()) {
                return;
            }
        }
    }
    EXPECT_EQ(received, messages);
    int status = 0;
    ASSERT_EQ(::waitpid(writer, &status, 0), writer);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

}  // namespace
