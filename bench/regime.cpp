#include "regime.hpp"

#include <fmt/format.h>
#include <sched.h>

#include <fstream>
#include <string>

namespace bench {

namespace {

std::string first_line(const std::string& path) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return line;
}

int number_in(const std::string& path) {
    try {
        return std::stoi(first_line(path));
    } catch (const std::exception&) {
        return -1;
    }
}

std::string cpu_model() {
    std::ifstream in("/proc/cpuinfo");
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("model name", 0) == 0) {
            const auto colon = line.find(':');
            return colon == std::string::npos ? line : line.substr(colon + 2);
        }
    }
    return "unknown";
}

std::optional<cpu_place> place_of(int cpu) {
    if (cpu < 0) {
        return std::nullopt;
    }
    const std::string topology = fmt::format("/sys/devices/system/cpu/cpu{}/topology/", cpu);
    return cpu_place{cpu, number_in(topology + "core_id"),
                     number_in(topology + "physical_package_id"),
                     first_line(topology + "thread_siblings_list")};
}

std::string describe(const std::optional<cpu_place>& p) {
    if (!p) {
        return "not pinned";
    }
    return fmt::format("cpu {} (core {}, package {}, SMT siblings {})", p->cpu, p->core, p->package,
                       p->siblings.empty() ? "?" : p->siblings);
}

nlohmann::json place_json(const std::optional<cpu_place>& p) {
    if (!p) {
        return nullptr;
    }
    return {{"cpu", p->cpu}, {"core", p->core}, {"package", p->package}, {"siblings", p->siblings}};
}

}  // namespace

bool regime::smt_siblings() const {
    return parent && child && parent->cpu != child->cpu && parent->core == child->core &&
           parent->package == child->package && parent->core >= 0;
}

std::string regime::text() const {
    std::string placement = "different cores";
    if (!parent || !child) {
        placement = "unpinned";
    } else if (parent->cpu == child->cpu) {
        placement = "the same CPU";
    } else if (smt_siblings()) {
        placement = "SMT siblings of one core";
    } else if (parent->package != child->package) {
        placement = "different packages";
    }
    return fmt::format(
        "regime: parent {}, child {}: {}\n        {}, {} CPUs usable, clocksource {}\n",
        describe(parent), describe(child), placement, model, online, clocksource);
}

nlohmann::json regime::json() const {
    return {{"model", model},
            {"clocksource", clocksource},
            {"online_cpus", online},
            {"parent", place_json(parent)},
            {"child", place_json(child)},
            {"smt_siblings", smt_siblings()}};
}

regime describe_regime(int parent_cpu, int child_cpu) {
    regime r;
    r.model = cpu_model();
    r.clocksource = first_line("/sys/devices/system/clocksource/clocksource0/current_clocksource");
    cpu_set_t set;
    CPU_ZERO(&set);
    r.online = ::sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 0;
    r.parent = place_of(parent_cpu);
    r.child = place_of(child_cpu);
    return r;
}

}  // namespace bench
