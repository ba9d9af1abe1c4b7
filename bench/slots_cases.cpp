#include <algorithm>
#include <cstring>
#include <thread>
#include <vector>

#include "cases.hpp"
#include "ipc/slots.hpp"
#include "must.hpp"

namespace bench {

namespace {

constexpr std::uint64_t spin_round_trips = 200'000;
constexpr std::uint64_t sleep_round_trips = 20'000;

ipc::result<std::size_t> echo(std::span<const std::byte> request, std::span<std::byte> response) {
    if (!request.empty()) {
        std::memcpy(response.data(), request.data(), request.size());
    }
    return request.size();
}

struct call_load {
    std::size_t size = 64;
    std::uint32_t threads = 1;  // host threads, one slot each (call_on)
    ipc::wait_strategy wait = ipc::wait_strategy::busy_spin;
    std::uint64_t calls = spin_round_trips;  // per thread
    bool telemetry = true;                   // host and guest
};

// Each host thread calls on its own slot `calls` times; the guest (child) echoes with one worker
// per slot. Returns the mean round trip in ns per call, as one host thread sees it.
double slots_round_trip(const call_load& load) {
    const auto name = unique_channel("slots");
    ipc::slots_options o;
    o.slots = load.threads;
    o.request_capacity = static_cast<std::uint32_t>(load.size);
    o.response_capacity = static_cast<std::uint32_t>(load.size);
    o.wait = load.wait;
    o.telemetry = load.telemetry;
    auto host = must(ipc::slots_host::open(name, o));
    return with_peer(
        [&] {
            auto guest = must(
                ipc::slots_guest::open(name, {.wait = load.wait, .telemetry = load.telemetry}));
            check(guest.serve(echo));
        },
        [&] {
            check(host.wait_for_guests(load.threads));
            std::vector<double> per_thread(load.threads);
            std::vector<std::thread> threads;
            for (std::uint32_t t = 0; t < load.threads; ++t) {
                threads.emplace_back([&, t] {
                    std::vector<std::byte> request(load.size, std::byte{3}), response(load.size);
                    const auto start = now_ns();
                    for (std::uint64_t i = 0; i < load.calls; ++i) {
                        (void)must(host.call_on(t, request, response));
                    }
                    per_thread[t] =
                        static_cast<double>(now_ns() - start) / static_cast<double>(load.calls);
                });
            }
            for (auto& t : threads) {
                t.join();
            }
            host.close();  // the guest's serve() returns, the child exits
            return *std::max_element(per_thread.begin(), per_thread.end());
        });
}

double calls_per_second(const call_load& load) {
    return 1e9 * load.threads / slots_round_trip(load);
}

}  // namespace

void add_slots_cases(std::vector<bench_case>& cases) {
    // The raw floors as round trips, for the round-trip cases below.
    cases.push_back(derived("atomic_pingpong_roundtrip", "ns", "", "atomic_pingpong_oneway", 2));
    cases.push_back(derived("futex_pingpong_roundtrip", "ns", "", "futex_pingpong_oneway", 2));
    cases.push_back(measured("slots_echo_roundtrip_64B_spin", "ns", "atomic_pingpong_roundtrip",
                             [] { return slots_round_trip({}); }));
    cases.push_back(measured("slots_echo_roundtrip_64B_spin_telemetry_off", "ns",
                             "slots_echo_roundtrip_64B_spin",
                             [] { return slots_round_trip({.telemetry = false}); }));
    cases.push_back(
        measured("slots_echo_roundtrip_64B_blocking", "ns", "futex_pingpong_roundtrip", [] {
            return slots_round_trip(
                {.wait = ipc::wait_strategy::blocking, .calls = sleep_round_trips});
        }));
    for (std::size_t size : {std::size_t{1024}, std::size_t{64 * 1024}}) {
        cases.push_back(measured("slots_echo_roundtrip_" + size_label(size) + "_spin", "ns",
                                 "slots_echo_roundtrip_64B_spin", [size] {
                                     return slots_round_trip(
                                         {.size = size, .calls = size > 4096 ? 20000u : 100000u});
                                 }));
    }
    // Calls per second, adaptive, at 1, 2 and 4 host threads, telemetry on beside off: with two
    // host threads or more, host threads and workers outnumber the cores of a 2-CPU machine, so
    // spinning would measure the scheduler.
    for (std::uint32_t threads : {1u, 2u, 4u}) {
        const std::string stem =
            "slots_calls_per_s_" + std::to_string(threads) + (threads == 1 ? "thread" : "threads");
        const auto load = [threads](bool telemetry) {
            return calls_per_second({.threads = threads,
                                     .wait = ipc::wait_strategy::adaptive,
                                     .calls = 100'000,
                                     .telemetry = telemetry});
        };
        cases.push_back(measured(stem + "_adaptive_telemetry_off", "calls/s", "",
                                 [load] { return load(false); }));
        cases.push_back(measured(stem + "_adaptive", "calls/s", stem + "_adaptive_telemetry_off",
                                 [load] { return load(true); }));
    }
}

}  // namespace bench
