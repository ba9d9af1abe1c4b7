// What watching costs: ipc-monitor's own CPU while 100 endpoints are live.

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "cases.hpp"
#include "ipc/ring.hpp"
#include "must.hpp"

extern char** environ;

namespace bench {

namespace {

constexpr int ring_pairs = 50;  // 100 endpoints
constexpr auto startup = std::chrono::seconds(2);

struct live_flags {
    std::atomic<std::uint32_t> ready{0};
    std::atomic<std::uint32_t> stop{0};
};

pid_t spawn_monitor(int interval_ms) {
    std::vector<std::string> args = {IPC_MONITOR_BIN, "--interval", std::to_string(interval_ms)};
    std::vector<char*> argv;
    for (auto& a : args) {
        argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    std::vector<std::string> env = {"QT_QPA_PLATFORM=offscreen"};
    for (char** e = environ; *e != nullptr; ++e) {
        env.emplace_back(*e);
    }
    std::vector<char*> envp;
    for (auto& e : env) {
        envp.push_back(e.data());
    }
    envp.push_back(nullptr);
    pid_t pid = -1;
    if (::posix_spawn(&pid, IPC_MONITOR_BIN, nullptr, nullptr, argv.data(), envp.data()) != 0) {
        throw std::runtime_error("cannot start ipc-monitor");
    }
    return pid;
}

// Throws when the monitor has exited: its CPU clock would then say nothing about its cost.
void require_running(pid_t pid) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) != 0) {
        throw std::runtime_error("ipc-monitor exited during the measurement");
    }
}

// CPU time the process has used so far, in ns (its CPU-time clock).
std::uint64_t cpu_ns(pid_t pid) {
    clockid_t clock{};
    timespec ts{};
    if (::clock_getcpuclockid(pid, &clock) != 0 || ::clock_gettime(clock, &ts) != 0) {
        throw std::runtime_error("cannot read ipc-monitor's CPU clock");
    }
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u +
           static_cast<std::uint64_t>(ts.tv_nsec);
}

// Percent of one core ipc-monitor uses over `window`, refreshing every `interval_ms`, while a
// peer process holds 100 endpoints (50 ring pairs) open.
double monitor_cpu_percent(int interval_ms, std::chrono::seconds window) {
    shared_block block(sizeof(live_flags));
    auto* flags = new (block.as<void>()) live_flags;
    return with_peer(
        [&] {
            std::vector<ipc::ring_writer> writers;
            std::vector<ipc::ring_reader> readers;
            for (int i = 0; i < ring_pairs; ++i) {
                const auto name = unique_channel("watched");
                writers.push_back(must(ipc::ring_writer::open(name)));
                readers.push_back(must(ipc::ring_reader::open(name)));
            }
            flags->ready.store(1);
            while (flags->stop.load() == 0) {
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
            }
        },
        [&] {
            while (flags->ready.load() == 0) {
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            }
            const pid_t monitor = spawn_monitor(interval_ms);
            std::this_thread::sleep_for(startup);
            require_running(monitor);
            const auto cpu0 = cpu_ns(monitor);
            const auto wall0 = now_ns();
            std::this_thread::sleep_for(window);
            const auto cpu1 = cpu_ns(monitor);
            const auto wall1 = now_ns();
            require_running(monitor);
            ::kill(monitor, SIGTERM);
            int status = 0;
            ::waitpid(monitor, &status, 0);
            flags->stop.store(1);
            return 100.0 * static_cast<double>(cpu1 - cpu0) / static_cast<double>(wall1 - wall0);
        });
}

}  // namespace

void add_monitor_cases(std::vector<bench_case>& cases) {
    cases.push_back(measured("monitor_cpu_percent_100_endpoints_1Hz", "%", "",
                             [] { return monitor_cpu_percent(1000, std::chrono::seconds(10)); }));
    cases.push_back(measured("monitor_cpu_percent_100_endpoints_10Hz", "%", "",
                             [] { return monitor_cpu_percent(100, std::chrono::seconds(5)); }));
}

}  // namespace bench
