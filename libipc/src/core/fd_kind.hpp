#pragma once
// What an inherited descriptor is, checked before a channel takes it (internal): a child must
// not adopt, or close, a descriptor that is not what its parent said it would be.

#include <string>

#include "ipc/fd.hpp"

namespace ipc::detail {

// The descriptor's /proc/self/fd link ("anon_inode:[eventfd]", "/memfd:name (deleted)"), or
// empty when it is not open.
std::string fd_link(int fd);
bool is_eventfd(int fd);
bool is_memfd(int fd);
bool is_pidfd(int fd);
// One handed-over ring's three descriptors, as duplex and broker pass them: two eventfds and a
// memfd.
bool is_ring_fd_set(int data_ready, int space_ready, int region);
// Takes an inherited descriptor (checked first), close-on-exec from now on, so that this
// process's own children do not hold it.
unique_fd take_inherited(int fd);

}  // namespace ipc::detail
