// Two real processes: the ring_peer helper on one side, the test process on the other.

#include <gtest/gtest.h>
#include <signal.h>

#include <cstring>
#include <string>
#include <vector>

#include "ipc/inspect.hpp"
#include "ipc/ring.hpp"
#include "support/child_process.hpp"
#include "support/names.hpp"
#include "support/scale.hpp"
#include "support/traffic.hpp"

namespace {

using ipc::errc;
using ipc::test::child_process;
using namespace std::chrono_literals;

constexpr std::uint64_t stream_length = 1'000'000 / ipc::test::stream_divisor;
constexpr std::size_t max_size = 1024;

std::vector<std::string> peer(const std::string& role, const std::string& name, std::uint64_t count,
                              const std::string& strategy, std::uint64_t capacity = 0,
                              const std::string& extra = "") {
    std::vector<std::string> argv = {IPC_TEST_RING_PEER,
                                     role,
                                     name,
                                     std::to_string(count),
                                     "42",
                                     std::to_string(max_size),
                                     strategy,
                                     std::to_string(capacity)};
    if (!extra.empty()) {
        argv.push_back(extra);
    }
    return argv;
}

ipc::ring_options options_for(ipc::wait_strategy s) {
    ipc::ring_options o;
    o.max_message = max_size;
    o.wait = s;
    return o;
}

// Reads `count` messages of the helper's stream and checks every byte.
void expect_stream(ipc::ring_reader& r, std::uint64_t count) {
    std::vector<std::byte> expected(max_size);
    for (std::uint64_t i = 0; i < count; ++i) {
        auto v = r.read(10s);
        ASSERT_TRUE(v) << "message " << i << ": " << v.error_value().message();
        const auto size = ipc::test::message_size(42, i, max_size);
        ASSERT_EQ(v->payload.size(), size) << "message " << i;
        ipc::test::fill_message(42, i, std::span(expected.data(), size));
        ASSERT_EQ(std::memcmp(v->payload.data(), expected.data(), size), 0) << "message " << i;
        r.release();
    }
}

class RingStream : public ::testing::TestWithParam<std::pair<ipc::wait_strategy, const char*>> {};

TEST_P(RingStream, MillionMessagesOfRandomSizesArriveInOrderIntact) {
    const auto [strategy, strategy_arg] = GetParam();
    const auto name = ipc::test::unique_name(strategy_arg);
    auto r = ipc::ring_reader::open(name, options_for(strategy));
    ASSERT_TRUE(r) << r.error_value().message();
    child_process writer(peer("write", name, stream_length, strategy_arg));
    expect_stream(*r, stream_length);
    auto status = writer.wait(30s);
    ASSERT_TRUE(status);
    EXPECT_EQ(ipc::test::exit_code(*status), 0);
    // The writer closed after its last message: nothing more, then peer_closed (not a crash).
    EXPECT_EQ(r->read(10s).code(), errc::peer_closed);
}

INSTANTIATE_TEST_SUITE_P(EachWaitStrategy, RingStream,
                         ::testing::Values(std::make_pair(ipc::wait_strategy::busy_spin, "spin"),
                                           std::make_pair(ipc::wait_strategy::adaptive, "adaptive"),
                                           std::make_pair(ipc::wait_strategy::blocking,
                                                          "blocking")),
                         [](const auto& info) { return std::string(info.param.second); });

TEST(RingPeers, WriterSeesPeerGoneWhenReaderIsKilled) {
    const auto name = ipc::test::unique_name("killreader");
    auto w = ipc::ring_writer::open(name, options_for(ipc::wait_strategy::adaptive));
    ASSERT_TRUE(w);
    // The reader expects more messages than we will ever send, so it is mid-stream when killed.
    child_process reader(peer("read", name, stream_length * 10, "adaptive"));
    std::vector<std::byte> msg(max_size);
    std::uint64_t i = 0;
    const auto send_next = [&] {
        const auto size = ipc::test::message_size(42, i, max_size);
        ipc::test::fill_message(42, i, std::span(msg.data(), size));
        ++i;
        return w->send(std::span(msg.data(), size), 10s);
    };
    // Stream until the reader has consumed some messages, then kill it.
    ASSERT_TRUE(ipc::test::eventually(
        [&] {
            EXPECT_TRUE(send_next());
            auto ring = ipc::inspect::read_ring("libipc-ring-" + name);
            return ring && ring->read_count > 1000;
        },
        10s));
    reader.kill(SIGKILL);
    ASSERT_TRUE(reader.wait(10s));
    ipc::result<void> last;
    while ((last = send_next())) {
    }
    EXPECT_EQ(last.code(), errc::peer_gone) << last.error_value().message();
}

TEST(RingPeers, ReaderDrainsThenSeesPeerGoneWhenWriterIsKilled) {
    const auto name = ipc::test::unique_name("killwriter");
    ipc::ring_options o = options_for(ipc::wait_strategy::adaptive);
    o.capacity = 4 << 20;  // room for every message the writer commits before it is killed
    auto r = ipc::ring_reader::open(name, o);
    ASSERT_TRUE(r);
    constexpr std::uint64_t committed = 2000;
    std::vector<std::string> argv = peer("write", name, committed, "adaptive", o.capacity, "hold");
    child_process writer(argv);
    ASSERT_TRUE(ipc::test::eventually(
        [&] {
            auto ring = ipc::inspect::read_ring("libipc-ring-" + name);
            return ring && ring->write_count == committed;
        },
        10s));
    writer.kill(SIGKILL);
    ASSERT_TRUE(writer.wait(10s));
    expect_stream(*r, committed);
    EXPECT_EQ(r->read(10s).code(), errc::peer_gone);
}

}  // namespace
