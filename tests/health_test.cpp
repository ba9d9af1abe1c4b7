// Health at a glance: each endpoint's and channel's state as inspect judges it, from real rings
// (idle, ok, backpressure, dropping, peer_dead) and from snapshots edited the way time and death
// change them (idle after a while, stale, corrupt). No display needed.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "ipc/inspect.hpp"
#include "ipc/ring.hpp"
#include "ipc/telemetry.hpp"
#include "support/names.hpp"

namespace {

using ipc::inspect::health_state;

struct ring_pair {
    std::string name = ipc::test::unique_name("health");
    ipc::ring_writer writer;
    ipc::ring_reader reader;
    std::vector<std::byte> message = std::vector<std::byte>(1000);

    ring_pair() {
        ipc::ring_options small;
        small.max_message = 1000;
        small.capacity = 16 * 1024;
        writer = std::move(ipc::ring_writer::open(name, small).value());
        reader = std::move(ipc::ring_reader::open(name, small).value());
    }
    void send_and_read(int count) {
        std::vector<std::byte> buf(1000);
        for (int i = 0; i < count; ++i) {
            ASSERT_TRUE(writer.try_send(message));
            ASSERT_TRUE(reader.try_receive(buf));
        }
    }
    // Sends until the ring refuses one message (counted as dropped).
    void fill() {
        while (writer.try_send(message)) {
        }
    }
    ipc::inspect::snapshot snapshot() const {
        return ipc::inspect::filtered(ipc::inspect::take_snapshot(), {.name = name});
    }
};

const ipc::inspect::endpoint_info& endpoint(const ipc::inspect::snapshot& s,
                                            ipc::inspect::endpoint_role role) {
    for (const auto& p : s.processes) {
        for (const auto& e : p.endpoints) {
            if (e.role == role) {
                return e;
            }
        }
    }
    ADD_FAILURE() << "no " << to_string(role) << " endpoint";
    static const ipc::inspect::endpoint_info none;
    return none;
}

const ipc::inspect::channel_info& only_channel(const ipc::inspect::snapshot& s) {
    EXPECT_EQ(s.channels.size(), 1u);
    static const ipc::inspect::channel_info none;
    return s.channels.empty() ? none : s.channels.front();
}

TEST(Health, ARingWithoutTrafficIsIdleAndWithTrafficOk) {
    ring_pair ring;
    auto quiet = ring.snapshot();
    EXPECT_EQ(endpoint(quiet, ipc::inspect::endpoint_role::writer).health.state,
              health_state::idle);
    EXPECT_EQ(endpoint(quiet, ipc::inspect::endpoint_role::writer).health.reason, "no traffic yet");
    EXPECT_EQ(only_channel(quiet).health.state, health_state::idle);

    ring.send_and_read(3);
    const auto busy = ring.snapshot();
    EXPECT_EQ(endpoint(busy, ipc::inspect::endpoint_role::writer).health.state, health_state::ok);
    EXPECT_EQ(endpoint(busy, ipc::inspect::endpoint_role::reader).health.state, health_state::ok);
    const auto& channel = only_channel(busy);
    EXPECT_EQ(channel.health.state, health_state::ok);
    EXPECT_EQ(channel.health.reason, "");
    ASSERT_EQ(channel.ends.size(), 2u);
    EXPECT_EQ(channel.ends[0].role, ipc::inspect::endpoint_role::writer);
    EXPECT_EQ(channel.ends[1].role, ipc::inspect::endpoint_role::reader);
}

TEST(Health, TrafficOlderThanIdleAfterIsIdle) {
    ring_pair ring;
    ring.send_and_read(1);
    auto later = ring.snapshot();
    later.taken_ns += ipc::inspect::idle_after_ns + 2'000'000'000;
    ipc::inspect::judge_health(later, nullptr);
    const auto& writer = endpoint(later, ipc::inspect::endpoint_role::writer);
    EXPECT_EQ(writer.health.state, health_state::idle);
    EXPECT_EQ(writer.health.reason.rfind("no traffic for ", 0), 0u) << writer.health.reason;
    EXPECT_EQ(only_channel(later).health.state, health_state::idle);
}

TEST(Health, AFullRingIsBackpressureAndItsRefusalsDroppingBetweenTwoSnapshots) {
    ring_pair ring;
    ring.send_and_read(1);
    const auto before = ring.snapshot();
    ring.fill();
    auto full = ring.snapshot();
    // Alone, a snapshot cannot tell new drops from old ones: the full ring is what it says.
    EXPECT_EQ(endpoint(full, ipc::inspect::endpoint_role::writer).health.state,
              health_state::backpressure);
    EXPECT_EQ(only_channel(full).health.state, health_state::backpressure);
    EXPECT_NE(only_channel(full).health.reason.find("% full"), std::string::npos);

    ipc::inspect::judge_health(full, &before);
    const auto& writer = endpoint(full, ipc::inspect::endpoint_role::writer);
    EXPECT_EQ(writer.health.state, health_state::dropping);
    EXPECT_EQ(writer.health.reason, "1 dropped since the snapshot before");
    EXPECT_EQ(only_channel(full).health.state, health_state::dropping);

    auto again = ring.snapshot();  // nothing dropped since `full`
    ipc::inspect::judge_health(again, &full);
    EXPECT_EQ(endpoint(again, ipc::inspect::endpoint_role::writer).health.state,
              health_state::backpressure);
}

// A writer that exits without closing (as a killed child does) leaves its end attached to a
// dead pid: its reader is told, and so is whoever looks at the channel.
TEST(Health, AReaderWhoseWriterDiedSaysPeerDead) {
    const std::string name = ipc::test::unique_name("health-dead");
    auto reader = ipc::ring_reader::open(name);
    ASSERT_TRUE(reader) << reader.error_value().message();
    const pid_t writer = ::fork();
    if (writer == 0) {
        auto w = ipc::ring_writer::open(name);
        ipc::telemetry::remove_segment();
        ::_exit(w ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(writer, &status, 0), writer);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    const auto s = ipc::inspect::filtered(ipc::inspect::take_snapshot(), {.name = name});
    const auto& e = endpoint(s, ipc::inspect::endpoint_role::reader);
    EXPECT_EQ(e.health.state, health_state::peer_dead);
    EXPECT_EQ(e.health.reason, "writer " + std::to_string(writer) + " died");
    EXPECT_EQ(only_channel(s).health.state, health_state::peer_dead);
}

TEST(Health, EndpointsOfADeadProcessAreStaleAndCorruptRecordsCorrupt) {
    ring_pair ring;
    ring.send_and_read(1);
    auto s = ring.snapshot();
    ASSERT_EQ(s.processes.size(), 1u);
    auto& p = s.processes.front();
    p.alive = false;
    ipc::inspect::judge_health(s, nullptr);
    for (const auto& e : p.endpoints) {
        EXPECT_EQ(e.health.state, health_state::stale);
        EXPECT_EQ(e.health.reason, "process " + std::to_string(p.pid) + " is gone");
    }
    p.alive = true;
    p.endpoints.front().error = "latency counts disagree";
    ipc::inspect::judge_health(s, nullptr);
    EXPECT_EQ(p.endpoints.front().health.state, health_state::corrupt);
    EXPECT_EQ(p.endpoints.front().health.reason, "latency counts disagree");
    EXPECT_EQ(only_channel(s).health.state, health_state::corrupt);
}

TEST(Health, ExportsSayIt) {
    ring_pair ring;
    ring.send_and_read(1);
    const auto s = ring.snapshot();
    const std::string csv = ipc::inspect::to_csv(s);
    EXPECT_NE(csv.find(",health,health_reason\r\n"), std::string::npos);
    EXPECT_NE(csv.find(",ok,\r\n"), std::string::npos) << csv;
    const std::string json = ipc::inspect::to_json(s);
    EXPECT_NE(json.find(R"("health":{"reason":"","state":"ok"})"), std::string::npos) << json;
    EXPECT_NE(json.find(R"("channels":[)"), std::string::npos);
    const std::string prom = ipc::inspect::to_prometheus(s);
    EXPECT_NE(prom.find("libipc_channel_health{channel=\"" + ring.name), std::string::npos);
    EXPECT_NE(prom.find("state=\"ok\"} 1"), std::string::npos);
    EXPECT_NE(prom.find("state=\"dropping\"} 0"), std::string::npos);
}

// A snapshot as a slots host and its guests would leave it: one channel of `slots` slots, of
// which `busy` are not free, the host's endpoint, and a guest end per `guests` pid.
struct slots_scene {
    ipc::inspect::snapshot s;
    slots_scene(std::uint64_t slots, std::uint64_t busy,
                std::vector<ipc::inspect::end_info> guests) {
        s.taken_ns = 10'000'000'000;
        ipc::inspect::channel_info c;
        c.kind = ipc::inspect::channel_kind::slots;
        c.name = "calls";
        c.segment = "libipc-slots-calls";
        c.capacity = slots;
        c.used = busy;
        c.ends.push_back({ipc::inspect::endpoint_role::host,
                          {.pid = 100, .state = ipc::inspect::end_state::attached, .alive = true}});
        for (const auto& g : guests) {
            c.ends.push_back({ipc::inspect::endpoint_role::guest, g});
        }
        s.channels.push_back(c);
        ipc::inspect::process_info host;
        host.pid = 100;
        host.alive = true;
        ipc::inspect::endpoint_info e;
        e.kind = ipc::inspect::channel_kind::slots;
        e.role = ipc::inspect::endpoint_role::host;
        e.segment = c.segment;
        e.last_activity_ns = s.taken_ns - 1'000'000;
        host.endpoints.push_back(e);
        s.processes.push_back(host);
        ipc::inspect::judge_health(s, nullptr);
    }
    const ipc::inspect::health_verdict& host() const { return s.processes[0].endpoints[0].health; }
};

const ipc::inspect::end_info live_guest{
    .pid = 101, .state = ipc::inspect::end_state::attached, .alive = true};

TEST(Health, SlotsAreBackpressuredOnlyWhenEverySlotIsBusy) {
    EXPECT_EQ(slots_scene(16, 15, {live_guest}).host().state, health_state::ok);
    const slots_scene full(16, 16, {live_guest});
    EXPECT_EQ(full.host().state, health_state::backpressure);
    EXPECT_EQ(full.host().reason, "all 16 slots busy");
    EXPECT_EQ(full.s.channels[0].health.state, health_state::backpressure);
}

TEST(Health, AHostWhoseGuestDiedSaysPeerDead) {
    const slots_scene scene(
        4, 1,
        {live_guest, {.pid = 102, .state = ipc::inspect::end_state::attached, .alive = false}});
    EXPECT_EQ(scene.host().state, health_state::peer_dead);
    EXPECT_EQ(scene.host().reason, "guest 102 died");
    // A guest that closed its end cleanly is not dead.
    const slots_scene closed(4, 1, {{.pid = 103, .state = ipc::inspect::end_state::closed}});
    EXPECT_EQ(closed.host().state, health_state::ok);
}

// A ring this observer may not read (another user's memfd) is not corrupt: it says nothing of
// its state, and its endpoints are judged by what they know.
TEST(Health, AnUnreadableRingIsNotCorrupt) {
    slots_scene scene(4, 0, {live_guest});
    auto& c = scene.s.channels[0];
    c.error = "permission_denied: cannot open the holder's fd through /proc";
    c.unreadable = true;
    ipc::inspect::judge_health(scene.s, nullptr);
    EXPECT_EQ(scene.host().state, health_state::ok);
    c.unreadable = false;  // read, and found broken
    ipc::inspect::judge_health(scene.s, nullptr);
    EXPECT_EQ(scene.host().state, health_state::corrupt);
}

// An endpoint whose channel's segment failed validation has no channel entry: the segment's
// error still makes it corrupt.
TEST(Health, AnEndpointOfABrokenSegmentIsCorrupt) {
    slots_scene scene(4, 0, {live_guest});
    scene.s.channels.clear();
    ipc::inspect::segment_entry broken;
    broken.name = "libipc-slots-calls";
    broken.error = "corrupt: slot count out of range";
    scene.s.segments.push_back(broken);
    ipc::inspect::judge_health(scene.s, nullptr);
    EXPECT_EQ(scene.host().state, health_state::corrupt);
    EXPECT_EQ(scene.host().reason, broken.error);
}

// A spoofed telemetry segment may name anybody's channel: its endpoints are corrupt, but they
// do not make the channel so.
TEST(Health, ASpoofedProcessDoesNotSpoilAChannel) {
    slots_scene scene(4, 0, {live_guest});
    auto forger = scene.s.processes[0];
    forger.pid = 666;
    forger.spoofed = true;
    forger.alive = false;
    scene.s.processes.push_back(forger);
    ipc::inspect::judge_health(scene.s, nullptr);
    EXPECT_EQ(scene.s.processes[1].endpoints[0].health.state, health_state::corrupt);
    EXPECT_EQ(scene.s.channels[0].health.state, health_state::ok);
}

TEST(Rates, SlotsCallsAreCountedOnceAndRingEndsAsTheyAre) {
    ipc::inspect::endpoint_rates host{.sent_per_s = 10'000, .received_per_s = 10'000};
    EXPECT_EQ(host.messages_per_s(), 10'000);
    ipc::inspect::endpoint_rates writer{.sent_per_s = 5'000, .bytes_out_per_s = 500'000};
    EXPECT_EQ(writer.messages_per_s(), 5'000);
    EXPECT_EQ(writer.bytes_per_s(), 500'000);
}

}  // namespace
