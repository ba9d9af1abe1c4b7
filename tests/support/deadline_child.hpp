#pragma once
// Runs a body that must not hang in a forked child, so that a hang fails one test within a
// deadline instead of stalling the whole binary, and a crash (SIGBUS, SIGSEGV) is reported
// instead of killing it.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <optional>

#include "support/child_process.hpp"

namespace ipc::test {

// The body's exit code (it returns an int), 128 + signal if it died, or nullopt if it was still
// running at the deadline (it is killed then).
template <class Body>
std::optional<int> exit_code_within(std::chrono::milliseconds deadline, Body&& body) {
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::_exit(body());
    }
    int status = 0;
    const bool exited =
        eventually([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, deadline);
    if (!exited) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        return std::nullopt;
    }
    return exit_code(status);
}

}  // namespace ipc::test
