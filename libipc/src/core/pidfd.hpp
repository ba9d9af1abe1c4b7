#pragma once
// pidfds: descriptors that become readable when a process exits (internal). A peer watched
// through one is seen to die at once, by poll, with no pid-reuse race once it is open.

#include <sys/types.h>

#include "ipc/error.hpp"
#include "ipc/fd.hpp"

namespace ipc::detail {

// A pidfd of `pid`, close-on-exec; invalid when there is no such process.
unique_fd open_pidfd(pid_t pid) noexcept;

// A pidfd of this process's parent, checked to be the parent still once it is open (a parent
// that died before leaves this process to a reaper, whose pid getppid then gives, or whose pid
// a new process may even have taken): peer_gone then.
result<unique_fd> open_parent_pidfd() noexcept;

}  // namespace ipc::detail
