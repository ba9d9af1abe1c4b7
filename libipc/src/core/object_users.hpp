#pragma once
// Which processes map a file (internal): for shared-memory formats that record no process ids
// (ZIPC, SimpleIPC), the only sign that the other side still lives.

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>

#include "ipc/error.hpp"

namespace ipc::detail {

struct object_users {
    std::size_t other_processes = 0;  // processes other than this one that map the file
    std::size_t own_mappings = 0;     // this process's mappings of it (two ends: two)
};

// Who maps the file with this device and inode, read from /proc/<pid>/maps. Only processes
// whose maps this one may read are seen (its own user's, without ptrace restrictions); a peer
// of another user is never counted.
object_users users_of(dev_t device, ino_t inode) noexcept;

// A peer known only as "another process that maps this file". Only a peer once found makes
// "nobody maps it" mean gone: a side that starts first waits for the other, and a peer that
// /proc does not show (root's, another namespace's) is never taken for gone.
class mapper_watch {
  public:
    mapper_watch() noexcept = default;
    // `own_ends`: how many of this process's own mappings are its own side's (a second one is
    // the peer, in this process).
    mapper_watch(dev_t device, ino_t inode, std::chrono::nanoseconds interval,
                 std::size_t own_ends = 1) noexcept
        : device_(device),
          inode_(inode),
          interval_ns_(static_cast<std::uint64_t>(interval.count())),
          own_ends_(own_ends) {}

    // Looks now: ok while the peer may still act, peer_gone once a peer seen before is gone.
    error check() noexcept;
    // The peer's work was seen (it surely lived then): looks for it, at most once an interval,
    // until found.
    void note_work() noexcept;
    bool peer_seen() const noexcept { return seen_; }

  private:
    dev_t device_ = 0;
    ino_t inode_ = 0;
    std::uint64_t interval_ns_ = 0;
    std::size_t own_ends_ = 1;
    bool seen_ = false;
    std::uint64_t last_look_ns_ = 0;
};

}  // namespace ipc::detail
