// ipcstat: libipc telemetry without a display.
//   ipcstat list
//   ipcstat watch [--interval MS] [--iterations N]
//   ipcstat snapshot --format json
// Exit codes: 0 success, 1 bad usage (CLI11's codes for parse errors), 2 nothing to report
// (snapshot/list found no libipc segment when --require was given).

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <thread>

#include "ipc/inspect.hpp"
#include "ipcstat/tables.hpp"

namespace {

volatile std::sig_atomic_t stop_requested = 0;

void on_signal(int) {
    stop_requested = 1;
}

int run_watch(const std::string& dir, int interval_ms, int iterations) {
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    const bool tty = ::isatty(STDOUT_FILENO) != 0;
    ipc::inspect::snapshot before = ipc::inspect::take_snapshot(dir);
    bool have_before = false;
    for (int i = 0; (iterations == 0 || i < iterations) && stop_requested == 0; ++i) {
        if (have_before) {
            std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms));
        }
        ipc::inspect::snapshot now = ipc::inspect::take_snapshot(dir);
        const std::string table = ipcstat::watch_table(now, have_before ? &before : nullptr);
        // On a terminal redraw in place; into a pipe print one table after another.
        std::fputs(tty ? "\033[H\033[2J" : "\n", stdout);
        std::fputs(table.c_str(), stdout);
        std::fflush(stdout);
        before = std::move(now);
        have_before = true;
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"ipcstat: show libipc endpoints, counters and segments"};
    app.require_subcommand(1);
    std::string dir = ipc::inspect::default_shm_dir;
    app.add_option("--shm-dir", dir, "Where segments live")->capture_default_str();
    bool require = false;
    app.add_flag("--require", require, "Exit 2 when no libipc segment is found");

    auto* list = app.add_subcommand("list", "Processes, endpoints, rings and segments");
    auto* watch = app.add_subcommand("watch", "A refreshing table with rates per second");
    int interval_ms = 1000;
    int iterations = 0;
    watch->add_option("--interval", interval_ms, "Refresh interval in milliseconds")
        ->check(CLI::Range(10, 3'600'000))
        ->capture_default_str();
    watch->add_option("--iterations", iterations, "Stop after N tables (0: until interrupted)")
        ->check(CLI::NonNegativeNumber);
    auto* snapshot = app.add_subcommand("snapshot", "One machine-readable snapshot");
    std::string format = "json";
    snapshot->add_option("--format", format, "Output format")
        ->check(CLI::IsMember({"json"}))
        ->capture_default_str();
    bool pretty = false;
    snapshot->add_flag("--pretty", pretty, "Indent the JSON");

    CLI11_PARSE(app, argc, argv);

    if (*watch) {
        return run_watch(dir, interval_ms, iterations);
    }
    const auto snap = ipc::inspect::take_snapshot(dir);
    if (require && snap.segments.empty()) {
        std::fputs("ipcstat: no libipc segment found\n", stderr);
        return 2;
    }
    if (*list) {
        std::fputs(ipcstat::list_tables(snap).c_str(), stdout);
    } else if (*snapshot) {
        std::puts(ipc::inspect::to_json(snap, pretty).c_str());
    }
    return 0;
}
