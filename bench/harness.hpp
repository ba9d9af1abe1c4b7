#pragma once
// The benchmark harness: named cases, each measured several times in fresh processes, reported
// as the median beside a named baseline case and the ratio of the two.

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace bench {

struct bench_case {
    std::string name;
    std::string unit;                 // "ns", "GB/s", "msgs/s"
    std::string baseline;             // name of the case this one is compared with, or ""
    std::function<double()> measure;  // one measurement; null for a derived case
    // A derived case reports `factor` times another case's median (a unit conversion).
    std::string derived_from;
    double factor = 1;
};

// A case measured by `fn`, compared with `baseline` ("" for none).
inline bench_case measured(std::string name, std::string unit, std::string baseline,
                           std::function<double()> fn) {
    return {std::move(name), std::move(unit), std::move(baseline), std::move(fn), "", 1};
}

// A case reporting `factor` times the median of `source` (a unit conversion, not a new run).
inline bench_case derived(std::string name, std::string unit, std::string baseline,
                          std::string source, double factor) {
    return {std::move(name), std::move(unit),   std::move(baseline),
            nullptr,         std::move(source), factor};
}

struct settings {
    int repetitions = 5;
    int parent_cpu = 0;  // -1: no pinning
    int child_cpu = 1;
    // The round being measured (set by the runner): cases that report several figures of one
    // experiment run it once per round and hand out its figures from then on.
    int round = 0;
};

// The current settings (pinning is read by with_peer).
settings& current_settings();

// Pins the calling thread to `cpu` (-1: leaves it alone).
void pin_to(int cpu);

// Runs `child` in a forked process pinned to the child CPU and `parent` here, pinned to the
// parent CPU; returns parent's result after the child exits. The child's return value is
// ignored; it ends with _exit so no atexit handler of the parent runs twice.
double with_peer(const std::function<void()>& child, const std::function<double()>& parent);

// Anonymous memory shared with children forked after this call; unmapped on destruction.
class shared_block {
  public:
    explicit shared_block(std::size_t size);
    ~shared_block();
    shared_block(const shared_block&) = delete;
    shared_block& operator=(const shared_block&) = delete;
    template <class T>
    T* as() const noexcept {
        return static_cast<T*>(addr_);
    }

  private:
    void* addr_;
    std::size_t size_;
};

std::uint64_t now_ns() noexcept;

// Median of the values (the input is copied and sorted).
double median(std::vector<double> values);

// A channel name unique to this benchmark run.
std::string unique_channel(const std::string& stem);

}  // namespace bench
