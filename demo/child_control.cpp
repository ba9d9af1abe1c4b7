#include "child_control.hpp"

#include <csignal>

namespace demo {

namespace {

volatile std::sig_atomic_t stop_flag = 0;

void on_signal(int) {
    stop_flag = 1;
}

}  // namespace

ipc::result<ipc::child> spawn_self(const char* self_exe, const std::vector<std::string>& args) {
    std::vector<std::string> argv = args;
    argv.insert(argv.begin(), self_exe);
    return ipc::child::spawn(self_exe, argv);
}

bool child_succeeded(ipc::child& child) {
    auto status = child.wait();
    return status && status->exited && status->code == 0;
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
