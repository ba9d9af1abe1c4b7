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

// A child that is never left running or unreaped: stop() (and the destructor) waits up to a
// grace period for it to exit, then kills it with SIGKILL, and reaps it. Its exit status is
// kept, and given again at every later wait() or stop(). What a channel to a spawned child
// (duplex, efdstream) holds: it asks the child to stop its own way (a duplex closes its rings,
// efdstream sends SIGTERM), then stop()s.
class supervised_child {
  public:
    supervised_child() noexcept = default;
    supervised_child(child started, std::chrono::nanoseconds grace) noexcept;
    // The moved-from one supervises nothing: it neither waits for nor kills the child.
    supervised_child(supervised_child&& other) noexcept;
    supervised_child& operator=(supervised_child&& other) noexcept;
    ~supervised_child();

    pid_t pid() const noexcept { return child_.pid(); }
    int pidfd() const noexcept { return child_.pidfd(); }
    // Waits up to `timeout` for the child to exit and reaps it. timeout while it runs; closed
    // without a child.
    result<exit_status> wait(std::chrono::nanoseconds timeout = forever);
    // Waits the grace period, then kills and reaps: how it ended.
    result<exit_status> stop();
    // Sends `signal` (through the pidfd), while it is supervised and not reaped.
    result<void> kill(int signal) const noexcept;

  private:
    child child_;
    std::chrono::nanoseconds grace_{};
    bool supervising_ = false;
    bool reaped_ = false;
    exit_status status_{};
};

}  // namespace ipc
