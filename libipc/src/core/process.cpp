#include "ipc/process.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace ipc {

namespace {

// Reads /proc/PID/<file> into buf; returns bytes read, or 0.
std::size_t read_proc(pid_t pid, const char* file, char* buf, std::size_t size) noexcept {
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/%s", static_cast<int>(pid), file);
    const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return 0;
    }
    const ssize_t n = ::read(fd, buf, size - 1);
    ::close(fd);
    if (n <= 0) {
        return 0;
    }
    buf[n] = '\0';
    return static_cast<std::size_t>(n);
}

// Numeric field `wanted` (4: ppid, 22: starttime) of /proc/PID/stat for a running process; 0 if
// there is none, or it is a zombie.
std::uint64_t stat_field(pid_t pid, int wanted) noexcept {
    if (pid <= 0) {
        return 0;
    }
    char buf[1024];
    if (read_proc(pid, "stat", buf, sizeof buf) == 0) {
        return 0;
    }
    // The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
    const char* p = std::strrchr(buf, ')');
    if (p == nullptr || p[1] != ' ') {
        return 0;
    }
    p += 2;
    const char state = *p;
    if (state == 'Z' || state == 'X') {
        return 0;
    }
    for (int field = 3; field < wanted; ++field) {  // p is at field 3
        p = std::strchr(p, ' ');
        if (p == nullptr) {
            return 0;
        }
        ++p;
    }
    return std::strtoull(p, nullptr, 10);
}

}  // namespace

std::uint64_t process_start_time(pid_t pid) noexcept {
    return stat_field(pid, 22);
}

pid_t process_parent(pid_t pid) noexcept {
    return static_cast<pid_t>(stat_field(pid, 4));
}

process_identity self_identity() noexcept {
    static const process_identity cached = [] {
        const pid_t pid = ::getpid();
        return process_identity{pid, process_start_time(pid)};
    }();
    // After fork the child has a new pid: recompute rather than report the parent.
    if (cached.pid == ::getpid()) {
        return cached;
    }
    const pid_t pid = ::getpid();
    return process_identity{pid, process_start_time(pid)};
}

bool is_alive(std::int32_t pid, std::uint64_t start_time) noexcept {
    const std::uint64_t actual = process_start_time(pid);
    return actual != 0 && (start_time == 0 || actual == start_time);
}

std::optional<uid_t> process_uid(pid_t pid) noexcept {
    if (pid <= 0) {
        return std::nullopt;
    }
    char buf[4096];
    if (read_proc(pid, "status", buf, sizeof buf) == 0) {
        return std::nullopt;
    }
    // "Uid:\treal\teffective\tsaved\tfilesystem"
    const char* line = std::strstr(buf, "\nUid:");
    if (line == nullptr) {
        return std::nullopt;
    }
    unsigned long ids[4];
    if (std::sscanf(line + 5, "%lu %lu %lu %lu", &ids[0], &ids[1], &ids[2], &ids[3]) != 4) {
        return std::nullopt;
    }
    return static_cast<uid_t>(ids[3]);
}

std::string process_name(pid_t pid) {
    char buf[64];
    if (read_proc(pid, "comm", buf, sizeof buf) == 0) {
        return {};
    }
    std::string name(buf);
    while (!name.empty() && name.back() == '\n') {
        name.pop_back();
    }
    return name;
}

}  // namespace ipc
