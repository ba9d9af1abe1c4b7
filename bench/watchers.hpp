#pragma once
// What watching costs, measured on real programs (ipc-monitor, ipcstat serve): starting one, its
// CPU clock, and a peer process that keeps many live endpoints for it to watch.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ipc/spawn.hpp"

namespace bench {

// Starts args[0] with args, this environment plus `extra_env` ("NAME=value"), and its stdout on
// `stdout_fd` (unless -1); throws if it cannot.
ipc::child spawn_program(const std::vector<std::string>& args,
                         const std::vector<std::string>& extra_env = {}, int stdout_fd = -1);
// Throws when the program has exited: its CPU clock would then say nothing about its cost.
void require_running(ipc::child& program);
// CPU time the process has used so far, in ns (its CPU-time clock).
std::uint64_t cpu_ns(pid_t pid);
// SIGTERM, then reaps it.
void stop_program(ipc::child& program);

// Runs `measure` (in this process) while a peer process holds `pairs` ring pairs open (2 x
// pairs endpoints); with `traffic`, each pair moves about 1000 messages a second. `measure` is
// given the first pair's channel name.
double with_live_pairs(int pairs, bool traffic,
                       const std::function<double(const std::string& first)>& measure);

}  // namespace bench
