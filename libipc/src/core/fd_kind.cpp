#include "core/fd_kind.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>

namespace ipc::detail {

std::string fd_link(int fd) {
    char path[64];
    std::snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    char target[256];
    const ssize_t n = ::readlink(path, target, sizeof target - 1);
    return n > 0 ? std::string(target, static_cast<std::size_t>(n)) : std::string();
}

bool is_eventfd(int fd) {
    return fd_link(fd) == "anon_inode:[eventfd]";
}

bool is_pidfd(int fd) {
    return fd_link(fd) == "anon_inode:[pidfd]";
}

bool is_ring_fd_set(int data_ready, int space_ready, int region) {
    return is_eventfd(data_ready) && is_eventfd(space_ready) && is_memfd(region);
}

bool is_memfd(int fd) {
    return fd_link(fd).starts_with("/memfd:");
}

unique_fd take_inherited(int fd) {
    const int flags = ::fcntl(fd, F_GETFD);
    if (flags >= 0) {
        (void)::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
    }
    return unique_fd(fd);
}

}  // namespace ipc::detail
