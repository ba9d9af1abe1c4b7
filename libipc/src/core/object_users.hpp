#pragma once
// Which processes map a file (internal): for shared-memory formats that record no process ids
// (ZIPC), the only sign that the other side still lives.

#include <sys/types.h>

#include <cstddef>

namespace ipc::detail {

struct object_users {
    std::size_t other_processes = 0;  // processes other than this one that map the file
    std::size_t own_mappings = 0;     // this process's mappings of it (two ends: two)
};

// Who maps the file with this device and inode, read from /proc/<pid>/maps. Only processes
// whose maps this one may read are seen (its own user's, without ptrace restrictions); a peer
// of another user is never counted.
object_users users_of(dev_t device, ino_t inode) noexcept;

}  // namespace ipc::detail
