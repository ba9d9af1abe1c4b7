// The Grafana dashboard (resources/grafana-libipc.json) parses, and every libipc metric its
// queries name is one the exposition has, with a live ring answering (a renamed family would
// leave a panel empty without a word).

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>

#include "ipc/inspect.hpp"
#include "ipc/ring.hpp"
#include "support/names.hpp"

namespace {

// The libipc family a series name belongs to: a histogram's series end in _bucket, _sum, _count.
std::string family_of(const std::string& series, const std::string& exposition) {
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
        const std::string s(suffix);
        if (series.size() > s.size() && series.ends_with(s)) {
            const std::string base = series.substr(0, series.size() - s.size());
            if (exposition.find("# TYPE " + base + " histogram") != std::string::npos) {
                return base;
            }
        }
    }
    return series;
}

TEST(Dashboard, ParsesAndNamesOnlyMetricsTheExpositionHas) {
    std::ifstream file(IPC_DASHBOARD);
    ASSERT_TRUE(file) << IPC_DASHBOARD;
    const auto dashboard = nlohmann::json::parse(file);
    ASSERT_TRUE(dashboard.contains("panels"));

    const std::string name = ipc::test::unique_name("dashboard");
    auto writer = ipc::ring_writer::open(name);
    auto reader = ipc::ring_reader::open(name);
    ASSERT_TRUE(writer && reader);
    ASSERT_TRUE(writer->try_send(std::as_bytes(std::span("x", 1))));
    ASSERT_TRUE(reader->try_read());
    reader->release();
    const std::string exposition = ipc::inspect::to_prometheus(
        ipc::inspect::take_snapshot(ipc::inspect::default_shm_dir(), false));

    const std::regex metric("libipc_[a-z_]+");
    std::set<std::string> named;
    for (const auto& panel : dashboard["panels"]) {
        for (const auto& target : panel["targets"]) {
            const std::string expr = target["expr"];
            for (std::sregex_iterator it(expr.begin(), expr.end(), metric), end; it != end; ++it) {
                named.insert(family_of(it->str(), exposition));
            }
        }
    }
    EXPECT_GE(named.size(), 8u);
    for (const auto& family : named) {
        EXPECT_NE(exposition.find("# TYPE " + family + " "), std::string::npos)
            << family << " is not in the exposition";
    }
}

}  // namespace
