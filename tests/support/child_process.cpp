#include "child_process.hpp"

#include <signal.h>
#include <sys/wait.h>

#include <stdexcept>

#include "ipc/shm.hpp"
#include "ipc/telemetry.hpp"

namespace ipc::test {

child_process::child_process(const std::vector<std::string>& argv, const spawn_options& options) {
    auto started = child::spawn(argv.at(0), argv, options);
    if (!started) {
        throw std::runtime_error("cannot start " + argv[0] + ": " +
                                 started.error_value().message());
    }
    child_ = std::move(*started);
}

child_process::~child_process() {
    if (child_.pidfd() < 0) {
        return;  // moved from
    }
    (void)child_.kill(SIGKILL);  // fails harmlessly once it exited
    (void)child_.wait(forever);  // closed once it was reaped
    // A child that was killed could not remove its telemetry segment.
    (void)ipc::shm::unlink(ipc::telemetry::segment_object_name(child_.pid()));
}

std::optional<exit_status> child_process::wait(std::chrono::milliseconds timeout) {
    auto status = child_.wait(timeout);
    return status ? std::optional<exit_status>(*status) : std::nullopt;
}

void child_process::kill(int signal) {
    (void)child_.kill(signal);
}

int exit_code(const exit_status& status) {
    return status.exited ? status.code : 128 + status.signal;
}

int exit_code(int status) {
    if (WIFEXITED(status)) {
        return WEXITSTATUS(status);
    }
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
}

}  // namespace ipc::test
