#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "harness.hpp"

namespace bench {

// Raw floors: shared-atomic, futex, eventfd, pipe and Unix-socket ping-pong; memcpy bandwidth.
void add_baselines(std::vector<bench_case>& cases);
// Ring latency, throughput and telemetry cost, each naming its baseline.
void add_ring_cases(std::vector<bench_case>& cases);
// Where a one-way's time goes: a ring's send and read in one thread (no line moves between
// cores), telemetry on and off; a stamp beside clock_gettime.
void add_step_cases(std::vector<bench_case>& cases);
// Copies at the limit: a two-process copy pipeline, and the ring's copying receive() and
// zero-copy read (checksummed) beside it, at 1, 8 and 64 KiB and random 128 B-16 KiB.
void add_copy_cases(std::vector<bench_case>& cases);
// Latency under load: p50, p99, p99.9 and max one-way at 1 k, 10 k and 100 k msgs/s with each
// wait strategy, and the reader's CPU use.
void add_load_cases(std::vector<bench_case>& cases);
// Slots round trips beside the raw atomic and futex round trips; calls/s at 1 and 2 host threads.
void add_slots_cases(std::vector<bench_case>& cases);
// duplex and efdstream round trips beside the raw atomic and eventfd round trips; one-way
// throughput beside a pipe and memcpy. The child side: run_duplex_child (main, by argv).
void add_duplex_cases(std::vector<bench_case>& cases);
int run_duplex_child(int argc, char** argv);
// broker round trips beside the raw atomic and eventfd round trips, throughput beside memcpy,
// and round trips per second from 1, 4 and 16 clients beside plain Unix stream sockets.
void add_broker_cases(std::vector<bench_case>& cases);
// stream messages per second at 64 B, 1 KiB and 64 KiB beside a raw Unix-socket loop of the same
// frames, and beside the ring.
void add_stream_cases(std::vector<bench_case>& cases);
// The seed formats beside libipc's own: ZIPC's 64 B ping-pong and throughput beside the ring's,
// SimpleIPC's 64 B call round trip beside slots' and the raw atomic round trip.
void add_foreign_cases(std::vector<bench_case>& cases);
// ipc-monitor's own CPU with 100 live endpoints, at 1 Hz and 10 Hz (when the monitor is built).
void add_monitor_cases(std::vector<bench_case>& cases);

// Messages of the runs that measure what watching costs a writer: long enough (2-9 s here) to
// hold tens of looks at 10 Hz.
inline constexpr std::uint64_t watched_messages = 30'000'000;
// A 64 B ring's messages per second over watched_messages, while `look` runs `hz` times a second
// in a thread of the writer's process (ring_throughput_msgs_64B_unobserved_long is it unlooked at).
double ring_throughput_looked_at(int hz, const std::function<void()>& look);
// ipcstat serve: its CPU with 100 live endpoints scraped once a second, a scrape's latency, and a
// flat-out ring writer's throughput while it is scraped once a second.
void add_serve_cases(std::vector<bench_case>& cases);

// Message sizes of the throughput cases, and the suffix used in case names ("8B", "64KiB").
const std::vector<std::size_t>& throughput_sizes();
std::string size_label(std::size_t bytes);
// Ring capacity (and memcpy working set) used for a message size.
std::size_t working_set_for(std::size_t message_size);

}  // namespace bench
