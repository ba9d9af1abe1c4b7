// Where a one-way's nanoseconds go: the per-message work of a ring measured in one thread, where
// no cache line moves between cores, and the stamp it takes beside clock_gettime.

#include <vector>

#include "cases.hpp"
#include "ipc/clock.hpp"
#include "ipc/ring.hpp"
#include "must.hpp"

namespace bench {

namespace {

constexpr std::uint64_t steps = 2'000'000;

double ns_per_step(std::uint64_t start, std::uint64_t end) {
    return static_cast<double>(end - start) / static_cast<double>(steps);
}

// One thread sends a 64 B message and reads and releases it, over and over: the instructions
// of a send and a receive, with every line already in this core's cache.
double ring_same_thread(bool telemetry) {
    ipc::ring_options o;
    o.max_message = 64;
    o.telemetry = telemetry;
    const auto name = unique_channel("steps");
    auto writer = must(ipc::ring_writer::open(name, o));
    auto reader = must(ipc::ring_reader::open(name, o));
    const std::vector<std::byte> message(64, std::byte{1});
    const auto start = now_ns();
    for (std::uint64_t i = 0; i < steps; ++i) {
        check(writer.send(message));
        (void)must(reader.try_read());
        reader.release();
    }
    return ns_per_step(start, now_ns());
}

template <class Read>
double ns_per_read(Read&& read) {
    std::uint64_t sink = 0;
    const auto start = now_ns();
    for (std::uint64_t i = 0; i < steps; ++i) {
        sink += read();
    }
    const auto end = now_ns();
    asm volatile("" : : "r"(sink));  // keep the reads
    return ns_per_step(start, end);
}

}  // namespace

void add_step_cases(std::vector<bench_case>& cases) {
    cases.push_back(measured("clock_gettime_monotonic", "ns", "",
                             [] { return ns_per_read([] { return ipc::monotonic_ns(); }); }));
    cases.push_back(measured("stamp_read", "ns", "clock_gettime_monotonic", [] {
        return ns_per_read([] { return ipc::timestamp::now().raw(); });
    }));
    cases.push_back(measured("ring_same_thread_send_read_64B_telemetry_off", "ns", "",
                             [] { return ring_same_thread(false); }));
    cases.push_back(measured("ring_same_thread_send_read_64B_telemetry_on", "ns",
                             "ring_same_thread_send_read_64B_telemetry_off",
                             [] { return ring_same_thread(true); }));
}

}  // namespace bench
