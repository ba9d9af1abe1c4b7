#pragma once
// Leftovers of processes that died: what stale-segment handling is tested against.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <string>

#include "ipc/layout/segment_header.hpp"
#include "ipc/mapping.hpp"
#include "ipc/ring.hpp"
#include "ipc/shm.hpp"
#include "ipc/telemetry.hpp"

namespace ipc::test {

// A pid that ran and has been reaped: nothing alive holds it (until it is reused).
inline pid_t dead_pid() {
    const pid_t child = ::fork();
    if (child == 0) {
        ::_exit(0);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    return child;
}

// A 4 KiB object whose header names a dead creator and `kind`; ready is never stored, as when
// a creator dies half-way.
inline void write_segment_of_dead_creator(const std::string& object, std::uint16_t kind) {
    auto fd = shm::create(object, 4096, 0600);
    ASSERT_TRUE(fd);
    auto map = mapping::map(fd->get(), 4096, access::read_write);
    ASSERT_TRUE(map);
    auto& h = *reinterpret_cast<layout::segment_header*>(map->data());
    h.magic = layout::segment_magic;
    h.kind = kind;
    h.creator_pid = dead_pid();
}

// A ring segment kept (keep_segment) by a writer whose process exited without closing it: the
// writer end stays attached to a dead pid. Returns that pid.
inline pid_t leave_ring_of_dead_writer(const std::string& name) {
    const pid_t child = ::fork();
    if (child == 0) {
        ring_options keep;
        keep.keep_segment = true;
        auto w = ring_writer::open(name, keep);
        telemetry::remove_segment();
        ::_exit(w ? 0 : 1);
    }
    int status = 0;
    EXPECT_EQ(::waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    return child;
}

}  // namespace ipc::test
