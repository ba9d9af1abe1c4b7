#include "report.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace bench {

namespace {

double relative_spread(const std::vector<double>& v) {
    if (v.empty()) {
        return 0;
    }
    const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    const double mid = median(v);
    return mid == 0 ? 0 : (*hi - *lo) / 2 / mid;
}

// The samples of `c`: its own, or its source's times its factor.
std::vector<double> samples_of(const bench_case& c,
                               const std::map<std::string, std::vector<double>>& samples) {
    if (c.measure != nullptr) {
        return samples.at(c.name);
    }
    auto v = samples.at(c.derived_from);
    for (auto& x : v) {
        x *= c.factor;
    }
    return v;
}

}  // namespace

std::vector<row> make_rows(const std::vector<const bench_case*>& order,
                           const std::map<std::string, std::vector<double>>& samples) {
    std::map<std::string, std::vector<double>> all;
    for (const auto* c : order) {
        all[c->name] = samples_of(*c, samples);
    }
    std::vector<row> rows;
    for (const auto* c : order) {
        const auto& mine = all.at(c->name);
        row r;
        r.c = c;
        r.value = median(mine);
        r.spread = relative_spread(mine);
        if (!c->baseline.empty()) {
            const auto& base = all.at(c->baseline);
            r.baseline_value = median(base);
            r.baseline_spread = relative_spread(base);
            // Case and baseline ran in the same rounds: their ratio round by round cancels
            // drift that is slower than a round.
            std::vector<double> ratios;
            for (std::size_t i = 0; i < std::min(mine.size(), base.size()); ++i) {
                if (base[i] != 0) {
                    ratios.push_back(mine[i] / base[i]);
                }
            }
            if (!ratios.empty()) {
                r.ratio = median(ratios);
                r.ratio_spread = relative_spread(ratios);
            }
            r.baseline_moved = r.baseline_spread > std::max(r.spread, baseline_drift_floor);
        }
        rows.push_back(r);
    }
    return rows;
}

void print_table(const std::vector<row>& rows) {
    fmt::print("{:<52} {:>11} {:>6} {:<7} {:<40} {:>11} {:>6} {:>7} {:>6}\n", "CASE", "VALUE", "±",
               "UNIT", "BASELINE", "BASE VALUE", "±", "RATIO", "±");
    bool any_moved = false;
    for (const auto& r : rows) {
        const std::string spread = fmt::format("{:.1f}%", 100 * r.spread);
        if (!r.ratio) {
            fmt::print("{:<52} {:>11.4g} {:>6} {:<7}\n", r.c->name, r.value, spread, r.c->unit);
            continue;
        }
        any_moved = any_moved || r.baseline_moved;
        fmt::print("{:<52} {:>11.4g} {:>6} {:<7} {:<40} {:>11.4g} {:>6} {:>7.3f} {:>6}{}\n",
                   r.c->name, r.value, spread, r.c->unit, r.c->baseline, *r.baseline_value,
                   fmt::format("{:.1f}%", 100 * r.baseline_spread), *r.ratio,
                   fmt::format("{:.1f}%", 100 * r.ratio_spread), r.baseline_moved ? " !" : "");
    }
    fmt::print(
        "\nVALUE and BASE VALUE are medians; ± is half their range across repetitions; RATIO is "
        "the median of the\nratios taken round by round.{}\n",
        any_moved ? " !: the baseline moved more than the case (and more than 5 %) between "
                    "repetitions: that\nratio reflects the machine more than the code."
                  : "");
}

nlohmann::json rows_json(const std::vector<row>& rows) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : rows) {
        nlohmann::json rec = {{"name", r.c->name},          {"value", r.value},
                              {"spread", r.spread},         {"unit", r.c->unit},
                              {"baseline", nullptr},        {"baseline_value", nullptr},
                              {"baseline_spread", nullptr}, {"ratio", nullptr},
                              {"ratio_spread", nullptr},    {"baseline_moved", false}};
        if (r.ratio) {
            rec["baseline"] = r.c->baseline;
            rec["baseline_value"] = *r.baseline_value;
            rec["baseline_spread"] = r.baseline_spread;
            rec["ratio"] = *r.ratio;
            rec["ratio_spread"] = r.ratio_spread;
            rec["baseline_moved"] = r.baseline_moved;
        }
        out.push_back(rec);
    }
    return out;
}

}  // namespace bench
