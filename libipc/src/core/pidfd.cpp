#include "core/pidfd.hpp"

#include <sys/syscall.h>
#include <unistd.h>

namespace ipc::detail {

unique_fd open_pidfd(pid_t pid) noexcept {
    // pidfd_open's descriptors are close-on-exec (the flag cannot be turned off by it).
    return unique_fd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
}

result<unique_fd> open_parent_pidfd() noexcept {
    const pid_t parent = ::getppid();
    unique_fd fd = open_pidfd(parent);
    if (!fd.valid() || ::getppid() != parent) {
        return error{errc::peer_gone, "the parent process is gone"};
    }
    return fd;
}

}  // namespace ipc::detail
