#include "core/object_users.hpp"

#include <dirent.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "ipc/clock.hpp"

namespace ipc::detail {

namespace {

// How many of the process's mappings are of (device, inode). A maps line reads
// "start-end perms offset major:minor inode path", the device numbers in hex.
std::size_t mappings_in(const char* maps_path, dev_t device, ino_t inode) {
    std::FILE* f = std::fopen(maps_path, "re");
    if (f == nullptr) {
        return 0;  // gone, or not ours to read
    }
    char line[4352];  // a path is at most PATH_MAX: a line is never cut in two
    std::size_t found = 0;
    while (std::fgets(line, sizeof line, f) != nullptr) {
        unsigned major = 0;
        unsigned minor = 0;
        unsigned long long node = 0;
        found += std::sscanf(line, "%*s %*s %*s %x:%x %llu", &major, &minor, &node) == 3 &&
                         node == inode && makedev(major, minor) == device
                     ? 1
                     : 0;
    }
    std::fclose(f);
    return found;
}

}  // namespace

object_users users_of(dev_t device, ino_t inode) noexcept {
    object_users users;
    users.own_mappings = mappings_in("/proc/self/maps", device, inode);
    DIR* proc = ::opendir("/proc");
    if (proc == nullptr) {
        return users;
    }
    const pid_t self = ::getpid();
    while (const dirent* e = ::readdir(proc)) {
        char* end = nullptr;
        const long pid = std::strtol(e->d_name, &end, 10);
        if (*end != '\0' || pid <= 0 || pid == self) {
            continue;
        }
        char maps[64];
        std::snprintf(maps, sizeof maps, "/proc/%ld/maps", pid);
        users.other_processes += mappings_in(maps, device, inode) > 0 ? 1 : 0;
    }
    ::closedir(proc);
    return users;
}

error mapper_watch::check() noexcept {
    const object_users users = users_of(device_, inode_);
    if (users.other_processes > 0 || users.own_mappings > own_ends_) {
        seen_ = true;
        return {};
    }
    return seen_ ? error{errc::peer_gone, "no other process maps the shared object any more"}
                 : error{};
}

void mapper_watch::note_work() noexcept {
    const std::uint64_t now = monotonic_ns();
    if (!seen_ && now - last_look_ns_ >= interval_ns_) {
        last_look_ns_ = now;
        (void)check();
    }
}

}  // namespace ipc::detail
