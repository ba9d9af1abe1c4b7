// A real Prometheus (Debian's `prometheus` binary) scrapes `ipcstat serve` while the ring demo
// runs, and its query API reports a non-zero send rate for the demo's channel: the exposition
// is what a real scraper ingests, not only what a parser accepts.

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>

#include "support/child_process.hpp"
#include "support/ipcstat_server.hpp"
#include "support/names.hpp"

namespace {

using namespace std::chrono_literals;

std::optional<std::string> program_in_path(const std::string& program) {
    const char* path = std::getenv("PATH");
    std::istringstream directories(path ? path : "");
    for (std::string directory; std::getline(directories, directory, ':');) {
        const std::string candidate = directory + "/" + program;
        if (!directory.empty() && ::access(candidate.c_str(), X_OK) == 0) {
            return candidate;
        }
    }
    return std::nullopt;
}

// A scratch directory removed with everything in it.
struct scratch_directory {
    std::filesystem::path path = [] {
        std::string pattern = "/tmp/libipc-prometheus-XXXXXX";
        if (::mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("mkdtemp");
        }
        return std::filesystem::path(pattern);
    }();
    ~scratch_directory() { std::filesystem::remove_all(path); }
};

// Whether PromQL `query` has a sample above zero, per Prometheus's HTTP API.
bool has_positive_sample(httplib::Client& prometheus, const std::string& query) {
    auto answer =
        prometheus.Get("/api/v1/query", httplib::Params{{"query", query}}, httplib::Headers{});
    if (!answer || answer->status != 200) {
        return false;
    }
    // {"status":"success","data":{"result":[{"metric":{…},"value":[time,"rate"]},…]}}
    const auto json = nlohmann::json::parse(answer->body, nullptr, false);
    const auto result = nlohmann::json::json_pointer("/data/result");
    if (!json.is_object() || json.value("status", "") != "success" || !json.contains(result) ||
        !json.at(result).is_array()) {
        return false;
    }
    for (const auto& series : json.at(result)) {
        const auto value = nlohmann::json::json_pointer("/value/1");
        if (series.is_object() && series.contains(value) && series.at(value).is_string() &&
            std::strtod(series.at(value).get_ref<const std::string&>().c_str(), nullptr) > 0) {
            return true;
        }
    }
    return false;
}

TEST(Prometheus, ScrapesTheDemosSendRate) {
    const auto prometheus_program = program_in_path("prometheus");
    if (!prometheus_program) {
        GTEST_SKIP() << "Debian's prometheus is not installed (apt-get install prometheus)";
    }
    const std::string name = ipc::test::unique_name("scraped");
    ipc::test::child_process demo(
        {IPC_DEMO, "ring", "--rate", "2000", "--size", "100", "--name", name});
    ipc::test::ipcstat_server served({}, {"--name", name});
    ASSERT_TRUE(served.ready());

    scratch_directory scratch;
    std::ofstream(scratch.path / "prometheus.yml")
        << "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        << "scrape_configs:\n  - job_name: libipc\n    static_configs:\n"
        << "      - targets: ['127.0.0.1:" << served.port << "']\n";
    const int port = ipc::test::free_port();
    ipc::test::child_process prometheus(
        {*prometheus_program, "--config.file=" + (scratch.path / "prometheus.yml").string(),
         "--storage.tsdb.path=" + (scratch.path / "data").string(),
         "--web.listen-address=127.0.0.1:" + std::to_string(port), "--log.level=error"});
    auto client = ipc::test::loopback_client(port);

    const std::string sent_rate =
        "rate(libipc_endpoint_messages_sent_total{channel=\"" + name + "\"}[10s])";
    // Each check is a query to Prometheus, so a check every 200 ms: the scrapes come each second.
    EXPECT_TRUE(
        ipc::test::eventually([&] { return has_positive_sample(client, sent_rate); }, 90s, 200ms))
        << sent_rate << " stayed empty or zero";
    EXPECT_TRUE(has_positive_sample(client, "up{job=\"libipc\"}")) << "the target is not up";

    demo.kill(SIGINT);
    EXPECT_TRUE(demo.wait(20s));
}

}  // namespace
