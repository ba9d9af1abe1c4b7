#pragma once
// Spawning and waiting for real child processes in tests, without sleeping: exits are awaited
// with a pidfd and poll().

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "ipc/spawn.hpp"

namespace ipc::test {

class child_process {
  public:
    // Starts argv[0] with argv (and the fds and environment of `options`); the child's stdout
    // and stderr go to the test's.
    explicit child_process(const std::vector<std::string>& argv, const spawn_options& options = {});
    child_process(child_process&& other) noexcept = default;
    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;
    // Kills (SIGKILL) and reaps a child still running, and removes its telemetry segment.
    ~child_process();

    pid_t pid() const noexcept { return child_.pid(); }
    // Waits up to `timeout` for the child to exit; how it ended, or nullopt on timeout.
    std::optional<exit_status> wait(std::chrono::milliseconds timeout);
    void kill(int signal);

  private:
    child child_;
};

// Exit code of a wait status, or 128 + signal for a killed child.
int exit_code(int status);
// The same for a child_process's end.
int exit_code(const exit_status& status);

// Polls `condition` until true or `timeout` passes, checking every `every` (a millisecond by
// default; longer where each check costs a request to another program).
template <class Condition>
bool eventually(Condition&& condition, std::chrono::milliseconds timeout,
                std::chrono::milliseconds every = std::chrono::milliseconds(1));

}  // namespace ipc::test

#include "child_process_impl.hpp"
