#include "child_process.hpp"

#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>
#include <utility>

#include "ipc/shm.hpp"
#include "ipc/telemetry.hpp"

extern char** environ;

namespace ipc::test {

child_process::child_process(const std::vector<std::string>& argv) {
    std::vector<char*> args;
    for (const auto& a : argv) {
        args.push_back(const_cast<char*>(a.c_str()));
    }
    args.push_back(nullptr);
    if (posix_spawn(&pid_, args[0], nullptr, nullptr, args.data(), environ) != 0) {
        throw std::runtime_error("posix_spawn failed: " + argv[0]);
    }
    pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
    if (pidfd_ < 0) {
        throw std::runtime_error("pidfd_open failed");
    }
}

child_process::child_process(child_process&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      pidfd_(std::exchange(other.pidfd_, -1)),
      reaped_(std::exchange(other.reaped_, true)) {}

child_process::~child_process() {
    if (pid_ > 0 && !reaped_) {
        ::kill(pid_, SIGKILL);
        int status = 0;
        ::waitpid(pid_, &status, 0);
    }
    if (pid_ > 0) {
        // A child that was killed could not remove its telemetry segment.
        (void)ipc::shm::unlink(ipc::telemetry::segment_object_name(pid_));
    }
    if (pidfd_ >= 0) {
        ::close(pidfd_);
    }
}

std::optional<int> child_process::wait(std::chrono::milliseconds timeout) {
    pollfd p{pidfd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) {
        return std::nullopt;
    }
    int status = 0;
    if (::waitpid(pid_, &status, 0) != pid_) {
        return std::nullopt;
    }
    reaped_ = true;
    return status;
}

void child_process::kill(int signal) {
    ::kill(pid_, signal);
}

int exit_code(int status) {
    if (WIFEXITED(status)) {
        return WEXITSTATUS(status);
    }
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
}

}  // namespace ipc::test
