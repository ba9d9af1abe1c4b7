// ipcstat serve, run for real: /metrics (parsed with Prometheus's own parser where Debian's
// python3-prometheus-client is installed), /snapshot (the same content as `ipcstat snapshot`),
// /healthz; a bearer token; concurrent scrapes beside clients that trickle or send too much.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>

#include "ipc/ring.hpp"
#include "support/child_process.hpp"
#include "support/ipcstat_server.hpp"
#include "support/names.hpp"

namespace {

using namespace std::chrono_literals;

using server = ipc::test::ipcstat_server;

// Whether Prometheus's own text parser accepts every one of `bodies`; nullopt when the parser is
// not installed. Debian's python3 first: the package is Debian's, and a python3 earlier in PATH
// may lack it.
std::optional<bool> prometheus_parses(const std::vector<std::string>& bodies) {
    std::string python;
    for (const char* candidate : {"/usr/bin/python3", "python3"}) {
        const std::string probe =
            std::string(candidate) + " -c 'import prometheus_client' >/dev/null 2>&1";
        if (python.empty() && std::system(probe.c_str()) == 0) {
            python = candidate;
        }
    }
    if (python.empty()) {
        return std::nullopt;
    }
    std::vector<std::string> files;
    std::string command = python +
                          " -c 'import sys; from prometheus_client.parser import "
                          "text_string_to_metric_families as parse; "
                          "[list(parse(open(f).read())) for f in sys.argv[1:]]'";
    for (const auto& body : bodies) {
        files.push_back("/tmp/" + ipc::test::unique_name("metrics") + ".txt");
        std::ofstream(files.back()) << body;
        command += " " + files.back();
    }
    const bool parsed = std::system(command.c_str()) == 0;
    for (const auto& file : files) {
        ::unlink(file.c_str());
    }
    return parsed;
}

struct live_ring {
    std::string name = ipc::test::unique_name("served");
    ipc::ring_writer writer = *ipc::ring_writer::open(name);
    ipc::ring_reader reader = *ipc::ring_reader::open(name);
};

TEST(Serve, MetricsSnapshotAndHealthz) {
    live_ring ring;
    ASSERT_TRUE(ring.writer.try_send(std::as_bytes(std::span("hello", 5))));
    server s;
    ASSERT_TRUE(s.ready());
    auto c = s.client();
    auto metrics = c.Get("/metrics");
    ASSERT_TRUE(metrics);
    EXPECT_EQ(metrics->status, 200);
    EXPECT_EQ(metrics->get_header_value("Content-Type"),
              "text/plain; version=0.0.4; charset=utf-8");
    EXPECT_NE(metrics->body.find("libipc_endpoint_messages_sent_total"), std::string::npos);
    EXPECT_NE(metrics->body.find(ring.name), std::string::npos);
    auto snapshot = c.Get("/snapshot");
    ASSERT_TRUE(snapshot);
    EXPECT_EQ(snapshot->status, 200);
    const auto json = nlohmann::json::parse(snapshot->body);
    EXPECT_EQ(json["schema"], "libipc.snapshot/1");
    bool found = false;
    for (const auto& r : json["rings"]) {
        found = found || r["name"] == ring.name;
    }
    EXPECT_TRUE(found);
    auto health = c.Get("/healthz");
    ASSERT_TRUE(health);
    EXPECT_EQ(health->body, "ok\n");
    auto missing = c.Get("/nothing-here");
    ASSERT_TRUE(missing);
    EXPECT_EQ(missing->status, 404);
}

TEST(Serve, MetricsParseWithPrometheusOwnParser) {
    live_ring ring;
    server s;
    ASSERT_TRUE(s.ready());
    auto metrics = s.client().Get("/metrics");
    ASSERT_TRUE(metrics);
    const auto parsed = prometheus_parses({metrics->body});
    if (!parsed) {
        GTEST_SKIP() << "python3-prometheus-client is not installed: nothing to parse with";
    }
    EXPECT_TRUE(*parsed) << "Prometheus's parser refused the exposition";
}

// Scrapes from several clients at once while rings are created and removed under them: every
// scrape answers, and every body parses.
TEST(Serve, ConcurrentScrapesWhileEndpointsComeAndGo) {
    live_ring steady;
    server s;
    ASSERT_TRUE(s.ready());
    std::atomic<bool> done{false};
    std::atomic<int> rings_made{0};
    std::thread churn([&] {
        while (!done) {
            live_ring ring;
            (void)ring.writer.try_send(std::as_bytes(std::span("churn", 5)));
            ++rings_made;
        }
    });
    std::mutex mutex;
    std::vector<std::string> bodies;
    std::vector<std::thread> scrapers;
    for (int i = 0; i < 4; ++i) {
        scrapers.emplace_back([&] {
            for (int k = 0; k < 10; ++k) {
                auto r = s.client().Get("/metrics");
                const std::lock_guard lock(mutex);
                bodies.push_back(r && r->status == 200 ? r->body : "no answer\n");
            }
        });
    }
    for (auto& t : scrapers) {
        t.join();
    }
    done = true;
    churn.join();
    EXPECT_GT(rings_made.load(), 0);
    ASSERT_EQ(bodies.size(), 40u);
    for (const auto& body : bodies) {
        EXPECT_NE(body.find(steady.name), std::string::npos) << body;
    }
    const auto parsed = prometheus_parses(bodies);
    if (!parsed) {
        GTEST_SKIP() << "python3-prometheus-client is not installed: nothing to parse with";
    }
    EXPECT_TRUE(*parsed) << "Prometheus's parser refused a scrape taken during the churn";
}

// Only GET and HEAD without a body: a POST, or a chunked body, is refused before it is read.
TEST(Serve, OtherMethodsAndBodiesAreRefused) {
    server s;
    ASSERT_TRUE(s.ready());
    auto c = s.client();
    auto posted = c.Post("/metrics", std::string(100, 'x'), "text/plain");
    ASSERT_TRUE(posted);
    EXPECT_EQ(posted->status, 405);
    auto chunked = c.Get("/metrics", {{"Transfer-Encoding", "chunked"}});
    ASSERT_TRUE(chunked);
    EXPECT_EQ(chunked->status, 405);
    auto head = c.Head("/healthz");
    ASSERT_TRUE(head);
    EXPECT_EQ(head->status, 200);
}

TEST(Serve, SigtermEndsItWithZero) {
    server s;
    ASSERT_TRUE(s.ready());
    s.process.kill(SIGTERM);
    auto status = s.process.wait(30s);
    ASSERT_TRUE(status) << "still serving after SIGTERM";
    EXPECT_EQ(ipc::test::exit_code(*status), 0);
}

// /snapshot has what `ipcstat snapshot --format json` has (an idle ring: nothing changes between
// the two).
TEST(Serve, SnapshotIsWhatIpcstatSnapshotPrints) {
    live_ring ring;
    server s({}, {"--name", ring.name});
    ASSERT_TRUE(s.ready());
    auto served = s.client().Get("/snapshot");
    ASSERT_TRUE(served);
    const std::string command = std::string(IPCSTAT) + " --name " + ring.name + " snapshot";
    std::FILE* p = ::popen(command.c_str(), "r");
    ASSERT_NE(p, nullptr);
    std::string printed;
    char buffer[4096];
    for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, p)) > 0;) {
        printed.append(buffer, n);
    }
    ASSERT_EQ(::pclose(p), 0);
    auto a = nlohmann::json::parse(served->body);
    auto b = nlohmann::json::parse(printed);
    for (auto* j : {&a, &b}) {
        j->erase("taken_ns");
        j->erase("taken_realtime_ns");
        for (auto& process : (*j)["processes"]) {
            process.erase("heartbeat_ns");
        }
    }
    EXPECT_EQ(a["rings"], b["rings"]);
    EXPECT_EQ(a["channels"], b["channels"]);
    EXPECT_EQ(a["processes"], b["processes"]);
}

TEST(Serve, ABearerTokenIsRequiredWhenGiven) {
    const std::string file = "/tmp/" + ipc::test::unique_name("token");
    // The first line, trimmed (as ipc-monitor reads the same file); what follows is not the token.
    std::ofstream(file) << " s3cret \t\nsecond line\n";
    server s({"--token-file", file});
    ASSERT_TRUE(s.ready());
    auto c = s.client();
    ::unlink(file.c_str());  // read at start
    auto refused = c.Get("/metrics");
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 401);
    c.set_bearer_token_auth("wrong!");
    auto wrong = c.Get("/metrics");
    ASSERT_TRUE(wrong);
    EXPECT_EQ(wrong->status, 401);
    c.set_bearer_token_auth("s3cret");
    auto right = c.Get("/metrics");
    ASSERT_TRUE(right);
    EXPECT_EQ(right->status, 200);
}

// Clients that trickle a request one byte a second, or send headers past the limit, hold no
// more than their own worker: ten concurrent scrapes meanwhile all get their metrics.
TEST(Serve, SlowAndOversizedClientsDoNotBlockScrapes) {
    live_ring ring;
    server s;
    ASSERT_TRUE(s.ready());
    std::atomic<bool> done{false};
    std::vector<std::thread> abusers;
    for (int i = 0; i < 4; ++i) {
        abusers.emplace_back([&] {
            const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
            sockaddr_in a{};
            a.sin_family = AF_INET;
            a.sin_port = htons(static_cast<std::uint16_t>(s.port));
            a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
                const std::string request = "GET /metrics HTTP/1.1\r\nHost: x\r\n";
                for (std::size_t k = 0; k < request.size() && !done; ++k) {
                    (void)::send(fd, &request[k], 1, MSG_NOSIGNAL);
                    std::this_thread::sleep_for(1s);  // the client's pace, not a synchronisation
                }
            }
            ::close(fd);
        });
    }
    const std::string huge(64 * 1024, 'x');
    auto oversized = s.client().Get("/metrics", {{"X-Padding", huge}});
    ASSERT_TRUE(oversized) << "the server answers (it did not die)";
    EXPECT_EQ(oversized->status, 400) << "headers past the limit refused";
    std::atomic<int> served{0};
    std::vector<std::thread> scrapers;
    for (int i = 0; i < 10; ++i) {
        scrapers.emplace_back([&] {
            auto r = s.client().Get("/metrics");
            served += r && r->status == 200 && r->body.find(ring.name) != std::string::npos;
        });
    }
    for (auto& t : scrapers) {
        t.join();
    }
    EXPECT_EQ(served.load(), 10);
    done = true;
    for (auto& t : abusers) {
        t.join();
    }
}

TEST(Serve, RefusesABadListenAddress) {
    const std::string command = std::string(IPCSTAT) + " serve --listen nowhere 2>/dev/null";
    EXPECT_NE(std::system(command.c_str()), 0);
}

}  // namespace
