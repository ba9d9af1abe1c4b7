// ipc-demo and ipcstat as a user runs them: a live demo, observed from another process.

#include <gtest/gtest.h>
#include <signal.h>

#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "ipc/inspect.hpp"
#include "ipc/ring.hpp"
#include "ipc/shm.hpp"
#include "ipc/telemetry.hpp"
#include "support/child_process.hpp"
#include "support/dead_peer.hpp"
#include "support/names.hpp"

extern char** environ;

namespace {

using ipc::test::child_process;
using namespace std::chrono_literals;

struct command_output {
    int exit_code;
    std::string text;
};

command_output run(const std::string& command) {
    command_output out{-1, {}};
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) {
        return out;
    }
    std::array<char, 4096> buf{};
    std::size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) {
        out.text.append(buf.data(), n);
    }
    const int status = ::pclose(pipe);
    out.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return out;
}

bool ring_has_traffic(const std::string& name, std::uint64_t at_least) {
    auto ring = ipc::inspect::read_ring("libipc-ring-" + name);
    return ring && ring->read_count >= at_least;
}

class LiveDemo : public ::testing::Test {
  protected:
    void SetUp() override {
        name = ipc::test::unique_name("demo");
        demo.emplace(std::vector<std::string>{IPC_DEMO, "ring", "--rate", "5000", "--size", "100",
                                              "--name", name});
        ASSERT_TRUE(ipc::test::eventually([&] { return ring_has_traffic(name, 200); }, 20s));
    }
    // Stop the demo as a user does (SIGINT), so that it removes its ring; SIGKILL would leave
    // the segment behind.
    void TearDown() override {
        if (demo && !stopped) {
            demo->kill(SIGINT);
            (void)demo->wait(20s);
        }
        EXPECT_FALSE(ipc::inspect::read_ring("libipc-ring-" + name));
    }
    bool stopped = false;
    std::string name;
    std::optional<child_process> demo;
};

TEST_F(LiveDemo, SnapshotJsonShowsTheRingAndBothEndpointsCounting) {
    const auto out = run(std::string(IPCSTAT) + " snapshot --format json");
    ASSERT_EQ(out.exit_code, 0);
    const auto doc = nlohmann::json::parse(out.text);
    bool ring_seen = false;
    for (const auto& r : doc["rings"]) {
        if (r["name"] == name) {
            ring_seen = true;
            EXPECT_GT(r["write_count"].get<std::uint64_t>(), 0u);
            EXPECT_TRUE(r["writer"]["alive"].get<bool>());
            EXPECT_TRUE(r["reader"]["alive"].get<bool>());
        }
    }
    EXPECT_TRUE(ring_seen);
    int writers = 0;
    int readers = 0;
    for (const auto& p : doc["processes"]) {
        for (const auto& e : p["endpoints"]) {
            if (e["name"] == name && e["state"] == "active") {
                writers += e["role"] == "writer" && e["counters"]["sent"].get<std::uint64_t>() > 0;
                readers += e["role"] == "reader" &&
                           e["counters"]["received"].get<std::uint64_t>() > 0 &&
                           e["latency"]["count"].get<std::uint64_t>() > 0;
            }
        }
    }
    EXPECT_EQ(writers, 1);
    EXPECT_EQ(readers, 1);
}

TEST_F(LiveDemo, ListAndWatchNameTheEndpointAndItsHealth) {
    const auto list = run(std::string(IPCSTAT) + " --name " + name + " list");
    EXPECT_EQ(list.exit_code, 0);
    EXPECT_NE(list.text.find("libipc-ring-" + name), std::string::npos);
    // The channel as a whole: both ends and a health, judged by inspect as the monitor's is.
    const std::regex channel_row(name +
                                 R"( +ring +writer \d+ -> reader \d+ .* (ok|idle|backpressure))");
    EXPECT_TRUE(std::regex_search(list.text, channel_row)) << list.text;
    const auto watch = run(std::string(IPCSTAT) + " watch --interval 100 --iterations 2");
    EXPECT_EQ(watch.exit_code, 0);
    EXPECT_NE(watch.text.find(name), std::string::npos);
    EXPECT_NE(watch.text.find("MSG/S"), std::string::npos);
    EXPECT_NE(watch.text.find("HEALTH"), std::string::npos);
    // The demo's reader row ends in a health word (the second table judges drops too).
    const std::regex reader_row(name +
                                R"( +reader .* (ok|idle|backpressure|dropping)( \(.*\))?\n)");
    EXPECT_TRUE(std::regex_search(watch.text, reader_row)) << watch.text;
}

TEST_F(LiveDemo, CsvAndPrometheusSnapshotsNameTheEndpoints) {
    const auto csv = run(std::string(IPCSTAT) + " --name " + name + " snapshot --format csv");
    ASSERT_EQ(csv.exit_code, 0);
    EXPECT_EQ(csv.text.rfind("taken_ns,pid,program,", 0), 0u);
    EXPECT_EQ(std::count(csv.text.begin(), csv.text.end(), '\n'), 3) << csv.text;  // header + 2
    const auto prom =
        run(std::string(IPCSTAT) + " --name " + name + " snapshot --format prometheus");
    ASSERT_EQ(prom.exit_code, 0);
    EXPECT_NE(prom.text.find("# TYPE libipc_endpoint_messages_sent_total counter"),
              std::string::npos);
    EXPECT_NE(prom.text.find("libipc_ring_messages_written_total{channel=\"" + name +
                             "\",segment=\"libipc-ring-" + name + "\"}"),
              std::string::npos);
}

TEST_F(LiveDemo, FiltersNarrowTheOutputAndRequireSaysWhenNothingMatches) {
    const auto slots_only = run(std::string(IPCSTAT) + " --name " + name +
                                " --kind slots --require snapshot --format json 2>/dev/null");
    EXPECT_EQ(slots_only.exit_code, 2);
    const auto rings = run(std::string(IPCSTAT) + " --name " + name + " --kind ring list");
    EXPECT_EQ(rings.exit_code, 0);
    EXPECT_NE(rings.text.find(name), std::string::npos);
    const auto other =
        run(std::string(IPCSTAT) + " --name no-such-channel-at-all snapshot --format json");
    ASSERT_EQ(other.exit_code, 0);
    EXPECT_EQ(other.text.find(name), std::string::npos);
}

TEST_F(LiveDemo, InterruptStopsParentAndChildCleanly) {
    demo->kill(SIGINT);
    auto status = demo->wait(20s);
    stopped = true;
    ASSERT_TRUE(status);
    EXPECT_EQ(ipc::test::exit_code(*status), 0);
}

TEST(Demo, RunsForADurationAndExitsZero) {
    const auto out = run(std::string(IPC_DEMO) + " ring --rate 0 --size 64 --duration 0.5 --name " +
                         ipc::test::unique_name("flat"));
    EXPECT_EQ(out.exit_code, 0);
    EXPECT_NE(out.text.find("checked every message"), std::string::npos);
}

// The duplex demo in both protocols, and as an efdstream parent of a program written apart from
// libipc (tests/helpers/efdstream_reference.cpp).
TEST(Demo, DuplexEchoesEveryByteInBothProtocols) {
    const std::string demo = std::string(IPC_DEMO) + " duplex --duration 0.3 --size 100 ";
    for (const std::string& args :
         {std::string("--rate 2000"), std::string("--rate 0 --protocol efdstream"),
          "--rate 0 --protocol efdstream --child " + std::string(IPC_TEST_EFDSTREAM_REFERENCE)}) {
        const auto out = run(demo + args + " --name " + ipc::test::unique_name("duplex"));
        EXPECT_EQ(out.exit_code, 0) << args << "\n" << out.text;
        EXPECT_NE(out.text.find("every echo checked"), std::string::npos) << out.text;
    }
}

TEST(Demo, BrokerClientsConnectByNameAndCheckEveryEcho) {
    const auto out = run(std::string(IPC_DEMO) + " broker --clients 3 --duration 0.3 --rate 2000 " +
                         "--size 100 --name " + ipc::test::unique_name("broker"));
    EXPECT_EQ(out.exit_code, 0) << out.text;
    EXPECT_NE(out.text.find("every client checked every echo"), std::string::npos) << out.text;
}

// The stream demo with its reader restarted under the writers: every message accounted for.
TEST(Demo, StreamWritersSurviveReaderRestartsWithEveryMessageAccountedFor) {
    const auto name = ipc::test::unique_name("stream");
    const auto out = run(std::string(IPC_DEMO) + " stream --writers 2 --duration 1 --rate 2000 " +
                         "--size 100 --restart-reader-every 0.3 --name " + name);
    EXPECT_EQ(out.exit_code, 0) << out.text;
    EXPECT_NE(out.text.find("every message accounted for"), std::string::npos) << out.text;
    EXPECT_EQ(out.text.find("reconnects 0"), std::string::npos)
        << "every writer reconnected after a restart\n"
        << out.text;
    EXPECT_NE(out.text.find(", 0 damaged or out of order"), std::string::npos) << out.text;
    // What the writers counted sent is what the reader got: nothing vanished in between.
    const std::regex sent_line(R"(ipc-demo writer \d+: offered \d+, sent (\d+))");
    std::uint64_t sent = 0;
    int writers = 0;
    for (std::sregex_iterator m(out.text.begin(), out.text.end(), sent_line), end; m != end;
         ++m, ++writers) {
        sent += std::stoull((*m)[1]);
    }
    std::smatch received;
    ASSERT_TRUE(std::regex_search(out.text, received, std::regex(R"((\d+) messages received)")))
        << out.text;
    EXPECT_EQ(writers, 2) << out.text;
    EXPECT_EQ(std::stoull(received[1]), sent) << out.text;
}

// Issue 8.14: a demo stopped before its child attached used to hang 19 times out of 20.
TEST(Demo, StopsCleanlyWhateverTheMoment) {
    for (int run_index = 0; run_index < 20; ++run_index) {
        child_process demo({IPC_DEMO, "ring", "--duration", "0.0001", "--name",
                            ipc::test::unique_name("instant")});
        auto status = demo.wait(20s);
        ASSERT_TRUE(status) << "run " << run_index << " hung";
        EXPECT_EQ(ipc::test::exit_code(*status), 0) << "run " << run_index;
    }
}

// Issue 8.12: a reader whose writer was killed says so and exits non-zero; it used to report
// "received N messages in order" and exit 0, as after a clean close.
TEST(Demo, ARingChildWhoseWriterIsKilledExitsNonZero) {
    const auto name = ipc::test::unique_name("killed");
    int ready[2];
    ASSERT_EQ(::pipe(ready), 0);
    const pid_t writer = ::fork();
    if (writer == 0) {
        ipc::ring_options o;  // what ipc-demo ring --size 64 uses
        o.max_message = 64;
        o.capacity = 1 << 20;
        auto w = ipc::ring_writer::open(name, o);
        const char c = w ? 'y' : 'n';
        (void)::write(ready[1], &c, 1);
        for (;;) {
            ::pause();
        }
    }
    char c = 0;
    ASSERT_EQ(::read(ready[0], &c, 1), 1);
    ASSERT_EQ(c, 'y');
    child_process reader({IPC_DEMO, "ring-child", "--name", name, "--size", "64"});
    ASSERT_TRUE(ipc::test::eventually(
        [&] {
            auto ring = ipc::inspect::read_ring("libipc-ring-" + name);
            return ring && ring->reader.alive;
        },
        20s));
    ::kill(writer, SIGKILL);
    ::waitpid(writer, nullptr, 0);
    (void)ipc::shm::unlink(ipc::telemetry::segment_object_name(writer));
    auto status = reader.wait(20s);
    ASSERT_TRUE(status);
    EXPECT_EQ(ipc::test::exit_code(*status), 1);
    ::close(ready[0]);
    ::close(ready[1]);
    (void)ipc::shm::unlink(ipc::shm::object_name("ring", name));
}

std::uint64_t slots_completed(const std::string& name) {
    auto slots = ipc::inspect::read_slots("libipc-slots-" + name);
    std::uint64_t completed = 0;
    for (const auto& slot : slots ? slots->slots : std::vector<ipc::inspect::slot_info>{}) {
        completed += slot.counters.completed;
    }
    return completed;
}

// ipc-bench states where it ran and gives each case its spread and a ratio taken round by
// round (two quick cases, two repetitions; the figures themselves belong in docs/BENCHMARKS.md).
TEST(Bench, JsonNamesTheRegimeAndEachCasesSpreadAndRatio) {
    const auto out = run(std::string(IPC_BENCH) +
                         " --filter 'ring_pingpong_oneway_64B_spin$' --repetitions 2 --json");
    ASSERT_EQ(out.exit_code, 0) << out.text;
    const auto doc = nlohmann::json::parse(out.text);
    EXPECT_EQ(doc["repetitions"], 2);
    EXPECT_TRUE(doc["regime"].contains("smt_siblings"));
    EXPECT_FALSE(doc["regime"]["clocksource"].get<std::string>().empty());
    ASSERT_EQ(doc["cases"].size(), 2u);  // the case and its baseline
    const auto& ring = doc["cases"][1];
    EXPECT_EQ(ring["name"], "ring_pingpong_oneway_64B_spin");
    EXPECT_EQ(ring["baseline"], "atomic_pingpong_oneway");
    EXPECT_GT(ring["value"].get<double>(), 0);
    EXPECT_GE(ring["spread"].get<double>(), 0);
    EXPECT_GT(ring["ratio"].get<double>(), 0);
    EXPECT_TRUE(ring["baseline_moved"].is_boolean());
}

TEST(SlotsDemo, HostAndGuestRunAndIpcstatShowsTheSlots) {
    const auto name = ipc::test::unique_name("slotsdemo");
    child_process demo(
        {IPC_DEMO, "slots", "--slots", "3", "--rate", "3000", "--size", "64", "--name", name});
    ASSERT_TRUE(ipc::test::eventually([&] { return slots_completed(name) >= 300; }, 20s));
    const auto out = run(std::string(IPCSTAT) + " snapshot --format json");
    ASSERT_EQ(out.exit_code, 0);
    const auto doc = nlohmann::json::parse(out.text);
    bool seen = false;
    for (const auto& group : doc["slots"]) {
        if (group["name"] == name) {
            seen = true;
            EXPECT_EQ(group["slots"].size(), 3u);
            for (const auto& slot : group["slots"]) {
                EXPECT_TRUE(slot["guest"]["alive"].get<bool>());
                EXPECT_GT(slot["counters"]["completed"].get<std::uint64_t>(), 0u);
            }
        }
    }
    EXPECT_TRUE(seen);
    const auto list = run(std::string(IPCSTAT) + " list");
    EXPECT_NE(list.text.find("SLOTS"), std::string::npos);
    demo.kill(SIGINT);
    auto status = demo.wait(20s);
    ASSERT_TRUE(status);
    EXPECT_EQ(ipc::test::exit_code(*status), 0) << "host and guest stop cleanly";
    EXPECT_FALSE(ipc::inspect::read_slots("libipc-slots-" + name));
}

TEST(SlotsDemo, RunsFlatOutForADuration) {
    const auto out =
        run(std::string(IPC_DEMO) + " slots --rate 0 --slots 2 --duration 0.5 --name " +
            ipc::test::unique_name("slotsflat"));
    EXPECT_EQ(out.exit_code, 0);
    EXPECT_NE(out.text.find("all that arrived were right"), std::string::npos);
}

// Issue 8.18: when the guest dies, the host reports failed calls and the guest's death, not
// "responses WRONG": every response that arrived was right.
TEST(SlotsDemo, AKilledGuestIsReportedAsFailedCallsNotWrongResponses) {
    const auto name = ipc::test::unique_name("slotskill");
    const std::string log = "/tmp/" + name + ".log";
    child_process demo({"/bin/sh", "-c",
                        std::string("exec ") + IPC_DEMO + " slots --slots 2 --rate 2000 --name " +
                            name + " > " + log + " 2>&1"});
    ASSERT_TRUE(ipc::test::eventually([&] { return slots_completed(name) >= 100; }, 20s));
    auto slots = ipc::inspect::read_slots("libipc-slots-" + name);
    ASSERT_TRUE(slots);
    ASSERT_GT(slots->slots.at(0).guest.pid, 0);
    ::kill(slots->slots[0].guest.pid, SIGKILL);
    auto status = demo.wait(20s);
    ASSERT_TRUE(status);
    EXPECT_EQ(ipc::test::exit_code(*status), 1);
    const auto text = run("cat " + log).text;
    EXPECT_NE(text.find("guest died"), std::string::npos) << text;
    EXPECT_EQ(text.find("WRONG"), std::string::npos) << text;
    (void)run("rm -f " + log);
    (void)ipc::shm::unlink(ipc::telemetry::segment_object_name(slots->slots[0].guest.pid));
}

// A private shm directory for ipcstat --shm-dir, removed with what is left in it.
struct private_dir {
    std::string path;
    private_dir() {
        char templ[] = "/tmp/ipcstat-test-XXXXXX";
        path = ::mkdtemp(templ);
    }
    ~private_dir() { (void)run("rm -rf " + path); }
};

// Issues 8.16 and 8.17: --shm-dir is used for every open and unlink, and remove-stale lists
// what it could not remove, with the reason, and exits non-zero.
TEST(Ipcstat, ShmDirIsUsedForEverythingAndLeftoversAreReported) {
    private_dir dir;
    const auto stem = ipc::test::unique_name("elsewhere");
    const auto object = ipc::shm::object_name("ring", stem);
    ASSERT_TRUE(ipc::shm::create(object, 0, 0600, dir.path));  // a stale leftover there
    ASSERT_TRUE(ipc::shm::create(object, 0, 0600));            // and one of the same name here
    ASSERT_EQ(::mkfifo((dir.path + "/libipc-ring-" + stem + "-fifo").c_str(), 0600), 0);
    const auto removed =
        run(std::string(IPCSTAT) + " --shm-dir " + dir.path + " remove-stale --yes 2>&1");
    EXPECT_EQ(removed.exit_code, 1) << removed.text;
    EXPECT_NE(removed.text.find("removed: " + object.substr(1)), std::string::npos) << removed.text;
    EXPECT_NE(removed.text.find(stem + "-fifo: kept"), std::string::npos) << removed.text;
    EXPECT_FALSE(ipc::shm::open(object, ipc::access::read_only, dir.path));
    EXPECT_TRUE(ipc::shm::unlink(object)) << "the same name in /dev/shm was left alone";
    const auto missing = run(std::string(IPCSTAT) + " --shm-dir /no/such/dir list 2>&1");
    EXPECT_EQ(missing.exit_code, 1);
    EXPECT_NE(missing.text.find("not a directory"), std::string::npos);
}

// Issue 8.4: a file name with terminal escapes and a newline cannot drive the terminal or forge
// table rows.
TEST(Ipcstat, NamesWithEscapesAreEscapedInTheTable) {
    private_dir dir;
    ASSERT_TRUE(ipc::shm::create("/libipc-ring-x\x1b[2J\nFORGED-ROW", 64, 0600, dir.path));
    const auto list = run(std::string(IPCSTAT) + " --shm-dir " + dir.path + " list");
    EXPECT_EQ(list.exit_code, 0);
    EXPECT_EQ(list.text.find('\x1b'), std::string::npos);
    EXPECT_EQ(list.text.find("\nFORGED-ROW"), std::string::npos);
    EXPECT_NE(list.text.find("\\x1b[2J\\x0aFORGED-ROW"), std::string::npos) << list.text;
}

TEST(Ipcstat, RemoveStaleNeedsYesAndKeepsLiveSegments) {
    const auto name = ipc::test::unique_name("stale");
    ipc::test::leave_ring_of_dead_writer(name);  // a ring whose creator is gone
    // A live ring under the same filter must survive.
    auto live = ipc::ring_writer::open(name + "-live");
    ASSERT_TRUE(live);
    const std::string only = " --name " + name;  // not other tests' or the user's segments
    const auto listed = run(std::string(IPCSTAT) + only + " remove-stale 2>/dev/null");
    EXPECT_EQ(listed.exit_code, 3) << "stale segments exist, --yes not given";
    EXPECT_NE(listed.text.find("libipc-ring-" + name), std::string::npos);
    EXPECT_TRUE(ipc::inspect::read_ring("libipc-ring-" + name)) << "nothing removed";
    EXPECT_EQ(listed.text.find(name + "-live"), std::string::npos) << "a live ring is not stale";
    const auto removed = run(std::string(IPCSTAT) + only + " remove-stale --yes");
    EXPECT_EQ(removed.exit_code, 0);
    EXPECT_NE(removed.text.find("removed: libipc-ring-" + name), std::string::npos);
    EXPECT_FALSE(ipc::inspect::read_ring("libipc-ring-" + name));
    EXPECT_TRUE(ipc::inspect::read_ring("libipc-ring-" + name + "-live"));
}

#ifdef IPC_MONITOR
// The monitor, offscreen, against a live demo it starts: the demo's endpoint appears and is
// selected, the window is rendered, and the exported snapshot shows the demo's counters rising.
class MonitorSmoke : public ::testing::TestWithParam<const char*> {};

TEST_P(MonitorSmoke, ShowsTheDemoAndExportsAValidSnapshot) {
    const std::string channel = GetParam();
    const std::string dir = ::testing::TempDir();
    const std::string png = dir + "monitor-" + channel + ".png";
    const std::string json = dir + "monitor-" + channel + ".json";
    const auto out =
        run("QT_QPA_PLATFORM=offscreen " + std::string(IPC_MONITOR) + " --screenshot " + png +
            " --after 3 --demo " + channel + " --export " + json + " 2>/dev/null");
    ASSERT_EQ(out.exit_code, 0) << "3: the demo's endpoint never appeared";
    FILE* image = std::fopen(png.c_str(), "rb");
    ASSERT_NE(image, nullptr);
    unsigned char magic[8] = {};
    EXPECT_EQ(std::fread(magic, 1, 8, image), 8u);
    std::fclose(image);
    EXPECT_EQ(magic[1], 'P');
    EXPECT_EQ(magic[2], 'N');
    EXPECT_EQ(magic[3], 'G');
    FILE* f = std::fopen(json.c_str(), "rb");
    ASSERT_NE(f, nullptr);
    std::string text;
    for (int c; (c = std::fgetc(f)) != EOF;) {
        text += static_cast<char>(c);
    }
    std::fclose(f);
    const auto doc = nlohmann::json::parse(text);
    EXPECT_EQ(doc["schema"], "libipc.snapshot/1");
    std::uint64_t moved = 0;
    for (const auto& p : doc["processes"]) {
        for (const auto& e : p["endpoints"]) {
            if (e["kind"] == channel && e["name"].get<std::string>().rfind("monitor-", 0) == 0) {
                moved += e["counters"]["sent"].get<std::uint64_t>();
            }
        }
    }
    EXPECT_GT(moved, 0u);
}

INSTANTIATE_TEST_SUITE_P(EachDemo, MonitorSmoke, ::testing::Values("ring", "slots"));

// QApplication aborts without a display: --help and --version must not need one.
TEST(Monitor, HelpAndVersionNeedNoDisplay) {
    const std::string bare =
        "env -u DISPLAY -u WAYLAND_DISPLAY -u QT_QPA_PLATFORM " + std::string(IPC_MONITOR);
    const auto help = run(bare + " --help 2>&1");
    EXPECT_EQ(help.exit_code, 0) << help.text;
    EXPECT_NE(help.text.find("--demo"), std::string::npos) << help.text;
    const auto version = run(bare + " --version 2>&1");
    EXPECT_EQ(version.exit_code, 0) << version.text;
    EXPECT_TRUE(std::regex_search(version.text, std::regex(R"(ipc-monitor \d+\.\d+\.\d+)")))
        << version.text;
}

// The live children of `parent` (zombies are not), from /proc.
std::vector<pid_t> children_of(pid_t parent) {
    std::vector<pid_t> children;
    DIR* proc = ::opendir("/proc");
    if (proc == nullptr) {
        return children;
    }
    while (const dirent* entry = ::readdir(proc)) {
        const pid_t pid = static_cast<pid_t>(std::atoi(entry->d_name));
        FILE* f =
            pid > 0 ? std::fopen(("/proc/" + std::to_string(pid) + "/stat").c_str(), "r") : nullptr;
        if (f == nullptr) {
            continue;
        }
        char line[512] = {};
        const bool read = std::fgets(line, sizeof line, f) != nullptr;
        std::fclose(f);
        const char* after_name = read ? std::strrchr(line, ')') : nullptr;
        char state = 0;
        int ppid = 0;
        if (after_name != nullptr && std::sscanf(after_name + 1, " %c %d", &state, &ppid) == 2 &&
            ppid == parent && state != 'Z') {
            children.push_back(pid);
        }
    }
    ::closedir(proc);
    return children;
}

bool running(pid_t pid) {
    FILE* f = std::fopen(("/proc/" + std::to_string(pid) + "/stat").c_str(), "r");
    if (f == nullptr) {
        return false;
    }
    char line[512] = {};
    const bool read = std::fgets(line, sizeof line, f) != nullptr;
    std::fclose(f);
    const char* after_name = read ? std::strrchr(line, ')') : nullptr;
    return after_name != nullptr && after_name[1] == ' ' && after_name[2] != 'Z';
}

// SIGTERM ends the monitor like closing its window: the demo it started (ipc-demo and the child
// that one spawns) stops too. The default action once left them running.
TEST(Monitor, SigtermStopsTheDemosItStarted) {
    ipc::spawn_options how;
    for (char** e = environ; *e != nullptr; ++e) {
        how.environment.emplace_back(*e);
    }
    how.environment.emplace_back("QT_QPA_PLATFORM=offscreen");
    // Its settings (it saves them as it quits) go to a scratch folder, not the user's.
    how.environment.emplace_back("XDG_CONFIG_HOME=" + ::testing::TempDir() + "monitor-config");
    child_process monitor({IPC_MONITOR, "--demo", "ring"}, how);
    std::vector<pid_t> demos;
    ASSERT_TRUE(ipc::test::eventually(
        [&] {
            demos = children_of(monitor.pid());
            for (const pid_t demo : std::vector<pid_t>(demos)) {
                const auto grandchildren = children_of(demo);
                demos.insert(demos.end(), grandchildren.begin(), grandchildren.end());
            }
            return demos.size() >= 2;
        },
        20s))
        << "the demo and its child never appeared";
    monitor.kill(SIGTERM);
    const auto status = monitor.wait(20s);
    ASSERT_TRUE(status);
    EXPECT_EQ(ipc::test::exit_code(*status), 0) << "a SIGTERM is a clean quit";
    EXPECT_TRUE(ipc::test::eventually(
        [&] { return std::none_of(demos.begin(), demos.end(), running); }, 20s))
        << "a demo the monitor started outlived it";
}
#endif

TEST(Demo, RejectsBadArguments) {
    EXPECT_NE(run(std::string(IPC_DEMO) + " ring --size -1 2>/dev/null").exit_code, 0);
    EXPECT_NE(
        run(std::string(IPC_DEMO) + " ring --name 'bad/name' --duration 1 2>/dev/null").exit_code,
        0);
    EXPECT_NE(run(std::string(IPCSTAT) + " snapshot --format xml 2>/dev/null").exit_code, 0);
    EXPECT_NE(run(std::string(IPCSTAT) + " --kind bogus list 2>/dev/null").exit_code, 0);
    EXPECT_NE(run(std::string(IPCSTAT) + " --pid -3 list 2>/dev/null").exit_code, 0);
    EXPECT_NE(run(std::string(IPC_DEMO) + " slots --slots 0 2>/dev/null").exit_code, 0);
    EXPECT_NE(
        run(std::string(IPC_DEMO) + " slots --size 100000000 --duration 1 2>/dev/null").exit_code,
        0);
}

}  // namespace
