#pragma once
// An object in the shm directory whose layout another program defined (ZIPC, SimpleIPC)
// (internal): named by that program's rules rather than libipc's prefix, and known by its
// device and inode, since such formats record no process ids and a peer is found through the
// processes that map the object.

#include <sys/types.h>

#include <cstddef>
#include <string>

#include "ipc/error.hpp"
#include "ipc/fd.hpp"
#include "ipc/mapping.hpp"

namespace ipc::detail {

struct foreign_object {
    unique_fd fd;
    ipc::mapping map;
    dev_t device = 0;
    ino_t inode = 0;

    // Records the open object's device and inode.
    result<void> identify() noexcept;
};

// '/' and then up to max_length - 1 characters, none of them '/' or NUL: invalid_argument with
// `rule` as its message otherwise.
result<void> check_foreign_name(const std::string& name, std::size_t max_length,
                                const char* rule) noexcept;

}  // namespace ipc::detail
