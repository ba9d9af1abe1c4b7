// slots across real processes: the slots_peer helper as guest or host, the test as the other.

#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "ipc/inspect.hpp"
#include "ipc/slots.hpp"
#include "support/child_process.hpp"
#include "support/echo.hpp"
#include "support/message_stream.hpp"
#include "support/names.hpp"
#include "support/scale.hpp"

namespace {

using ipc::errc;
using ipc::test::child_process;
using namespace std::chrono_literals;

constexpr std::uint32_t request_capacity = 256;  // as slots_peer's host

ipc::slots_options test_geometry(std::uint32_t slots) {
    ipc::slots_options o;
    o.slots = slots;
    o.request_capacity = request_capacity;
    o.response_capacity = request_capacity + ipc::test::echo_overhead;
    return o;
}

child_process guest_process(const std::string& name, const std::string& mode,
                            std::uint32_t workers = 0, std::uint32_t max_slots = 0) {
    return child_process({IPC_TEST_SLOTS_PEER, "guest", name, std::to_string(workers),
                          std::to_string(max_slots), mode});
}

std::optional<ipc::inspect::slots_info> slots_of(const std::string& name) {
    auto info = ipc::inspect::read_slots("libipc-slots-" + name);
    return info ? std::optional(*info) : std::nullopt;
}

bool slot_in_state(const std::string& name, std::uint32_t slot, ipc::inspect::slot_state state) {
    const auto info = slots_of(name);
    return info && info->slots.size() > slot && info->slots[slot].state == state;
}

TEST(SlotsProcesses, MillionEchoCallsFromThreeHostThreadsOverFourSlots) {
    const auto name = ipc::test::unique_name("million");
    auto host = ipc::slots_host::open(name, test_geometry(4));
    ASSERT_TRUE(host) << host.error_value().message();
    child_process guest = guest_process(name, "echo");
    ASSERT_TRUE(host->wait_for_guests(4, 10s));
    constexpr int threads = 3;
    constexpr std::uint64_t total = 1'000'000 / ipc::test::stream_divisor;
    std::atomic<std::uint64_t> bad{0};
    std::vector<std::thread> callers;
    for (int t = 0; t < threads; ++t) {
        callers.emplace_back([&, t] {
            std::vector<std::byte> request(request_capacity);
            std::vector<std::byte> response(request_capacity + ipc::test::echo_overhead);
            for (std::uint64_t i = t; i < total; i += threads) {
                const auto size = ipc::test::message_size(7, i, request_capacity);
                ipc::test::fill_message(7, i, std::span(request.data(), size));
                auto n = host->call({request.data(), size}, response, 30s);
                if (!n || !ipc::test::is_echo_of({response.data(), *n}, {request.data(), size})) {
                    bad.fetch_add(1);
                    ADD_FAILURE() << "call " << i << ": "
                                  << (n ? "echo differs" : n.error_value().message());
                    return;
                }
            }
        });
    }
    for (auto& c : callers) {
        c.join();
    }
    EXPECT_EQ(bad.load(), 0u);
    const auto info = slots_of(name);
    ASSERT_TRUE(info);
    std::uint64_t completed = 0;
    for (const auto& s : info->slots) {
        completed += s.counters.completed;
        EXPECT_EQ(s.counters.failed + s.counters.timeouts + s.counters.late_responses, 0u);
    }
    EXPECT_EQ(completed, total);
    host->close();
    auto status = guest.wait(10s);
    ASSERT_TRUE(status);
    EXPECT_EQ(ipc::test::exit_code(*status), 0) << "the guest stops cleanly on shutdown";
}

TEST(SlotsProcesses, GuestKilledMidRequestMakesTheCallPeerGone) {
    const auto name = ipc::test::unique_name("killguest");
    auto host = ipc::slots_host::open(name, test_geometry(1));
    ASSERT_TRUE(host);
    child_process guest = guest_process(name, "hang");
    ASSERT_TRUE(host->wait_for_guests(1, 10s));
    std::thread killer([&] {
        EXPECT_TRUE(ipc::test::eventually(
            [&] { return slot_in_state(name, 0, ipc::inspect::slot_state::serving); }, 10s));
        guest.kill(SIGKILL);
    });
    std::vector<std::byte> request(16), response(64);
    const auto r = host->call(request, response, ipc::forever);
    killer.join();
    EXPECT_EQ(r.code(), errc::peer_gone) << r.error_value().message();
    ASSERT_TRUE(guest.wait(10s));
    // The slot was reclaimed: a new guest takes it and serves the next call.
    child_process successor = guest_process(name, "echo");
    ASSERT_TRUE(host->wait_for_guests(1, 10s));
    auto n = host->call(request, response, 30s);
    ASSERT_TRUE(n) << n.error_value().message();
    EXPECT_TRUE(ipc::test::is_echo_of({response.data(), *n}, request));
    EXPECT_EQ(slots_of(name)->slots[0].counters.failed, 1u);
}

TEST(SlotsProcesses, HostKilledGuestsExitAndTheNextHostReusesTheName) {
    const auto name = ipc::test::unique_name("killhost");
    child_process host({IPC_TEST_SLOTS_PEER, "host", name, "2", "calls"});
    ASSERT_TRUE(ipc::test::eventually([&] { return slots_of(name).has_value(); }, 10s));
    child_process guest = guest_process(name, "echo");
    ASSERT_TRUE(ipc::test::eventually(
        [&] {
            const auto info = slots_of(name);
            return info &&
                   info->slots[0].counters.completed + info->slots[1].counters.completed > 100;
        },
        10s));
    host.kill(SIGKILL);
    ASSERT_TRUE(host.wait(10s));
    auto status = guest.wait(10s);
    ASSERT_TRUE(status) << "the guest did not notice its host died";
    EXPECT_EQ(ipc::test::exit_code(*status), 4);
    auto next = ipc::slots_host::open(name, test_geometry(3));  // other geometry: replaced
    ASSERT_TRUE(next) << next.error_value().message();
    child_process next_guest = guest_process(name, "echo");
    ASSERT_TRUE(next->wait_for_guests(3, 10s));
    std::vector<std::byte> request(32, std::byte{1}), response(64);
    auto n = next->call(request, response, 30s);
    ASSERT_TRUE(n) << n.error_value().message();
    EXPECT_TRUE(ipc::test::is_echo_of({response.data(), *n}, request));
}

TEST(SlotsProcesses, SlotLeftBusyByADeadHostIsReclaimedByTheNext) {
    const auto name = ipc::test::unique_name("reclaim");
    const std::string gate = ::testing::TempDir() + name + ".gate";
    std::remove(gate.c_str());
    child_process host({IPC_TEST_SLOTS_PEER, "host", name, "1", "hold"});
    ASSERT_TRUE(ipc::test::eventually([&] { return slots_of(name).has_value(); }, 10s));
    child_process guest = guest_process(name, "gate:" + gate, 1, 1);
    ASSERT_TRUE(ipc::test::eventually(
        [&] { return slot_in_state(name, 0, ipc::inspect::slot_state::serving); }, 10s));
    host.kill(SIGKILL);
    ASSERT_TRUE(host.wait(10s));
    // The guest is still inside its handler: the new host takes the segment over.
    auto next = ipc::slots_host::open(name, test_geometry(1));
    ASSERT_TRUE(next) << next.error_value().message();
    auto info = slots_of(name);
    ASSERT_TRUE(info);
    EXPECT_EQ(info->host_epoch, 2u);
    EXPECT_TRUE(info->slots[0].abandoned);
    std::ofstream(gate).put('1');
    std::vector<std::byte> request(8, std::byte{2}), response(64);
    auto n = next->call(request, response, 30s);  // waits for the late response, discards it
    ASSERT_TRUE(n) << n.error_value().message();
    EXPECT_TRUE(ipc::test::is_echo_of({response.data(), *n}, request));
    info = slots_of(name);
    EXPECT_EQ(info->slots[0].counters.late_responses, 1u);
    EXPECT_EQ(info->slots[0].counters.completed, 1u);
    next->close();
    auto status = guest.wait(10s);
    ASSERT_TRUE(status);
    EXPECT_EQ(ipc::test::exit_code(*status), 0);
    std::remove(gate.c_str());
}

}  // namespace
