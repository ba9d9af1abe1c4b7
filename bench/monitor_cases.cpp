// What watching costs: ipc-monitor's own CPU while 100 endpoints are live, and while it draws
// one of 10 busy endpoints' charts at 10 Hz.

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "cases.hpp"
#include "watchers.hpp"

namespace bench {

namespace {

constexpr auto startup = std::chrono::seconds(2);

ipc::child spawn_monitor(int interval_ms, const std::string& select) {
    std::vector<std::string> args = {IPC_MONITOR_BIN, "--interval", std::to_string(interval_ms)};
    if (!select.empty()) {
        args.insert(args.end(), {"--select", select});
    }
    return spawn_program(args, {"QT_QPA_PLATFORM=offscreen"});
}

// Percent of one core the monitor uses over `window` after its start-up; ends it.
double cpu_percent_of(ipc::child monitor, std::chrono::seconds window) {
    std::this_thread::sleep_for(startup);
    require_running(monitor);
    const auto cpu0 = cpu_ns(monitor.pid());
    const auto wall0 = now_ns();
    std::this_thread::sleep_for(window);
    const auto cpu1 = cpu_ns(monitor.pid());
    const auto wall1 = now_ns();
    require_running(monitor);
    stop_program(monitor);
    return 100.0 * static_cast<double>(cpu1 - cpu0) / static_cast<double>(wall1 - wall0);
}

// Percent of one core ipc-monitor uses over `window`, refreshing every `interval_ms`, while a
// peer process holds `pairs` ring pairs open. With `traffic`, each pair moves about 1000
// messages a second and the monitor shows the first one's details (charts, histogram, ring).
double monitor_cpu_percent(int interval_ms, std::chrono::seconds window, int pairs, bool traffic) {
    return with_live_pairs(pairs, traffic, [&](const std::string& first) {
        return cpu_percent_of(spawn_monitor(interval_ms, traffic ? first : std::string()), window);
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
