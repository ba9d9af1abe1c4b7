// A ring over a sealed memfd (issue 9): made by create_memfd_ring, each end adopting the fd,
// in one process, across spawn (the fd inherited at 3) and across a Unix socket (SCM_RIGHTS).
// Only a memfd sealed against shrinking and growing is adopted.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "ipc/ring.hpp"
#include "ipc/shm.hpp"
#include "ipc/spawn.hpp"
#include "ipc/telemetry.hpp"
#include "ipc/unix_socket.hpp"
#include "support/names.hpp"
#include "support/traffic.hpp"

namespace {

using ipc::errc;
using namespace std::chrono_literals;

ipc::ring_options options() {
    ipc::ring_options o;
    o.max_message = 1024;
    o.capacity = 64 * 1024;
    return o;
}

ipc::unique_fd dup_of(int fd) {
    return ipc::unique_fd(::fcntl(fd, F_DUPFD_CLOEXEC, 0));
}

TEST(MemfdRing, BothEndsInOneProcess) {
    auto region = ipc::create_memfd_ring(options());
    ASSERT_TRUE(region) << region.error_value().message();
    auto w = ipc::ring_writer::adopt("memfd-local", dup_of(region->get()), options());
    ASSERT_TRUE(w) << w.error_value().message();
    auto r = ipc::ring_reader::adopt("memfd-local", dup_of(region->get()), options());
    ASSERT_TRUE(r) << r.error_value().message();
    EXPECT_EQ(ipc::ring_writer::adopt("again", dup_of(region->get()), options()).code(),
              errc::busy);
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
    EXPECT_EQ(ipc::ring_reader::adopt("geometry", dup_of(region->get()), other).code(),
              errc::geometry_mismatch);
    // Not sealed: a holder could shrink it under the mapping.
    ipc::unique_fd unsealed{::memfd_create("unsealed", MFD_CLOEXEC)};
    ASSERT_EQ(::ftruncate(unsealed.get(), 1 << 20), 0);
    EXPECT_EQ(ipc::ring_reader::adopt("unsealed", std::move(unsealed), options()).code(),
              errc::wrong_kind);
    // Only one of the two seals: it could still be shrunk (or grown).
    ipc::unique_fd half{::memfd_create("half", MFD_CLOEXEC | MFD_ALLOW_SEALING)};
    ASSERT_EQ(::ftruncate(half.get(), 1 << 20), 0);
    ASSERT_EQ(::fcntl(half.get(), F_ADD_SEALS, F_SEAL_GROW), 0);
    EXPECT_EQ(ipc::ring_reader::adopt("half", std::move(half), options()).code(), errc::wrong_kind);
    // Sealed, but not a ring.
    auto garbage = ipc::shm::create_sealed_memfd("garbage", 1 << 20);
    ASSERT_TRUE(garbage);
    EXPECT_EQ(ipc::ring_reader::adopt("garbage", std::move(*garbage), options()).code(),
              errc::not_ready);
    // Not a memfd at all.
    int pipe_fds[2];
    ASSERT_EQ(::pipe(pipe_fds), 0);
    ::close(pipe_fds[1]);
    EXPECT_EQ(ipc::ring_reader::adopt("pipe", ipc::unique_fd(pipe_fds[0]), options()).code(),
              errc::wrong_kind);
    EXPECT_EQ(ipc::ring_reader::adopt("bad/name", dup_of(region->get()), options()).code(),
              errc::bad_name);
}

// The writer streams 100,000 messages of random sizes to a spawned reader that inherited the
// region at fd 3 and checks every byte.
TEST(MemfdRing, AStreamToASpawnedChildThatInheritedTheRegion) {
    constexpr std::uint64_t count = 100'000;
    auto region = ipc::create_memfd_ring(options());
    ASSERT_TRUE(region);
    auto w = ipc::ring_writer::adopt("memfd-spawn", dup_of(region->get()), options());
    ASSERT_TRUE(w);
    auto reader = ipc::child::spawn(IPC_TEST_RING_PEER,
                                    {"ring_peer", "read-fd", "memfd-spawn", std::to_string(count),
                                     "42", "1024", "adaptive", std::to_string(options().capacity)},
                                    {.fds = {{region->get(), 3}}});
    ASSERT_TRUE(reader) << reader.error_value().message();
    region->reset();  // the child and the writer hold it now
    std::vector<std::byte> msg(1024);
    for (std::uint64_t i = 0; i < count; ++i) {
        const auto size = ipc::test::message_size(42, i, 1024);
        ipc::test::fill_message(42, i, std::span(msg.data(), size));
        ASSERT_TRUE(w->send(std::span(msg.data(), size), 10s)) << "message " << i;
    }
    auto status = reader->wait(30s);
    ASSERT_TRUE(status);
    EXPECT_TRUE(status->exited);
    EXPECT_EQ(status->code, 0);
}

// An unrelated process gets the region over a Unix socket and writes; this one reads.
TEST(MemfdRing, ARegionReceivedOverAUnixSocket) {
    int pair[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair), 0);
    ipc::unique_fd mine(pair[0]);
    ipc::unique_fd theirs(pair[1]);
    const pid_t writer = ::fork();
    if (writer == 0) {
        std::byte buffer[8];
        auto got = ipc::unix_socket::receive(theirs.get(), buffer, 1, 10s);
        bool ok = got && got->fds.size() == 1;
        if (ok) {
            auto w = ipc::ring_writer::adopt("memfd-socket", std::move(got->fds[0]), options());
            for (std::uint64_t i = 0; w && ok && i < 1000; ++i) {
                ok = static_cast<bool>(w->send(std::as_bytes(std::span(&i, 1)), 10s));
            }
            ok = ok && w.has_value();
        }
        ipc::telemetry::remove_segment();
        ::_exit(ok ? 0 : 1);
    }
    auto region = ipc::create_memfd_ring(options());
    ASSERT_TRUE(region);
    auto r = ipc::ring_reader::adopt("memfd-socket", dup_of(region->get()), options());
    ASSERT_TRUE(r);
    const int fds[] = {region->get()};
    ASSERT_TRUE(ipc::unix_socket::send(mine.get(), std::as_bytes(std::span("r", 1)), fds));
    region->reset();
    for (std::uint64_t i = 0; i < 1000; ++i) {
        std::uint64_t value = 0;
        auto n = r->receive(std::as_writable_bytes(std::span(&value, 1)), 10s);
        ASSERT_TRUE(n) << "message " << i << ": " << n.error_value().message();
        ASSERT_EQ(value, i);
    }
    std::vector<std::byte> rest(16);
    EXPECT_EQ(r->receive(rest, 10s).code(), errc::peer_closed);
    int status = 0;
    ASSERT_EQ(::waitpid(writer, &status, 0), writer);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

}  // namespace
