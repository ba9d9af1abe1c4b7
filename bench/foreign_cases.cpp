// The seed formats libipc speaks (ZIPC, SimpleIPC) beside libipc's own channels, so a user
// sees what switching gains: ZIPC's 64 B ping-pong and throughput beside the ring's, SimpleIPC's
// 64 B call round trip beside slots' and the raw atomic round trip.

#include <cstring>
#include <string>
#include <vector>

#include "cases.hpp"
#include "ipc/shm.hpp"
#include "ipc/simpleipc.hpp"
#include "ipc/zipc.hpp"
#include "must.hpp"

namespace bench {

namespace {

constexpr std::uint64_t spin_round_trips = 200'000;
constexpr std::size_t message_size = 64;

std::string shm_name(const std::string& stem) {
    return "/" + unique_channel(stem);
}

ipc::zipc_options zipc_options(ipc::wait_strategy strategy, std::uint32_t slots) {
    ipc::zipc_options o;
    o.slots = slots;
    o.message_size = message_size;
    o.strategy = strategy;
    return o;
}

// 64-byte messages bounce between two ZIPC rings; one-way latency in ns.
double zipc_pingpong() {
    const auto o = zipc_options(ipc::wait_strategy::busy_spin, 64);
    const auto ping = shm_name("zping");
    const auto pong = shm_name("zpong");
    auto out = must(ipc::zipc_sender::open(ping, o));
    auto back = must(ipc::zipc_receiver::open(pong, o));
    const double ns = with_peer(
        [&] {
            auto in = must(ipc::zipc_receiver::open(ping, o));
            auto reply = must(ipc::zipc_sender::open(pong, o));
            for (std::uint64_t i = 0; i < spin_round_trips; ++i) {
                check(reply.send(must(in.receive(ipc::forever)), ipc::forever));
            }
        },
        [&] {
            const std::vector<std::byte> msg(message_size, std::byte{1});
            const auto start = now_ns();
            for (std::uint64_t i = 0; i < spin_round_trips; ++i) {
                check(out.send(msg, ipc::forever));
                (void)must(back.receive(ipc::forever));
            }
            return static_cast<double>(now_ns() - start) / (2.0 * spin_round_trips);
        });
    (void)ipc::shm::unlink(ping);
    (void)ipc::shm::unlink(pong);
    return ns;
}

// The sender (parent) sends 64 B messages flat out through a ring of as many bytes as the ring
// case's; the receiver (child) copies each one out. Messages per second.
double zipc_throughput() {
    const std::uint64_t n = 5'000'000;
    const auto o =
        zipc_options(ipc::wait_strategy::adaptive,
                     static_cast<std::uint32_t>(working_set_for(message_size) / message_size));
    const auto name = shm_name("ztp");
    shared_block block(2 * sizeof(std::uint64_t));
    auto* stamps = block.as<std::uint64_t>();
    auto sender = must(ipc::zipc_sender::open(name, o));
    with_peer(
        [&] {
            auto receiver = must(ipc::zipc_receiver::open(name, o));
            std::vector<std::byte> copy(message_size);
            for (std::uint64_t i = 0; i < n; ++i) {
                const auto m = must(receiver.receive(ipc::forever));
                std::memcpy(copy.data(), m.data(), m.size());
                if (i == 0) {
                    stamps[0] = now_ns();
                }
            }
            stamps[1] = now_ns();
        },
        [&] {
            const std::vector<std::byte> msg(message_size, std::byte{2});
            for (std::uint64_t i = 0; i < n; ++i) {
                check(sender.send(msg, ipc::forever));
            }
            return 0.0;
        });
    (void)ipc::shm::unlink(name);
    return static_cast<double>(n - 1) * 1e9 / static_cast<double>(stamps[1] - stamps[0]);
}

// A SimpleIPC host (parent) calls a guest (child) that echoes, on one slot; ns per call.
double simpleipc_round_trip() {
    ipc::simpleipc_options o;
    o.slots = 1;
    o.slot_size = 2 * 64 * 2;  // halves of 128 bytes
    o.strategy = ipc::wait_strategy::busy_spin;
    const auto name = shm_name("sipc");
    auto host = must(ipc::simpleipc_host::open(name, o));
    return with_peer(
        [&] {
            auto guest = must(ipc::simpleipc_guest::open(name, o));
            check(guest.serve([](auto request, auto response) -> ipc::result<std::size_t> {
                std::memcpy(response.data(), request.data(), request.size());
                return request.size();
            }));
        },
        [&] {
            const std::vector<std::byte> request(message_size, std::byte{3});
            std::vector<std::byte> response(message_size);
            const auto start = now_ns();
            for (std::uint64_t i = 0; i < spin_round_trips; ++i) {
                (void)must(host.call_on(0, request, response));
            }
            const double ns = static_cast<double>(now_ns() - start) / spin_round_trips;
            host.close();  // SHUTDOWN: the guest's serve() returns, the child exits
            return ns;
        });
}

}  // namespace

void add_foreign_cases(std::vector<bench_case>& cases) {
    cases.push_back(measured("zipc_pingpong_oneway_64B_spin", "ns", "ring_pingpong_oneway_64B_spin",
                             zipc_pingpong));
    cases.push_back(measured("zipc_throughput_msgs_64B", "msgs/s", "ring_throughput_msgs_64B",
                             zipc_throughput));
    cases.push_back(measured("simpleipc_echo_roundtrip_64B_spin", "ns",
                             "slots_echo_roundtrip_64B_spin", simpleipc_round_trip));
    cases.push_back(derived("simpleipc_echo_roundtrip_64B_spin_vs_raw", "ns",
                            "atomic_pingpong_roundtrip", "simpleipc_echo_roundtrip_64B_spin", 1));
}

}  // namespace bench
