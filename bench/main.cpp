// ipc-bench: every channel's figure beside its baseline, with the ratio of the two.
//   ipc-bench [--filter REGEX] [--json] [--repetitions N] [--cpus PARENT,CHILD]
// Each case runs N times (default 5, interleaved with the other cases) in fresh processes;
// the median is reported.
// ratio = value / baseline_value: below 1 is better for ns, above 1 for rates.

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>
#include <thread>

#include "cases.hpp"
#include "harness.hpp"

namespace {

using bench::bench_case;

struct outcome {
    const bench_case* c;
    double value;
    std::optional<double> baseline_value;
};

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
// same drift for their ratio to mean anything.
std::map<std::string, double> run(const std::vector<const bench_case*>& order, int repetitions,
                                  bool progress) {
    std::map<std::string, std::vector<double>> values;
    for (int round = 0; round < repetitions; ++round) {
        if (progress) {
            fmt::print(stderr, "  round {}/{}\n", round + 1, repetitions);
        }
        for (const auto* c : order) {
            if (c->measure != nullptr) {
                values[c->name].push_back(c->measure());
            }
        }
    }
    std::map<std::string, double> medians;
    for (const auto& [name, samples] : values) {
        medians[name] = bench::median(samples);
    }
    for (const auto* c : order) {
        if (c->measure == nullptr) {
            medians[c->name] = medians.at(c->derived_from) * c->factor;
        }
    }
    return medians;
}

void print_table(const std::vector<outcome>& rows) {
    fmt::print("{:<44} {:>12} {:<7} {:<36} {:>12} {:>7}\n", "CASE", "VALUE", "UNIT", "BASELINE",
               "BASE VALUE", "RATIO");
    for (const auto& r : rows) {
        if (r.baseline_value) {
            fmt::print("{:<44} {:>12.4g} {:<7} {:<36} {:>12.4g} {:>7.3f}\n", r.c->name, r.value,
                       r.c->unit, r.c->baseline, *r.baseline_value, r.value / *r.baseline_value);
        } else {
            fmt::print("{:<44} {:>12.4g} {:<7}\n", r.c->name, r.value, r.c->unit);
        }
    }
}

void print_json(const std::vector<outcome>& rows) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : rows) {
        nlohmann::json rec = {{"name", r.c->name}, {"value", r.value}, {"unit", r.c->unit}};
        if (r.baseline_value) {
            rec["baseline"] = r.c->baseline;
            rec["baseline_value"] = *r.baseline_value;
            rec["ratio"] = r.value / *r.baseline_value;
        } else {
            rec["baseline"] = nullptr;
            rec["baseline_value"] = nullptr;
            rec["ratio"] = nullptr;
        }
        out.push_back(rec);
    }
    std::puts(out.dump(2).c_str());
}

}  // namespace

int main(int argc, char** argv) {
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
    bench::add_slots_cases(cases);
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
    std::map<std::string, double> medians;
    try {
        medians = run(order, s.repetitions, !json);
    } catch (const std::exception& e) {
        fmt::print(stderr, "ipc-bench: {}\n", e.what());
        return 1;
    }
    std::vector<outcome> rows;
    for (const auto* c : order) {
        outcome o{c, medians.at(c->name), std::nullopt};
        if (!c->baseline.empty()) {
            o.baseline_value = medians.at(c->baseline);
        }
        rows.push_back(o);
    }
    if (json) {
        print_json(rows);
    } else {
        print_table(rows);
    }
    return 0;
}
