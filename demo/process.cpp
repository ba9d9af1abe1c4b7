#include "process.hpp"

#include <spawn.h>
#include <sys/wait.h>

#include <csignal>

extern char** environ;

namespace demo {

namespace {

volatile std::sig_atomic_t stop_flag = 0;

void on_signal(int) {
    stop_flag = 1;
}

}  // namespace

pid_t spawn_self(const char* self_exe, const std::vector<std::string>& args) {
    std::vector<std::string> all = args;
    all.insert(all.begin(), self_exe);
    std::vector<char*> argv;
    for (auto& a : all) {
        argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    pid_t pid = -1;
    if (posix_spawn(&pid, self_exe, nullptr, nullptr, argv.data(), environ) != 0) {
        return -1;
    }
    return pid;
}

bool child_succeeded(pid_t child) {
    int status = 0;
    ::waitpid(child, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

void stop_on_signals() {
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
}

void ignore_interrupt() {
    std::signal(SIGINT, SIG_IGN);
}

bool stop_requested() {
    return stop_flag != 0;
}

}  // namespace demo
