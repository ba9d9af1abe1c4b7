#include "ipc/telemetry.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <vector>

#include "ipc/inspect.hpp"
#include "ipc/ring.hpp"
#include "ipc/shm.hpp"
#include "support/dead_peer.hpp"
#include "support/names.hpp"

namespace {

using namespace std::chrono_literals;

const ipc::inspect::endpoint_info* find(const ipc::inspect::process_info& p,
                                        const std::string& name, ipc::inspect::endpoint_role role) {
    for (const auto& e : p.endpoints) {
        if (e.name == name && e.role == role && e.state == ipc::inspect::endpoint_state::active) {
            return &e;
        }
    }
    return nullptr;
}

ipc::inspect::process_info self_telemetry() {
    auto p = ipc::inspect::read_telemetry(ipc::telemetry::segment_object_name(::getpid()));
    EXPECT_TRUE(p) << p.error_value().message();
    return p ? *p : ipc::inspect::process_info{};
}

TEST(Telemetry, CountersMatchAKnownRun) {
    const auto name = ipc::test::unique_name("counted");
    ipc::ring_options o;
    o.max_message = 100;
    o.capacity = 1024;  // 15 records of 64 bytes (one 16-byte slot stays free)
    auto w = ipc::ring_writer::open(name, o);
    auto r = ipc::ring_reader::open(name, o);
    ASSERT_TRUE(w && r);
    std::vector<std::byte> msg(48);
    int sent = 0;
    int dropped = 0;
    for (int i = 0; i < 20; ++i) {
        if (w->try_send(msg)) {
            ++sent;
        } else {
            ++dropped;
        }
    }
    std::vector<std::byte> too_big(101);
    EXPECT_FALSE(w->try_send(too_big));
    ++dropped;
    ASSERT_EQ(sent, 15);
    std::vector<std::byte> buf(100);
    for (int i = 0; i < 10; ++i) {
        ASSERT_TRUE(r->try_receive(buf));
    }

    const auto p = self_telemetry();
    EXPECT_TRUE(p.alive);
    EXPECT_EQ(p.pid, ::getpid());
    const auto* we = find(p, name, ipc::inspect::endpoint_role::writer);
    const auto* re = find(p, name, ipc::inspect::endpoint_role::reader);
    ASSERT_TRUE(we && re);
    EXPECT_EQ(we->kind, ipc::inspect::channel_kind::ring);
    EXPECT_EQ(we->region, "/libipc-ring-" + name);
    EXPECT_EQ(we->counters.sent, 15u);
    EXPECT_EQ(we->counters.bytes_out, 15u * 48);
    EXPECT_EQ(we->counters.dropped, static_cast<std::uint64_t>(dropped));
    EXPECT_EQ(we->counters.queue_depth_hwm, 15u);
    EXPECT_EQ(re->counters.received, 10u);
    EXPECT_EQ(re->counters.bytes_in, 10u * 48);
    // Ten messages read back to back, a backlog: the first is timed, the next nine were not due.
    EXPECT_EQ(re->latency.count, 1u);
    EXPECT_EQ(re->counters.latency_count, 1u);
    EXPECT_GE(re->latency.max_ns, re->latency.p50_ns);
    // Exact occupancy comes from the ring; the reader's own depth is refreshed periodically
    // (every refresh_interval messages), so here it can only be bounded.
    auto ring = ipc::inspect::read_ring("libipc-ring-" + name);
    ASSERT_TRUE(ring);
    EXPECT_EQ(ring->occupancy_messages, 5u);
    EXPECT_LE(re->counters.queue_depth, 5u);
}

// Every message that follows a wait is timed; in a backlog one in latency_sample_interval is,
// the first of each run, so that a reader catching up spends no clock read on most messages.
TEST(Telemetry, AReaderTimesEachMessageAfterAWaitAndOneInSixteenOfABacklog) {
    const auto name = ipc::test::unique_name("sampled");
    ipc::ring_options o;
    o.max_message = 16;
    auto w = ipc::ring_writer::open(name, o);
    auto r = ipc::ring_reader::open(name, o);
    ASSERT_TRUE(w && r);
    const std::vector<std::byte> msg(16);
    std::vector<std::byte> buf(16);
    for (int i = 0; i < 40; ++i) {
        ASSERT_TRUE(w->try_send(msg));
    }
    for (int i = 0; i < 40; ++i) {
        ASSERT_TRUE(r->try_receive(buf));  // timed: the 1st, 17th and 33rd
    }
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(r->try_receive(buf).code(), ipc::errc::empty);
        ASSERT_TRUE(w->try_send(msg));
        ASSERT_TRUE(r->try_receive(buf));  // after finding the ring empty: timed
    }
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(r->read(1us).code(), ipc::errc::timeout);  // a wait that found nothing
        ASSERT_TRUE(w->try_send(msg));
        ASSERT_TRUE(r->receive(buf, 1s));  // timed
    }
    const auto p = self_telemetry();
    const auto* re = find(p, name, ipc::inspect::endpoint_role::reader);
    ASSERT_NE(re, nullptr);
    EXPECT_EQ(re->counters.received, 50u);
    EXPECT_EQ(re->counters.bytes_in, 50u * 16);
    EXPECT_EQ(re->latency.count, 3u + 5u + 5u);
}

TEST(Telemetry, WriterLearnsAReaderThatAttachesLater) {
    const auto name = ipc::test::unique_name("latepeer");
    auto w = ipc::ring_writer::open(name);
    ASSERT_TRUE(w);
    auto r = ipc::ring_reader::open(name);  // attaches after the writer
    ASSERT_TRUE(r);
    ASSERT_TRUE(w->try_send(std::vector<std::byte>(8)));
    const auto p = self_telemetry();
    const auto* we = find(p, name, ipc::inspect::endpoint_role::writer);
    ASSERT_TRUE(we);
    EXPECT_EQ(we->peer_pid, ::getpid());
}

TEST(Telemetry, ClosedEndpointKeepsItsCountersUntilReused) {
    const auto name = ipc::test::unique_name("closedrec");
    {
        auto w = ipc::ring_writer::open(name);
        ASSERT_TRUE(w);
        ASSERT_TRUE(w->try_send(std::vector<std::byte>(8)));
    }
    const auto p = self_telemetry();
    bool seen = false;
    for (const auto& e : p.endpoints) {
        if (e.name == name) {
            EXPECT_EQ(e.state, ipc::inspect::endpoint_state::closed);
            EXPECT_EQ(e.counters.sent, 1u);
            seen = true;
        }
    }
    EXPECT_TRUE(seen);
}

// Observers tell a blocked process from a hung one by its heartbeat: a call that waits beats at
// each peer check (every 20 ms), not only when it opens or closes an endpoint.
TEST(Telemetry, AProcessBlockedInACallKeepsBeating) {
    ipc::ring_options o;
    o.max_message = 64;
    o.wait = ipc::wait_strategy::blocking;
    auto r = ipc::ring_reader::open(ipc::test::unique_name("beating"), o);
    ASSERT_TRUE(r);
    const auto before = self_telemetry().heartbeat_ns;
    EXPECT_EQ(r->read(100ms).code(), ipc::errc::timeout);
    EXPECT_GT(self_telemetry().heartbeat_ns, before);
}

TEST(Telemetry, EndpointOptionTurnsCountingOff) {
    const auto name = ipc::test::unique_name("nocount");
    ipc::ring_options o;
    o.telemetry = false;
    auto w = ipc::ring_writer::open(name, o);
    ASSERT_TRUE(w);
    // Either this process has no telemetry segment at all, or it has no record for the ring.
    auto p = ipc::inspect::read_telemetry(ipc::telemetry::segment_object_name(::getpid()));
    if (p) {
        EXPECT_EQ(find(*p, name, ipc::inspect::endpoint_role::writer), nullptr);
    } else {
        EXPECT_EQ(p.code(), ipc::errc::not_found);
    }
}

TEST(Telemetry, EnvironmentTurnsItOff) {
    ::setenv("IPC_TELEMETRY", "0", 1);
    EXPECT_FALSE(ipc::telemetry::enabled_by_environment());
    auto e = ipc::telemetry::endpoint::open(
        {ipc::layout::channel_kind::ring, ipc::layout::endpoint_role::writer, "x", "y"});
    ASSERT_TRUE(e);
    EXPECT_FALSE(e->active());
    ::setenv("IPC_TELEMETRY", "1", 1);
    EXPECT_TRUE(ipc::telemetry::enabled_by_environment());
    ::unsetenv("IPC_TELEMETRY");
}

TEST(Inspect, SnapshotJsonParsesBackWithRingState) {
    const auto name = ipc::test::unique_name("json");
    auto w = ipc::ring_writer::open(name);
    auto r = ipc::ring_reader::open(name);
    ASSERT_TRUE(w && r);
    for (int i = 0; i < 5; ++i) {
        ASSERT_TRUE(w->try_send(std::vector<std::byte>(30)));
    }
    ASSERT_TRUE(r->read(1s));
    r->release();
    const auto doc = nlohmann::json::parse(ipc::inspect::to_json(ipc::inspect::take_snapshot()));
    EXPECT_EQ(doc["schema"], "libipc.snapshot/1");
    bool ring_seen = false;
    for (const auto& ring : doc["rings"]) {
        if (ring["name"] == name) {
            ring_seen = true;
            EXPECT_EQ(ring["write_count"], 5);
            EXPECT_EQ(ring["read_count"], 1);
            EXPECT_EQ(ring["occupancy_messages"], 4);
            EXPECT_EQ(ring["occupancy_bytes"], 4 * 48);
            EXPECT_EQ(ring["writer"]["pid"], ::getpid());
            EXPECT_EQ(ring["writer"]["alive"], true);
            EXPECT_EQ(ring["stale"], false);
        }
    }
    EXPECT_TRUE(ring_seen);
    bool process_seen = false;
    for (const auto& p : doc["processes"]) {
        if (p["pid"] == ::getpid()) {
            process_seen = true;
            EXPECT_EQ(p["alive"], true);
        }
    }
    EXPECT_TRUE(process_seen);
}

TEST(Inspect, RatesBetweenSnapshots) {
    ipc::inspect::endpoint_info a;
    a.counters.sent = 100;
    a.counters.bytes_out = 1000;
    auto b = a;
    b.counters.sent = 300;
    b.counters.bytes_out = 5000;
    const auto rates = ipc::inspect::rates(a, b, 2'000'000'000);
    EXPECT_DOUBLE_EQ(rates.sent_per_s, 100.0);
    EXPECT_DOUBLE_EQ(rates.bytes_out_per_s, 2000.0);
    b.generation = a.generation + 1;  // the record was reused: no rate
    EXPECT_DOUBLE_EQ(ipc::inspect::rates(a, b, 2'000'000'000).sent_per_s, 0.0);
}

TEST(Inspect, StaleSegmentOfADeadProcessIsReported) {
    const auto name = ipc::test::unique_name("stale");
    ipc::test::leave_ring_of_dead_writer(name);
    bool found = false;
    for (const auto& s : ipc::inspect::discover()) {
        if (s.name == "libipc-ring-" + name) {
            found = true;
            EXPECT_EQ(s.kind, ipc::inspect::segment_kind::ring);
            EXPECT_TRUE(s.stale);
            EXPECT_TRUE(s.error.empty()) << s.error;
        }
    }
    EXPECT_TRUE(found);
    // A new pair replaces the abandoned segment rather than replaying it.
    auto w = ipc::ring_writer::open(name);
    ASSERT_TRUE(w) << w.error_value().message();
    auto ring = ipc::inspect::read_ring("libipc-ring-" + name);
    ASSERT_TRUE(ring);
    EXPECT_FALSE(ring->stale);
    EXPECT_EQ(ring->writer.pid, ::getpid());
}

}  // namespace
