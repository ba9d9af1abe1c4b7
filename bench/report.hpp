#pragma once
// From the samples of every case to the rows ipc-bench prints: the median, its spread across
// repetitions, the ratio to the baseline taken round by round, and a flag where the baseline
// moved more than the case did (the ratio then says more about the machine than the code).

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness.hpp"

namespace bench {

struct row {
    const bench_case* c = nullptr;
    double value = 0;   // median of the samples
    double spread = 0;  // half the range of the samples, relative to the median
    std::optional<double> baseline_value;
    double baseline_spread = 0;
    std::optional<double> ratio;  // median of the per-round ratios
    double ratio_spread = 0;
    // The baseline's spread exceeds both the case's and baseline_drift_floor.
    bool baseline_moved = false;
};

// A baseline that moves less than this between repetitions is not flagged.
inline constexpr double baseline_drift_floor = 0.05;

// `samples[name]` holds each case's measurements, one per round, in round order (derived cases
// have none: they are computed from their source's).
std::vector<row> make_rows(const std::vector<const bench_case*>& order,
                           const std::map<std::string, std::vector<double>>& samples);

void print_table(const std::vector<row>& rows);
nlohmann::json rows_json(const std::vector<row>& rows);

}  // namespace bench
