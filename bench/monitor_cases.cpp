// What watching costs: ipc-monitor's own CPU while 100 endpoints are live, and while it draws
// one of 10 busy endpoints' charts at 10 Hz.

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

constexpr auto startup = std::chrono::seconds(2);

struct live_flags {
    std::atomic<std::uint32_t> ready{0};
    std::atomic<std::uint32_t> stop{0};
};

// `select`: a channel whose details the monitor shows (empty: none).
pid_t spawn_monitor(int interval_ms, const std::string& select = {}) {
    std::vector<std::string> args = {IPC_MONITOR_BIN, "--interval", std::to_string(interval_ms)};
    if (!select.empty()) {
        args.insert(args.end(), {"--select", select});
    }
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

// Percent of one core the monitor uses over `window` after its start-up; ends it.
double cpu_percent_of(pid_t monitor, std::chrono::seconds window) {
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
    return 100.0 * static_cast<double>(cpu1 - cpu0) / static_cast<double>(wall1 - wall0);
}

// Percent of one core ipc-monitor uses over `window`, refreshing every `interval_ms`, while a
// peer process holds `pairs` ring pairs open. With `traffic`, each pair moves about 1000
// messages a second and the monitor shows the first one's details (charts, histogram, ring).
double monitor_cpu_percent(int interval_ms, std::chrono::seconds window, int pairs, bool traffic) {
    shared_block block(sizeof(live_flags));
    auto* flags = new (block.as<void>()) live_flags;
    const auto first = unique_channel("watched");
    return with_peer(
        [&] {
            std::vector<ipc::ring_writer> writers;
            std::vector<ipc::ring_reader> readers;
            for (int i = 0; i < pairs; ++i) {
                const auto name = i == 0 ? first : unique_channel("watched");
                writers.push_back(must(ipc::ring_writer::open(name)));
                readers.push_back(must(ipc::ring_reader::open(name)));
            }
            flags->ready.store(1);
            const std::vector<std::byte> message(256);
            while (flags->stop.load() == 0) {
                for (int i = 0; traffic && i < pairs; ++i) {
                    (void)writers[i].try_send(message);
                    if (readers[i].try_read()) {
                        readers[i].release();
                    }
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(traffic ? 1 : 10));
            }
        },
        [&] {
            while (flags->ready.load() == 0) {
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            }
            const double percent =
                cpu_percent_of(spawn_monitor(interval_ms, traffic ? first : std::string()), window);
            flags->stop.store(1);
            return percent;
        });
}

}  // namespace

void add_monitor_cases(std::vector<bench_case>& cases) {
    cases.push_back(measured("monitor_cpu_percent_100_endpoints_1Hz", "%", "", [] {
        return monitor_cpu_percent(1000, std::chrono::seconds(10), 50, false);
    }));
    cases.push_back(measured("monitor_cpu_percent_100_endpoints_10Hz", "%", "", [] {
        return monitor_cpu_percent(100, std::chrono::seconds(5), 50, false);
    }));
    // Issue 11's target: at most 5 % of a core.
    cases.push_back(measured("monitor_cpu_percent_10_endpoints_10Hz_selected", "%", "", [] {
        return monitor_cpu_percent(100, std::chrono::seconds(10), 5, true);
    }));
}

}  // namespace bench
