#pragma once
// Identity of a process that survives pid reuse: pid plus its start time in clock ticks since
// boot (field 22 of /proc/PID/stat). Segments record it so peers can tell "dead" from "alive".

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

namespace ipc {

struct process_identity {
    std::int32_t pid = 0;
    std::uint64_t start_time = 0;
};

// The calling process.
process_identity self_identity() noexcept;

// Start time of `pid`, or 0 if there is no such process (or it is a zombie).
std::uint64_t process_start_time(pid_t pid) noexcept;

// The parent of a running `pid`, or 0 if there is no such process (or it is a zombie).
pid_t process_parent(pid_t pid) noexcept;

// True if `pid` runs and, when start_time is not 0, started at start_time.
bool is_alive(std::int32_t pid, std::uint64_t start_time) noexcept;

// The filesystem uid of a running process (the owner of files it creates), if it can be read.
std::optional<uid_t> process_uid(pid_t pid) noexcept;

// Short command name of a process ("" if unknown).
std::string process_name(pid_t pid);

}  // namespace ipc
