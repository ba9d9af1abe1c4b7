#pragma once
// A second, unprivileged local user for tests that play a hostile neighbour: a forked child that
// drops to `other_uid`. Only root can switch users, so callers skip (with the reason) elsewhere.

#include <grp.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

namespace ipc::test {

// No account is needed: the kernel checks uids, and nobody on a test machine uses this one.
inline constexpr uid_t other_uid = 54321;

inline bool can_act_as_other_user() {
    return ::geteuid() == 0;
}

inline constexpr const char* other_user_skip_reason =
    "needs root to act as a second, unprivileged user (uid 54321)";

// Runs `body` (returning an exit code) as other_uid in a child; its exit code, or 128 + signal.
template <class Body>
int as_other_user(Body&& body) {
    const pid_t pid = ::fork();
    if (pid == 0) {
        if (::setgroups(0, nullptr) != 0 || ::setgid(other_uid) != 0 || ::setuid(other_uid) != 0) {
            ::_exit(99);
        }
        ::_exit(body());
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace ipc::test
