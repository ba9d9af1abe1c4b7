// ipc-bench: every channel's figure beside its baseline, with the ratio of the two.
//   ipc-bench [--filter REGEX] [--json] [--repetitions N] [--cpus PARENT,CHILD]
// Each case runs N times (default 5, interleaved with the other cases) in fresh processes;
// the median is reported with its spread, and the ratio to the baseline is taken round by round.
// ratio = value / baseline_value: below 1 is better for ns, above 1 for rates. The placement
// (regime.hpp) is printed first.

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <thread>

#include "cases.hpp"
#include "harness.hpp"
#include "regime.hpp"
#include "report.hpp"

namespace {

using bench::bench_case;

const bench_case* find_case(const std::vector<bench_case>& cases, const std::string& name) {
    for (const auto& c : cases) {
        if (c.name == name) {
            return &c;
        }
    }
    return nullptr;
}

// The selected cases plus every case they need (baselines, sources of derived cases), in
// registration order so that baselines run first.
std::vector<const bench_case*> plan(const std::vector<bench_case>& cases,
                                    const std::regex& filter) {
    std::set<std::string> needed;
    for (const auto& c : cases) {
        if (std::regex_search(c.name, filter)) {
            needed.insert(c.name);
            for (const auto* dep : {&c.baseline, &c.derived_from}) {
                if (!dep->empty()) {
                    needed.insert(*dep);
                    if (const auto* d = find_case(cases, *dep); d && !d->derived_from.empty()) {
                        needed.insert(d->derived_from);
                    }
                }
            }
        }
    }
    std::vector<const bench_case*> order;
    for (const auto& c : cases) {
        if (needed.count(c.name) != 0) {
            order.push_back(&c);
        }
    }
    return order;
}

// Repetitions are interleaved (one of every case per round) rather than run case by case: on
// a shared machine conditions drift over minutes, and a case and its baseline must see the
// same drift for their ratio to mean anything. Returns each measured case's samples in round
// order.
std::map<std::string, std::vector<double>> run(const std::vector<const bench_case*>& order,
                                               int repetitions, bool progress) {
    std::map<std::string, std::vector<double>> values;
    for (int round = 0; round < repetitions; ++round) {
        bench::current_settings().round = round;
        if (progress) {
            fmt::print(stderr, "  round {}/{}\n", round + 1, repetitions);
        }
        for (const auto* c : order) {
            if (c->measure != nullptr) {
                values[c->name].push_back(c->measure());
            }
        }
    }
    return values;
}

}  // namespace

int main(int argc, char** argv) {
    // Started again as a duplex or efdstream child by the duplex cases.
    if (argc > 1 && (std::string(argv[1]) == "duplex-child" || std::string(argv[1]) == "-mode")) {
        return bench::run_duplex_child(argc, argv);
    }
    CLI::App app{"ipc-bench: libipc channels beside their raw baselines"};
    std::string filter = ".*";
    bool json = false;
    auto& s = bench::current_settings();
    std::vector<int> cpus;
    app.add_option("--filter", filter, "Regex selecting cases by name")->capture_default_str();
    app.add_flag("--json", json, "Print one JSON array of records");
    app.add_option("--repetitions", s.repetitions, "Measurements per case (median reported)")
        ->check(CLI::Range(1, 1000))
        ->capture_default_str();
    app.add_option("--cpus", cpus, "CPUs for the parent and the child process (-1: no pinning)")
        ->delimiter(',')
        ->expected(2);
    CLI11_PARSE(app, argc, argv);
    if (cpus.size() == 2) {
        s.parent_cpu = cpus[0];
        s.child_cpu = cpus[1];
    } else if (std::thread::hardware_concurrency() < 2) {
        s.parent_cpu = s.child_cpu = -1;
    }

    std::vector<bench_case> cases;
    bench::add_baselines(cases);
    bench::add_ring_cases(cases);
    bench::add_step_cases(cases);
    bench::add_copy_cases(cases);
    bench::add_load_cases(cases);
    bench::add_slots_cases(cases);
    bench::add_duplex_cases(cases);
    bench::add_broker_cases(cases);
    bench::add_stream_cases(cases);
    bench::add_foreign_cases(cases);
    bench::add_serve_cases(cases);
#ifdef IPC_MONITOR_BIN
    bench::add_monitor_cases(cases);
#endif
    std::regex re;
    try {
        re = std::regex(filter);
    } catch (const std::regex_error& e) {
        fmt::print(stderr, "ipc-bench: bad --filter: {}\n", e.what());
        return 2;
    }
    const auto order = plan(cases, re);
    if (order.empty()) {
        fmt::print(stderr, "ipc-bench: no case matches '{}'\n", filter);
        return 2;
    }
    const auto regime = bench::describe_regime(s.parent_cpu, s.child_cpu);
    if (!json) {
        fmt::print("{}\n", regime.text());
    }
    std::map<std::string, std::vector<double>> samples;
    try {
        samples = run(order, s.repetitions, !json);
    } catch (const std::exception& e) {
        fmt::print(stderr, "ipc-bench: {}\n", e.what());
        return 1;
    }
    const auto rows = bench::make_rows(order, samples);
    if (json) {
        const nlohmann::json out = {{"regime", regime.json()},
                                    {"repetitions", s.repetitions},
                                    {"cases", bench::rows_json(rows)}};
        std::puts(out.dump(2).c_str());
    } else {
        bench::print_table(rows);
    }
    return 0;
}
