#pragma once
// What the kinds' exporters share (internal): JSON pieces common to several kinds, and the
// Prometheus text format's metric families.

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ipc/inspect.hpp"

namespace ipc::inspect::detail {

// ---- JSON (docs/SNAPSHOT.md) ----

// `counts`: samples per log-linear bucket (ipc/histogram.hpp).
// `sum_ns`: of the samples in the histogram, so that a reader of two documents can take the
// mean of the samples between them (interval_latency).
nlohmann::json latency_json(const latency_summary& l, const std::vector<std::uint64_t>& counts,
                            std::uint64_t sum_ns);
nlohmann::json end_json(const end_info& e);
nlohmann::json health_json(const health_verdict& h);

// ---- CSV (RFC 4180) ----

// The field as written: quoted, its quotes doubled, when it holds a comma, quote or line break.
std::string csv_field(const std::string& text);
// Appends each value as a field of its own.
void append_csv_numbers(std::string& row, std::initializer_list<std::uint64_t> values);

// ---- Prometheus text exposition format 0.0.4 ----

struct label {
    const char* key;
    std::string value;
};

// ns as seconds, the format's unit.
std::string seconds(double ns);

class family;
// The families' text, one after the other (in one allocation).
std::string joined(std::initializer_list<const family*> families);

// One metric family: its HELP and TYPE lines, then its samples; nothing when it has none.
class family {
  public:
    family(std::string name, const char* type, const char* help);

    void add(const std::vector<label>& labels, const std::string& value, const char* suffix = "");
    void add(const std::vector<label>& labels, std::uint64_t value) {
        add(labels, std::to_string(value));
    }
    // A histogram from log-linear ns buckets, with a sum in ns.
    void add_histogram(std::vector<label> labels, const std::vector<std::uint64_t>& buckets,
                       std::uint64_t sum_ns);
    // A state set: one sample per health state, 1 for `current` and 0 for the others, so that
    // a series never vanishes when the state changes.
    void add_health(std::vector<label> labels, health_state current);
    // Its lines, or nothing when it has no sample.
    const std::string& text() const { return empty_ ? nothing_ : text_; }

  private:
    static inline const std::string nothing_;
    std::string name_;
    std::string text_;
    bool empty_ = true;
};

}  // namespace ipc::inspect::detail
