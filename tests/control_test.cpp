// The control socket: what a process's broker connections look like from outside, and clients
// of the socket that say nothing, garbage, too much, or leave mid-reply.

#include "ipc/control.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "ipc/broker.hpp"
#include "ipc/inspect.hpp"
#include "support/broker_pair.hpp"
#include "support/raw_socket.hpp"

namespace {

using namespace std::chrono_literals;

// A raw client of the control socket: connects, sends `request` as it is.
int raw_client(const std::string& path, const std::string& request) {
    return ipc::test::raw_connect(path, SOCK_STREAM, request.data(), request.size());
}

// Everything the socket says until it closes (at most 5 s).
std::string read_all(int s) {
    std::string out;
    char buf[4096];
    for (;;) {
        pollfd p{s, POLLIN, 0};
        if (::poll(&p, 1, 5000) != 1) {
            return out;
        }
        const ssize_t n = ::recv(s, buf, sizeof buf, 0);
        if (n <= 0) {
            return out;
        }
        out.append(buf, static_cast<std::size_t>(n));
    }
}

struct ControlSocket : ::testing::Test {
    std::string dir;
    std::string path;
    void SetUp() override {
        char templ[] = "/tmp/libipc-control-test-XXXXXX";
        ASSERT_NE(::mkdtemp(templ), nullptr);
        dir = templ;
        // Brokers and streams of earlier tests in this process opened it in the runtime
        // directory; here it must be in this one.
        ipc::control::stop();
        ASSERT_TRUE(ipc::control::start(dir));
        path = *ipc::control::socket_path(::getpid(), dir);
    }
    void TearDown() override {
        ipc::control::stop();
        EXPECT_NE(::access(path.c_str(), F_OK), 0) << "stop removes the socket";
        ::rmdir(dir.c_str());
    }
    ipc::broker_options options() const {
        ipc::broker_options o;
        o.dir = dir;
        return o;
    }
    ipc::test::broker_pair connected(const std::string& name) const {
        return ipc::test::connected_pair(name, options());
    }
};

TEST_F(ControlSocket, InspectMergesEveryConnectionWithItsPeer) {
    auto pair = connected("watched");
    ASSERT_TRUE(pair.accepted.is_open());
    auto* accepted = &pair.accepted;
    auto& client = pair.client;
    ipc::inspect::snapshot s;
    ipc::inspect::query_control_sockets(s, dir, 5000ms);
    ASSERT_EQ(s.control_sockets.size(), 1u);
    EXPECT_EQ(s.control_sockets[0].error, "");
    ASSERT_EQ(s.connections.size(), 2u) << "this process is both sides";
    for (const auto& c : s.connections) {
        EXPECT_EQ(c.pid, ::getpid());
        EXPECT_EQ(c.name, "watched");
        EXPECT_EQ(c.peer_pid, ::getpid());
        EXPECT_EQ(c.peer_uid, ::geteuid());
        EXPECT_TRUE(c.role == "server" || c.role == "client");
        EXPECT_TRUE(c.inbound_segment.starts_with("memfd:"));
        EXPECT_NE(c.inbound_segment, c.outbound_segment);
        EXPECT_EQ(c.max_message, accepted->to_peer().max_message());
    }
    EXPECT_EQ(s.connections[0].inbound_segment, s.connections[1].outbound_segment)
        << "one side reads the ring the other writes";
    accepted->close();
    client.close();
    ipc::inspect::snapshot after;
    ipc::inspect::query_control_sockets(after, dir, 5000ms);
    EXPECT_TRUE(after.connections.empty()) << "closed connections leave the report";
}

// One socket per process: asked for in another directory while open, start says so instead
// of a yes that leaves the caller looking in the wrong place.
TEST_F(ControlSocket, AnotherDirectoryWhileOpenIsBusy) {
    const std::string other = dir + "-other";
    auto moved = ipc::control::start(other);
    EXPECT_EQ(moved.code(), ipc::errc::busy);
    EXPECT_NE(::access(other.c_str(), F_OK), 0) << "nothing made there";
    EXPECT_TRUE(ipc::control::start(dir)) << "the same directory again";
    EXPECT_TRUE(ipc::control::start(dir + "/")) << "spelt another way";
    EXPECT_TRUE(ipc::control::start()) << "a channel asking for it wherever it is";
    EXPECT_EQ(::access(path.c_str(), F_OK), 0) << "still where it was";
}

// Each direction of a connection, as the side that reports it sees it: its endpoint's messages
// and bytes, its ring's unread bytes; in the JSON, CSV and Prometheus, and through the filters.
TEST_F(ControlSocket, InspectJoinsEachDirectionsCountsAndOccupancy) {
    auto pair = connected("flows");
    ASSERT_TRUE(pair.accepted.is_open());
    const std::vector<std::byte> msg(100);
    std::vector<std::byte> buf(100);
    for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(pair.client.to_peer().try_send(msg));
    }
    for (int i = 0; i < 2; ++i) {
        ASSERT_TRUE(pair.accepted.from_peer().try_receive(buf));
    }
    ASSERT_TRUE(pair.accepted.to_peer().try_send(msg));
    auto s = ipc::inspect::take_snapshot(ipc::inspect::default_shm_dir(), false);
    ipc::inspect::query_control_sockets(s, dir, 5000ms);
    ASSERT_EQ(s.connections.size(), 2u);
    for (const auto& c : s.connections) {
        ASSERT_TRUE(c.inbound.found && c.outbound.found) << c.role;
        EXPECT_EQ(c.inbound.capacity_bytes, pair.accepted.from_peer().capacity());
        if (c.role == "server") {
            EXPECT_EQ(c.inbound.messages, 2u);
            EXPECT_EQ(c.inbound.bytes, 200u);
            EXPECT_GE(c.inbound.used_bytes, 100u) << "the third, not read yet";
            EXPECT_EQ(c.outbound.messages, 1u);
        } else {
            EXPECT_EQ(c.outbound.messages, 3u);
            EXPECT_EQ(c.outbound.bytes, 300u);
            EXPECT_EQ(c.inbound.messages, 0u);
            EXPECT_GE(c.inbound.used_bytes, 100u);
        }
    }
    const auto doc = nlohmann::json::parse(ipc::inspect::to_json(s));
    EXPECT_EQ(doc["connections"][0]["kind"], "broker");
    EXPECT_TRUE(doc["connections"][0]["inbound"]["found"].get<bool>());
    const auto csv = ipc::inspect::to_connections_csv(s);
    EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 3) << csv;
    const auto metrics = ipc::inspect::to_prometheus(s);
    const auto& client = s.connections[0].role == "client" ? s.connections[0] : s.connections[1];
    const std::string pid = std::to_string(::getpid());
    EXPECT_NE(metrics.find("libipc_connection_messages_total{pid=\"" + pid + "\",connection=\"" +
                           std::to_string(client.id) +
                           "\",kind=\"broker\",channel=\"flows\",side=\"client\",peer_pid=\"" +
                           pid + "\",direction=\"out\"} 3\n"),
              std::string::npos)
        << metrics;
    EXPECT_NE(s.connections[0].id, s.connections[1].id) << "each connection named apart";
    EXPECT_EQ(ipc::inspect::filtered(s, {.kind = "ring"}).connections.size(), 0u);
    EXPECT_EQ(ipc::inspect::filtered(s, {.kind = "broker"}).connections.size(), 2u);
    EXPECT_EQ(ipc::inspect::filtered(s, {.pid = ::getpid() + 1}).connections.size(), 0u);
}

#ifdef IPC_TEST_SANITIZED
// LeakSanitizer's check at exit takes the allocator's lock, which the child of a threaded
// process may have inherited held (the control thread was allocating at the fork): it then
// waits forever. The forked child below turns the check off before its exit; every other
// process keeps it (LeakSanitizer asks this function first).
std::atomic<int> leak_check_off{0};
extern "C" int __lsan_is_turned_off() {
    return leak_check_off.load();
}
#endif

// A forked child that exits (its static destructors run) leaves its parent's control socket
// alone: it neither stops the parent's thread nor removes its file.
TEST_F(ControlSocket, AForkedChildLeavesItsParentsSocketAlone) {
    const pid_t child = ::fork();
    if (child == 0) {
#ifdef IPC_TEST_SANITIZED
        leak_check_off = 1;
#endif
        ipc::control::stop();
        ::exit(0);  // not _exit: what a child program's normal end runs
    }
    // Waited for with a deadline: a child stuck in its exit fails the test instead of hanging it.
    const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, child, 0));
    ASSERT_GE(pidfd, 0);
    pollfd exited{pidfd, POLLIN, 0};
    const bool ended = ::poll(&exited, 1, 60'000) == 1;
    ::close(pidfd);
    if (!ended) {
        ::kill(child, SIGKILL);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(ended) << "the child did not finish its exit";
    EXPECT_EQ(::access(path.c_str(), F_OK), 0) << "the socket file is still there";
    ipc::inspect::snapshot s;
    ipc::inspect::query_control_sockets(s, dir, 5000ms);
    ASSERT_EQ(s.control_sockets.size(), 1u);
    EXPECT_EQ(s.control_sockets[0].error, "") << "and it still answers";
}

TEST_F(ControlSocket, SilentGarbageOversizedAndLeavingClientsDoNotStopIt) {
    const int silent = raw_client(path, "");
    ASSERT_GE(silent, 0);
    const int garbage = raw_client(path, "garbage\n");
    const int oversized = raw_client(path, std::string(10'000, 'x'));
    const int leaving = raw_client(path, "{\"get\":\"snapshot\"}\n");
    ::close(leaving);  // gone before its reply
    const auto reply = nlohmann::json::parse(read_all(garbage), nullptr, false);
    EXPECT_TRUE(reply.is_object() && reply.contains("error")) << "garbage gets an error, in JSON";
    EXPECT_EQ(read_all(oversized), "") << "a request past 4 KiB is dropped unanswered";
    EXPECT_EQ(read_all(silent), "") << "a silent client is dropped after its second";
    for (int fd : {silent, garbage, oversized}) {
        ::close(fd);
    }
    ipc::inspect::snapshot s;
    ipc::inspect::query_control_sockets(s, dir, 5000ms);
    ASSERT_EQ(s.control_sockets.size(), 1u);
    EXPECT_EQ(s.control_sockets[0].error, "") << "and it still answers";
}

TEST_F(ControlSocket, ConcurrentQueriesWhileTrafficFlowsAreAlwaysValidJson) {
    auto pair = connected("busy");
    ASSERT_TRUE(pair.accepted.is_open());
    auto* accepted = &pair.accepted;
    auto& client = pair.client;
    std::atomic<bool> stop{false};
    std::thread traffic([&] {
        const std::byte msg[32] = {};
        std::byte back[32];
        while (!stop) {
            if (client.to_peer().send(msg) && accepted->from_peer().receive(back, 1s)) {
                continue;
            }
        }
    });
    std::vector<std::thread> askers;
    std::atomic<int> valid{0};
    for (int t = 0; t < 4; ++t) {
        askers.emplace_back([&] {
            for (int i = 0; i < 10; ++i) {
                const int s = raw_client(
                    path, i % 2 == 0 ? "{\"get\":\"connections\"}\n" : "{\"get\":\"snapshot\"}\n");
                const auto text = s >= 0 ? read_all(s) : std::string();
                ::close(s);
                const auto doc = nlohmann::json::parse(text, nullptr, false);
                valid += doc.is_object() && text.ends_with("\n") ? 1 : 0;
            }
        });
    }
    for (auto& a : askers) {
        a.join();
    }
    stop = true;
    traffic.join();
    EXPECT_EQ(valid.load(), 40) << "one whole JSON line each, every time";
}

}  // namespace
