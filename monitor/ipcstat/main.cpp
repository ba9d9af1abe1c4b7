// ipcstat: libipc telemetry without a display.
//   ipcstat [--name TEXT] [--kind KIND] [--pid PID] list
//   ipcstat [filters] watch [--interval MS] [--iterations N]
//   ipcstat [filters] snapshot --format json|csv|prometheus [--pretty]
//                              [--table endpoints|connections]
//   ipcstat remove-stale [--yes]
//   ipcstat [filters] serve [--listen HOST:PORT] [--token-file FILE] [--tls-cert PEM --tls-key PEM]
// Exit codes: 0 success; 1 an operation failed (--shm-dir is not a directory, or remove-stale
// left a stale or broken segment in place, each listed with the reason); 2
// nothing to report (no libipc segment matched, with --require); 3 stale segments exist and
// remove-stale was not confirmed with --yes; 100 and above: bad usage (CLI11's parse errors).
// serve: 0 once SIGINT or SIGTERM stopped it; 1 when it could not listen or stopped accepting.

#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <thread>

#include "common/token_file.hpp"
#include "ipc/inspect.hpp"
#include "ipcstat/serve.hpp"
#include "ipcstat/tables.hpp"

namespace {

volatile std::sig_atomic_t stop_requested = 0;

void on_signal(int) {
    stop_requested = 1;
}

constexpr int exit_failed = 1;
constexpr int exit_nothing = 2;
constexpr int exit_unconfirmed = 3;

ipc::inspect::snapshot take(const std::string& dir, const ipc::inspect::snapshot_filter& f) {
    return ipc::inspect::filtered(ipc::inspect::take_snapshot(dir), f);
}

int run_watch(const std::string& dir, const ipc::inspect::snapshot_filter& f, int interval_ms,
              int iterations) {
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    const bool tty = ::isatty(STDOUT_FILENO) != 0;
    ipc::inspect::snapshot before;
    bool have_before = false;
    for (int i = 0; (iterations == 0 || i < iterations) && stop_requested == 0; ++i) {
        if (have_before) {
            std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms));
        }
        ipc::inspect::snapshot now = take(dir, f);
        ipc::inspect::judge_health(now, have_before ? &before : nullptr);
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

// Lists the stale segments; removes them only when `confirmed`.
int run_remove_stale(const std::string& dir, const ipc::inspect::snapshot_filter& f,
                     bool confirmed) {
    if (!confirmed) {
        int stale = 0;
        ipc::inspect::snapshot found;
        found.segments = ipc::inspect::discover(dir);
        for (const auto& seg : ipc::inspect::filtered(found, f).segments) {
            if (seg.stale) {
                std::printf("stale: %s\n", seg.name.c_str());
                ++stale;
            }
        }
        if (stale != 0) {
            std::fputs("ipcstat: nothing removed; pass --yes to remove these\n", stderr);
        }
        return stale != 0 ? exit_unconfirmed : 0;
    }
    int rc = 0;
    for (const auto& seg : ipc::inspect::remove_stale(dir, f)) {
        if (seg.error.empty()) {
            std::printf("removed: %s\n", seg.name.c_str());
        } else {
            std::fprintf(stderr, "ipcstat: could not remove %s: %s\n", seg.name.c_str(),
                         seg.error.c_str());
            rc = exit_failed;
        }
    }
    return rc;
}

// "HOST:PORT" or "[IPv6]:PORT" (an empty host: every IPv4 address); false when it is not one.
bool split_listen(const std::string& listen, std::string& host, int& port) {
    const auto colon = listen.rfind(':');
    const std::string digits = colon == std::string::npos ? "" : listen.substr(colon + 1);
    if (digits.empty() || digits.size() > 5 ||
        digits.find_first_not_of("0123456789") != std::string::npos) {
        return false;
    }
    port = std::stoi(digits);
    host = listen.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    return port <= 65535;
}

int run_serve(const std::string& listen, const std::string& token_file, ipcstat::serve_options o,
              const std::string& dir, const ipc::inspect::snapshot_filter& f) {
    if (!split_listen(listen, o.host, o.port)) {
        std::fprintf(stderr, "ipcstat: --listen wants HOST:PORT, not %s\n", listen.c_str());
        return static_cast<int>(CLI::ExitCodes::ValidationError);
    }
    if (o.host.empty()) {
        o.host = "0.0.0.0";
    }
    if (o.certificate.empty() != o.private_key.empty()) {
        std::fputs("ipcstat: --tls-cert and --tls-key go together\n", stderr);
        return static_cast<int>(CLI::ExitCodes::ValidationError);
    }
    if (!token_file.empty()) {
        std::string why;
        const auto token = monitor::read_token_file(token_file, why);
        if (!token) {
            std::fprintf(stderr, "ipcstat: --token-file %s\n", why.c_str());
            return exit_failed;
        }
        o.token = *token;
    }
    o.dir = dir;
    o.filter = f;
    return ipcstat::run_serve(o);
}

void add_filters(CLI::App& app, ipc::inspect::snapshot_filter& f) {
    app.add_option("--name", f.name, "Only channels whose name contains TEXT");
    app.add_option("--kind", f.kind, "Only this channel kind")
        ->check(CLI::IsMember(
            {"ring", "slots", "duplex", "broker", "stream", "zipc", "simpleipc", "telemetry"}));
    app.add_option("--pid", f.pid, "Only this process (and channels it is attached to)")
        ->check(CLI::PositiveNumber);
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"ipcstat: show libipc endpoints, counters and segments"};
    app.require_subcommand(1);
    std::string dir = ipc::inspect::default_shm_dir();
    app.add_option("--shm-dir", dir, "Where segments live")->capture_default_str();
    bool require = false;
    app.add_flag("--require", require, "Exit 2 when no libipc segment matches");
    ipc::inspect::snapshot_filter filter;
    add_filters(app, filter);

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
        ->check(CLI::IsMember({"json", "csv", "prometheus"}))
        ->capture_default_str();
    bool pretty = false;
    snapshot->add_flag("--pretty", pretty, "Indent the JSON");
    std::string table = "endpoints";
    auto* table_option =
        snapshot->add_option("--table", table, "CSV: one row per endpoint or per connection")
            ->check(CLI::IsMember({"endpoints", "connections"}))
            ->capture_default_str();
    auto* remove = app.add_subcommand("remove-stale", "Remove segments no live process uses");
    bool confirmed = false;
    remove->add_flag("--yes", confirmed, "Really remove them (without it: only list them)");

    auto* serve = app.add_subcommand("serve", "Serve /metrics, /snapshot and /healthz over HTTP");
    ipcstat::serve_options serving;
    std::string listen = "127.0.0.1:9464";
    serve->add_option("--listen", listen, "HOST:PORT to listen on (port 0: any, printed)")
        ->capture_default_str();
    std::string token_file;
    serve
        ->add_option("--token-file", token_file,
                     "Require \"Authorization: Bearer <the file's first line>\"")
        ->check(CLI::ExistingFile);
    serve->add_option("--tls-cert", serving.certificate, "Serve HTTPS with this PEM certificate")
        ->check(CLI::ExistingFile);
    serve->add_option("--tls-key", serving.private_key, "... and this PEM private key")
        ->check(CLI::ExistingFile);
    serve->add_option("--workers", serving.workers, "Requests served at once")
        ->check(CLI::Range(1, 1024))
        ->capture_default_str();

    CLI11_PARSE(app, argc, argv);
    if (table_option->count() > 0 && format != "csv") {
        std::fputs("ipcstat: --table goes with --format csv\n", stderr);
        return static_cast<int>(CLI::ExitCodes::ValidationError);
    }

    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        std::fprintf(stderr, "ipcstat: --shm-dir %s is not a directory\n",
                     ipc::inspect::printable(dir).c_str());
        return exit_failed;
    }

    if (*watch) {
        return run_watch(dir, filter, interval_ms, iterations);
    }
    if (*remove) {
        return run_remove_stale(dir, filter, confirmed);
    }
    if (*serve) {
        return run_serve(listen, token_file, serving, dir, filter);
    }
    const auto snap = take(dir, filter);
    if (require && snap.segments.empty() && snap.processes.empty()) {
        std::fputs("ipcstat: no libipc segment matches\n", stderr);
        return exit_nothing;
    }
    if (*list) {
        std::fputs(ipcstat::list_tables(snap).c_str(), stdout);
    } else if (format == "csv") {
        std::fputs((table == "connections" ? ipc::inspect::to_connections_csv(snap)
                                           : ipc::inspect::to_csv(snap))
                       .c_str(),
                   stdout);
    } else if (format == "prometheus") {
        std::fputs(ipc::inspect::to_prometheus(snap).c_str(), stdout);
    } else {
        std::puts(ipc::inspect::to_json(snap, pretty).c_str());
    }
    return 0;
}
