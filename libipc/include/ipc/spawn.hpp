#pragma once
// Starting a program with chosen descriptors at chosen numbers, and waiting for it without
// polling: a parent that hands a child the fds of a channel (a memfd, eventfds, a socket).
//
// The child gets exactly stdin, stdout, stderr and the fds named in spawn_options::fds, at the
// numbers asked for; every other descriptor of the parent is closed in the child, whether or not
// it was close-on-exec, so nothing leaks into it. The child is tracked through a pidfd, so
// waiting needs no SIGCHLD handler and cannot hit a reused pid.

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "ipc/clock.hpp"
#include "ipc/error.hpp"
#include "ipc/fd.hpp"

namespace ipc {

struct fd_at {
    int fd;      // a descriptor of the parent
    int number;  // where the child finds it (3 and up; 0-2 replace stdin, stdout, stderr)
};

struct spawn_options {
    std::vector<fd_at> fds{};
    // The child's environment ("NAME=value"); empty: the parent's.
    std::vector<std::string> environment{};
};

struct exit_status {
    bool exited = false;  // it returned from main or called exit: `code` holds the status
    int code = 0;
    int signal = 0;  // the signal that killed it, when it did not exit
};

class child {
  public:
    child() noexcept = default;
    child(child&&) noexcept = default;
    child& operator=(child&&) noexcept = default;
    // Neither kills nor waits: wait() for a child before dropping it, or it stays a zombie
    // until this process exits.
    ~child() = default;

    // Runs `path` (not searched in PATH) with `argv` (argv[0] included). not_found or
    // permission_denied when it cannot be executed (the exec's error, reported here);
    // invalid_argument for an fd mapping that names a negative or repeated number.
    static result<child> spawn(const std::string& path, const std::vector<std::string>& argv,
                               const spawn_options& options = {});

    pid_t pid() const noexcept { return pid_; }
    // Readable (poll) once the child has exited.
    int pidfd() const noexcept { return pidfd_.get(); }
    // Waits up to `timeout` for the child to exit and reaps it: timeout when it still runs,
    // closed after it was reaped already.
    result<exit_status> wait(std::chrono::nanoseconds timeout = forever);
    // Sends `signal` through the pidfd (never to a reused pid).
    result<void> kill(int signal) const noexcept;

  private:
    pid_t pid_ = -1;
    unique_fd pidfd_;
    bool reaped_ = false;
};

}  // namespace ipc
