// Two real processes: the ring_peer helper on one side, the test process on the other.

#include <gtest/gtest.h>
#include <signal.h>

#include <cstring>
#include <string>
#include <vector>

#include "ipc/ring.hpp"
#include "support/child_process.hpp"
#include "support/message_stream.hpp"
#include "support/names.hpp"
#include "support/ring_sources.hpp"
#include "support/scale.hpp"

namespace {

using ipc::errc;
using ipc::test::child_process;
using namespace std::chrono_literals;

constexpr std::uint64_t stream_length = 1'000'000 / ipc::test::stream_divisor;
constexpr std::size_t max_size = 1024;

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

using ipc::test::region_source;

std::vector<std::string> stream_args(std::uint64_t count, const std::string& strategy,
                                     std::uint64_t capacity = 0, const std::string& extra = "") {
    std::vector<std::string> rest = {std::to_string(count), "42", std::to_string(max_size),
                                     strategy, std::to_string(capacity)};
    if (!extra.empty()) {
        rest.push_back(extra);
    }
    return rest;
}

// Every test of the ring between two processes runs over each source of its memory.
using stream_case = std::tuple<region_source, std::pair<ipc::wait_strategy, const char*>>;
class RingStream : public ::testing::TestWithParam<stream_case> {};

TEST_P(RingStream, MillionMessagesOfRandomSizesArriveInOrderIntact) {
    const auto [source, wait] = GetParam();
    const auto [strategy, strategy_arg] = wait;
    ipc::test::ring_under_test ring(source, ipc::test::unique_name(strategy_arg),
                                    options_for(strategy));
    auto r = ring.reader();
    ASSERT_TRUE(r) << r.error_value().message();
    child_process writer = ring.start_peer("write", stream_args(stream_length, strategy_arg));
    expect_stream(*r, stream_length);
    auto status = writer.wait(30s);
    ASSERT_TRUE(status);
    EXPECT_EQ(ipc::test::exit_code(*status), 0);
    // The writer closed after its last message: nothing more, then peer_closed (not a crash).
    EXPECT_EQ(r->read(10s).code(), errc::peer_closed);
}

INSTANTIATE_TEST_SUITE_P(
    EachSourceAndWaitStrategy, RingStream,
    ::testing::Combine(::testing::Values(region_source::named, region_source::inherited,
                                         region_source::received),
                       ::testing::Values(std::make_pair(ipc::wait_strategy::busy_spin, "spin"),
                                         std::make_pair(ipc::wait_strategy::adaptive, "adaptive"),
                                         std::make_pair(ipc::wait_strategy::blocking, "blocking"))),
    [](const auto& info) {
        return std::string(ipc::test::source_name(std::get<0>(info.param))) + "_" +
               std::get<1>(info.param).second;
    });

class RingPeers : public ::testing::TestWithParam<region_source> {};

TEST_P(RingPeers, WriterSeesPeerGoneWhenReaderIsKilled) {
    ipc::test::ring_under_test ring(GetParam(), ipc::test::unique_name("killreader"),
                                    options_for(ipc::wait_strategy::adaptive));
    auto w = ring.writer();
    ASSERT_TRUE(w) << w.error_value().message();
    // The reader expects more messages than we will ever send, so it is mid-stream when killed.
    child_process reader = ring.start_peer("read", stream_args(stream_length * 10, "adaptive"));
    std::vector<std::byte> msg(max_size);
    std::uint64_t i = 0;
    const auto send_next = [&] {
        const auto size = ipc::test::message_size(42, i, max_size);
        ipc::test::fill_message(42, i, std::span(msg.data(), size));
        ++i;
        return w->send(std::span(msg.data(), size), 10s);
    };
    // The ring holds well under 1,000 messages: after 2,000 sends the reader is consuming.
    while (i < 2000) {
        ASSERT_TRUE(send_next()) << "message " << i;
    }
    reader.kill(SIGKILL);
    ASSERT_TRUE(reader.wait(10s));
    ipc::result<void> last;
    while ((last = send_next())) {
    }
    EXPECT_EQ(last.code(), errc::peer_gone) << last.error_value().message();
}

TEST_P(RingPeers, ReaderDrainsThenSeesPeerGoneWhenWriterIsKilled) {
    ipc::ring_options o = options_for(ipc::wait_strategy::adaptive);
    o.capacity = 4 << 20;  // room for every message the writer commits before it is killed
    ipc::test::ring_under_test ring(GetParam(), ipc::test::unique_name("killwriter"), o);
    auto r = ring.reader();
    ASSERT_TRUE(r) << r.error_value().message();
    constexpr std::uint64_t committed = 2000;
    child_process writer =
        ring.start_committed_writer(stream_args(committed, "adaptive", o.capacity, "hold"));
    writer.kill(SIGKILL);
    ASSERT_TRUE(writer.wait(10s));
    expect_stream(*r, committed);
    EXPECT_EQ(r->read(10s).code(), errc::peer_gone);
}

INSTANTIATE_TEST_SUITE_P(EachSource, RingPeers,
                         ::testing::Values(region_source::named, region_source::inherited,
                                           region_source::received),
                         [](const auto& info) {
                             return std::string(ipc::test::source_name(info.param));
                         });

}  // namespace
