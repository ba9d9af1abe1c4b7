#pragma once
// Runs a body that must not hang in a forked child, so that a hang fails one test within a
// deadline instead of stalling the whole binary, and a crash (SIGBUS, SIGSEGV) is reported
// instead of killing it.

#include <signal.h>
#include <sys/prctl.h>
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
    if (pid < 0) {
        return std::nullopt;
    }
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

// Runs `step` over and over in a child process until destroyed (then killed): a neighbour
// that keeps changing something while a test observes it. A process rather than a thread, since
// the observer runs in a forked child (exit_code_within), and a fork taken while another thread
// holds a lock (the allocator's, under ASan) can leave the child blocked on it forever.
class looping_process {
  public:
    template <class Step>
    explicit looping_process(Step&& step) : pid_(::fork()) {
        if (pid_ == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a test binary that was killed
            for (;;) {
                step();
            }
        }
    }
    looping_process(const looping_process&) = delete;
    looping_process& operator=(const looping_process&) = delete;
    ~looping_process() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }

  private:
    pid_t pid_;
};

}  // namespace ipc::test
