#include "ipc/spawn.hpp"
#include "core/pidfd.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

extern char** environ;

namespace ipc {

namespace {

result<void> check_numbers(const std::vector<fd_at>& fds) noexcept {
    for (std::size_t i = 0; i < fds.size(); ++i) {
        if (fds[i].number < 0 || fds[i].fd < 0) {
            return error{errc::invalid_argument, "an fd mapping names a negative descriptor"};
        }
        for (std::size_t j = 0; j < i; ++j) {
            if (fds[j].number == fds[i].number) {
                return error{errc::invalid_argument, "two fds are mapped to the same number"};
            }
        }
    }
    return {};
}

void reap(pid_t pid) noexcept {
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
    std::vector<char*> out;
    for (auto& s : strings) {
        out.push_back(s.data());
    }
    out.push_back(nullptr);
    return out;
}

// In the forked child: only async-signal-safe calls. Puts every signal back to its default
// (the parent's handlers must not run in it) and restores the mask, places the sources at their
// numbers, makes every other descriptor close-on-exec (the status pipe included), and executes.
// `max_fd` bounds the fallback for kernels without close_range (before 5.11).
[[noreturn]] void become(const char* path, char* const* argv, char* const* envp,
                         const std::vector<fd_at>& fds, const std::vector<int>& sources,
                         int status_fd, const sigset_t& parent_mask, long max_fd) {
    struct sigaction default_action {};
    default_action.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig) {
        (void)::sigaction(sig, &default_action, nullptr);  // fails harmlessly for KILL, STOP
    }
    ::sigprocmask(SIG_SETMASK, &parent_mask, nullptr);
    for (std::size_t i = 0; i < fds.size(); ++i) {
        if (::dup2(sources[i], fds[i].number) < 0) {
            const int e = errno;
            (void)::write(status_fd, &e, sizeof e);
            ::_exit(127);
        }
    }
    if (::syscall(SYS_close_range, 3u, ~0u, CLOSE_RANGE_CLOEXEC) != 0) {
        for (long fd = 3; fd < max_fd; ++fd) {
            (void)::fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC);
        }
    }
    for (const auto& f : fds) {
        (void)::fcntl(f.number, F_SETFD, 0);
    }
    ::execve(path, argv, envp);
    const int e = errno;
    (void)::write(status_fd, &e, sizeof e);
    ::_exit(127);
}

}  // namespace

result<child> child::spawn(const std::string& path, const std::vector<std::string>& argv,
                           const spawn_options& options) {
    if (auto ok = check_numbers(options.fds); !ok) {
        return ok.error_value();
    }
    // Each source is first duplicated above every target number, so that placing one cannot
    // overwrite another's source (fds swapped between 3 and 4, or fd 5 wanted at 5).
    int above = 3;
    for (const auto& f : options.fds) {
        above = std::max(above, f.number + 1);
    }
    std::vector<unique_fd> sources;
    std::vector<int> source_numbers;
    for (const auto& f : options.fds) {
        sources.emplace_back(::fcntl(f.fd, F_DUPFD_CLOEXEC, above));
        if (!sources.back().valid()) {
            return system_error("duplicating an fd for the child failed");
        }
        source_numbers.push_back(sources.back().get());
    }
    std::vector<std::string> arg_strings = argv;
    std::vector<std::string> env_strings = options.environment;
    const auto args = c_strings(arg_strings);
    const auto env = c_strings(env_strings);
    int status_pipe[2];
    if (::pipe2(status_pipe, O_CLOEXEC) != 0) {
        return system_error("creating the spawn status pipe failed");
    }
    unique_fd status_read(status_pipe[0]);
    // Above every target too: placing a target must not close the child's end of the pipe.
    unique_fd status_write(::fcntl(status_pipe[1], F_DUPFD_CLOEXEC, above));
    ::close(status_pipe[1]);
    if (!status_write.valid()) {
        return system_error("moving the spawn status pipe failed");
    }
    const long max_fd = ::sysconf(_SC_OPEN_MAX);
    // Signals stay blocked from fork until the child has reset their handlers.
    sigset_t all;
    sigset_t parent_mask;
    sigfillset(&all);
    ::pthread_sigmask(SIG_SETMASK, &all, &parent_mask);
    const pid_t pid = ::fork();
    if (pid == 0) {
        become(path.c_str(), args.data(), options.environment.empty() ? environ : env.data(),
               options.fds, source_numbers, status_write.get(), parent_mask,
               max_fd > 0 ? max_fd : 65536);
    }
    const int fork_errno = errno;
    ::pthread_sigmask(SIG_SETMASK, &parent_mask, nullptr);
    if (pid < 0) {
        errno = fork_errno;
        return system_error("fork failed");
    }
    status_write.reset();
    int exec_errno = 0;
    ssize_t got;
    do {
        got = ::read(status_read.get(), &exec_errno, sizeof exec_errno);
    } while (got < 0 && errno == EINTR);
    if (got == static_cast<ssize_t>(sizeof exec_errno)) {
        reap(pid);
        errno = exec_errno;
        return system_error("starting the program failed");
    }
    child c;
    c.pid_ = pid;
    c.pidfd_ = detail::open_pidfd(pid);
    if (!c.pidfd_.valid()) {
        const error e = system_error("pidfd_open failed");
        ::kill(pid, SIGKILL);
        reap(pid);
        return e;
    }
    return c;
}

result<exit_status> child::wait(std::chrono::nanoseconds timeout) {
    if (reaped_ || !pidfd_.valid()) {
        return error{errc::closed, "the child was reaped already"};
    }
    const deadline until(timeout);
    for (;;) {
        const std::uint64_t now = monotonic_ns();
        const std::uint64_t left_ms = (until.remaining_ns(now) + 999'999) / 1'000'000;
        pollfd p{pidfd_.get(), POLLIN, 0};
        const int ready = ::poll(
            &p, 1,
            timeout == forever ? -1
                               : static_cast<int>(std::min<std::uint64_t>(left_ms, INT32_MAX)));
        if (ready > 0) {
            break;
        }
        if (ready < 0 && errno != EINTR) {
            return system_error("waiting for the child failed");
        }
        if (ready == 0 && until.passed(monotonic_ns())) {
            return error{errc::timeout, "the child is still running"};
        }
    }
    int status = 0;
    pid_t reaped;
    do {
        reaped = ::waitpid(pid_, &status, 0);
    } while (reaped < 0 && errno == EINTR);
    if (reaped != pid_) {
        return system_error("reaping the child failed");
    }
    reaped_ = true;
    exit_status s;
    s.exited = WIFEXITED(status);
    s.code = s.exited ? WEXITSTATUS(status) : 0;
    s.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    return s;
}

result<void> child::kill(int signal) const noexcept {
    if (reaped_ || !pidfd_.valid()) {
        return error{errc::closed, "the child was reaped already"};
    }
    if (::syscall(SYS_pidfd_send_signal, pidfd_.get(), signal, nullptr, 0) != 0) {
        return system_error("signalling the child failed");
    }
    return {};
}

supervised_child::supervised_child(child started, std::chrono::nanoseconds grace) noexcept
    : child_(std::move(started)), grace_(grace), supervising_(true) {}

supervised_child::supervised_child(supervised_child&& other) noexcept
    : child_(std::move(other.child_)),
      grace_(other.grace_),
      supervising_(std::exchange(other.supervising_, false)),
      reaped_(other.reaped_),
      status_(other.status_) {}

supervised_child& supervised_child::operator=(supervised_child&& other) noexcept {
    if (this != &other) {
        (void)stop();
        child_ = std::move(other.child_);
        grace_ = other.grace_;
        supervising_ = std::exchange(other.supervising_, false);
        reaped_ = other.reaped_;
        status_ = other.status_;
    }
    return *this;
}

supervised_child::~supervised_child() {
    (void)stop();
}

result<exit_status> supervised_child::wait(std::chrono::nanoseconds timeout) {
    if (!supervising_) {
        return error{errc::closed, "no child is supervised here"};
    }
    if (reaped_) {
        return status_;
    }
    auto status = child_.wait(timeout);
    if (status) {
        reaped_ = true;
        status_ = *status;
    }
    return status;
}

result<void> supervised_child::kill(int signal) const noexcept {
    if (!supervising_ || reaped_) {
        return error{errc::closed, "no running child is supervised here"};
    }
    return child_.kill(signal);
}

result<exit_status> supervised_child::stop() {
    if (!supervising_ || reaped_) {
        return wait(std::chrono::nanoseconds(0));
    }
    if (auto ended = wait(grace_); ended || ended.code() != errc::timeout) {
        return ended;
    }
    (void)child_.kill(SIGKILL);
    return wait(forever);
}

}  // namespace ipc
