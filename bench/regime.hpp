#pragma once
// Where the benchmark ran: the CPUs of the two processes, whether they share a core (SMT
// siblings) or a package, read from /sys topology, and what the machine is. Printed above every
// table, since a ratio means little without the placement it was measured in.

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace bench {

struct cpu_place {
    int cpu = -1;
    int core = -1;         // topology/core_id
    int package = -1;      // topology/physical_package_id
    std::string siblings;  // topology/thread_siblings_list, e.g. "0,8"
};

struct regime {
    std::string model;        // /proc/cpuinfo "model name"
    std::string clocksource;  // the kernel's current clocksource
    unsigned online = 0;      // CPUs this process may run on
    std::optional<cpu_place> parent;
    std::optional<cpu_place> child;

    // The two processes share a physical core (their caches too): a different regime.
    bool smt_siblings() const;
    std::string text() const;
    nlohmann::json json() const;
};

// The regime for the pinning in effect (-1: not pinned).
regime describe_regime(int parent_cpu, int child_cpu);

}  // namespace bench
