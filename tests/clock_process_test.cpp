// Processes that stamp with different clocks (IPC_CLOCK=monotonic in one of them): the reader
// still measures real latencies, and an observer decodes each process's stamps.

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "ipc/inspect.hpp"
#include "ipc/ring.hpp"
#include "support/child_process.hpp"
#include "support/message_stream.hpp"
#include "support/names.hpp"

extern char** environ;

namespace {

using ipc::test::child_process;
using namespace std::chrono_literals;

constexpr std::uint64_t messages = 2'000;
constexpr std::size_t max_size = 256;

ipc::ring_options ring_options() {
    ipc::ring_options o;
    o.max_message = max_size;
    return o;
}

ipc::spawn_options on_monotonic_clock() {
    ipc::spawn_options how;
    for (char** e = environ; *e != nullptr; ++e) {
        how.environment.emplace_back(*e);
    }
    how.environment.emplace_back("IPC_CLOCK=monotonic");
    return how;
}

child_process ring_peer(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {IPC_TEST_RING_PEER};
    argv.insert(argv.end(), args.begin(), args.end());
    return child_process(argv, on_monotonic_clock());
}

const ipc::inspect::process_info* process(const ipc::inspect::snapshot& s, pid_t pid) {
    for (const auto& p : s.processes) {
        if (p.pid == pid) {
            return &p;
        }
    }
    return nullptr;
}

const ipc::inspect::endpoint_info* endpoint(const ipc::inspect::process_info& p,
                                            const std::string& name) {
    for (const auto& e : p.endpoints) {
        if (e.name == name && e.state == ipc::inspect::endpoint_state::active) {
            return &e;
        }
    }
    return nullptr;
}

// A snapshot and the time it was done: a stamp converted while the snapshot was taken may be
// later than its taken_ns.
struct observed {
    ipc::inspect::snapshot s;
    std::uint64_t done_ns = 0;
};
observed observe() {
    observed o{ipc::inspect::take_snapshot(), 0};
    o.done_ns = ipc::monotonic_ns();
    return o;
}

void expect_active_within(const ipc::inspect::endpoint_info& e, std::uint64_t started,
                          const observed& o) {
    EXPECT_GE(e.last_activity_ns, started);
    EXPECT_LE(e.last_activity_ns, o.done_ns);
}

// What both tests check of the reader's record: messages measured, real latencies (not 0,
// not longer than the test), and a last activity inside the test, whichever clock stamped it.
void expect_real_latencies(const ipc::inspect::endpoint_info& reader, std::uint64_t started,
                           const observed& o) {
    // Each message after a wait is timed, one in 16 of a backlog.
    EXPECT_GE(reader.latency.count, messages / 16);
    EXPECT_LE(reader.latency.count, messages);
    EXPECT_GT(reader.latency.p50_ns, 0u);
    EXPECT_LE(reader.latency.max_ns, o.done_ns - started);
    expect_active_within(reader, started, o);
}

TEST(MixedClocks, AReaderMeasuresTheLatencyOfAWriterOnTheOtherClock) {
    const auto name = ipc::test::unique_name("clockw");
    auto reader = ipc::ring_reader::open(name, ring_options());
    ASSERT_TRUE(reader) << reader.error_value().message();
    const std::uint64_t started = ipc::monotonic_ns();
    // It stays (holds) after its last message, so that its record can be observed.
    child_process writer = ring_peer({"write", name, std::to_string(messages), "42",
                                      std::to_string(max_size), "adaptive", "0", "hold"});
    for (std::uint64_t i = 0; i < messages; ++i) {
        auto v = reader->read(10s);
        ASSERT_TRUE(v) << "message " << i << ": " << v.error_value().message();
        ASSERT_EQ(v->payload.size(), ipc::test::message_size(42, i, max_size));
        reader->release();
    }
    const observed o = observe();
    const auto* me = process(o.s, ::getpid());
    ASSERT_NE(me, nullptr);
    const auto* mine = endpoint(*me, name);
    ASSERT_NE(mine, nullptr);
    expect_real_latencies(*mine, started, o);
    const auto* other = process(o.s, writer.pid());
    ASSERT_NE(other, nullptr);
    EXPECT_EQ(other->clock, "monotonic");
    const auto* theirs = endpoint(*other, name);
    ASSERT_NE(theirs, nullptr);
    expect_active_within(*theirs, started, o);
}

TEST(MixedClocks, AReaderOnTheOtherClockMeasuresOurLatency) {
    const auto name = ipc::test::unique_name("clockr");
    auto writer = ipc::ring_writer::open(name, ring_options());
    ASSERT_TRUE(writer) << writer.error_value().message();
    const std::uint64_t started = ipc::monotonic_ns();
    // It expects one message more than we send at first, so it stays to be observed.
    child_process reader = ring_peer({"read", name, std::to_string(messages + 1), "42",
                                      std::to_string(max_size), "adaptive", "0"});
    std::vector<std::byte> message(max_size);
    const auto send = [&](std::uint64_t i) {
        const auto size = ipc::test::message_size(42, i, max_size);
        ipc::test::fill_message(42, i, std::span(message.data(), size));
        return writer->send(std::span(message.data(), size), 10s);
    };
    for (std::uint64_t i = 0; i < messages; ++i) {
        ASSERT_TRUE(send(i)) << "message " << i;
    }
    observed o;
    const ipc::inspect::endpoint_info* theirs = nullptr;
    ASSERT_TRUE(ipc::test::eventually(
        [&] {
            o = observe();
            const auto* other = process(o.s, reader.pid());
            theirs = other != nullptr ? endpoint(*other, name) : nullptr;
            return theirs != nullptr && theirs->counters.received == messages;
        },
        10s));
    EXPECT_EQ(process(o.s, reader.pid())->clock, "monotonic");
    expect_real_latencies(*theirs, started, o);
    const auto* me = process(o.s, ::getpid());
    ASSERT_NE(me, nullptr);
    const auto* mine = endpoint(*me, name);
    ASSERT_NE(mine, nullptr);
    expect_active_within(*mine, started, o);
    ASSERT_TRUE(send(messages));
    auto status = reader.wait(30s);
    ASSERT_TRUE(status);
    EXPECT_EQ(ipc::test::exit_code(*status), 0);
}

}  // namespace
