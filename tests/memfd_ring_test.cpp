// A ring over a sealed memfd (issue 9): made by create_memfd_ring, each end adopting the fd.
// Only a memfd sealed against shrinking and growing is adopted. Streams across spawn and across
// a Unix socket run in ring_process_test.cpp, over every region source.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>

#include "ipc/ring.hpp"
#include "ipc/shm.hpp"
#include "support/names.hpp"

namespace {

using ipc::errc;
using namespace std::chrono_literals;

ipc::ring_options options() {
    ipc::ring_options o;
    o.max_message = 1024;
    o.capacity = 64 * 1024;
    return o;
}

// A set of the ring's fds for one end, the original kept for the other.
ipc::ring_fds copy_of(const ipc::ring_fds& fds) {
    auto copy = fds.duplicate();
    EXPECT_TRUE(copy) << copy.error_value().message();
    return copy ? std::move(*copy) : ipc::ring_fds{};
}

TEST(MemfdRing, BothEndsInOneProcess) {
    auto region = ipc::create_memfd_ring(options());
    ASSERT_TRUE(region) << region.error_value().message();
    auto w = ipc::ring_writer::adopt("memfd-local", copy_of(*region), options());
    ASSERT_TRUE(w) << w.error_value().message();
    auto r = ipc::ring_reader::adopt("memfd-local", copy_of(*region), options());
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

}  // namespace
