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

// In a forked child: becomes other_uid, or exits 99.
inline void become_other_user() {
    if (::setgroups(0, nullptr) != 0 || ::setgid(other_uid) != 0 || ::setuid(other_uid) != 0) {
        ::_exit(99);
    }
}

// Runs `body` (returning an exit code) as other_uid in a child; its exit code, or 128 + signal.
template <class Body>
int as_other_user(Body&& body) {
    const pid_t pid = ::fork();
    if (pid == 0) {
        become_other_user();
        ::_exit(body());
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// What a hostile neighbour does, done by the second user where the test runs as root (so the
// test shows that *another* user cannot do harm), else by the test's own user (the defences
// do not depend on who did it).
template <class Body>
int as_hostile_user(Body&& body) {
    return can_act_as_other_user() ? as_other_user(body) : body();
}

// A hostile neighbour process that holds something (a lock) until destroyed: `grab` runs in a
// child, as the second user where possible, and returns whether it got hold of it.
class hostile_holder {
  public:
    template <class Grab>
    explicit hostile_holder(Grab&& grab) {
        int ready[2];
        if (::pipe(ready) != 0 || ::pipe(release_) != 0) {
            return;
        }
        pid_ = ::fork();
        if (pid_ == 0) {
            ::close(ready[0]);
            ::close(release_[1]);  // or the read below would never see end-of-file
            if (can_act_as_other_user()) {
                become_other_user();
            }
            const char got = grab() ? 'y' : 'n';
            (void)::write(ready[1], &got, 1);
            char c = 0;
            (void)::read(release_[0], &c, 1);  // until the parent closes its end
            ::_exit(0);
        }
        ::close(ready[1]);
        ::close(release_[0]);
        char got = 0;
        holding_ = ::read(ready[0], &got, 1) == 1 && got == 'y';
        ::close(ready[0]);
    }
    hostile_holder(const hostile_holder&) = delete;
    hostile_holder& operator=(const hostile_holder&) = delete;
    ~hostile_holder() {
        ::close(release_[1]);
        if (pid_ > 0) {
            ::waitpid(pid_, nullptr, 0);
        }
    }
    bool holding() const { return holding_; }

  private:
    int release_[2]{-1, -1};
    pid_t pid_ = -1;
    bool holding_ = false;
};

}  // namespace ipc::test
