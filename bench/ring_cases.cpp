#include <algorithm>
#include <bit>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include "cases.hpp"
#include "ipc/inspect.hpp"
#include "ipc/ring.hpp"
#include "must.hpp"

namespace bench {

namespace {

constexpr std::uint64_t spin_round_trips = 200'000;
constexpr std::uint64_t sleep_round_trips = 20'000;
constexpr std::size_t pingpong_size = 64;

// Where a benchmark ring's memory comes from: a named segment with the futex doorbell, or a
// sealed memfd with eventfd doorbells (made before the fork, so the child inherits its fds).
enum class ring_source { named, memfd_eventfd };

class bench_ring {
  public:
    bench_ring(ring_source source, const std::string& stem, ipc::ring_options o)
        : name_(unique_channel(stem)), options_(std::move(o)) {
        if (source == ring_source::memfd_eventfd) {
            options_.doorbell = ipc::doorbell_kind::eventfd;
            fds_ = must(ipc::create_memfd_ring(options_));
        }
    }
    ipc::ring_writer writer() {
        return must(fds_.region.valid() ? ipc::ring_writer::adopt(name_, copy(), options_)
                                        : ipc::ring_writer::open(name_, options_));
    }
    ipc::ring_reader reader() {
        return must(fds_.region.valid() ? ipc::ring_reader::adopt(name_, copy(), options_)
                                        : ipc::ring_reader::open(name_, options_));
    }

  private:
    ipc::ring_fds copy() const { return must(fds_.duplicate()); }

    std::string name_;
    ipc::ring_options options_;
    ipc::ring_fds fds_;
};

ipc::ring_options pingpong_options(ipc::wait_strategy wait, std::size_t size) {
    ipc::ring_options o;
    o.max_message = size;
    o.wait = wait;
    return o;
}

// 64-byte messages bounce between two rings; one-way latency in ns.
double ring_pingpong(ipc::wait_strategy wait, std::uint64_t round_trips,
                     ring_source source = ring_source::named, std::size_t size = pingpong_size) {
    const auto o = pingpong_options(wait, size);
    bench_ring ping(source, "ping", o);
    bench_ring pong(source, "pong", o);
    // Both rings exist before the fork so neither side waits for the other to create them.
    auto out = ping.writer();
    auto back = pong.reader();
    return with_peer(
        [&] {
            // The parent's ends, inherited across fork, are left alone: the child takes its own.
            auto in = ping.reader();
            auto reply = pong.writer();
            for (std::uint64_t i = 0; i < round_trips; ++i) {
                auto m = must(in.read());
                check(reply.send(m.payload));
                in.release();
            }
        },
        [&] {
            std::vector<std::byte> msg(size, std::byte{1});
            const auto start = now_ns();
            for (std::uint64_t i = 0; i < round_trips; ++i) {
                check(out.send(msg));
                (void)must(back.read());
                back.release();
            }
            return static_cast<double>(now_ns() - start) / static_cast<double>(2 * round_trips);
        });
}

struct throughput_result {
    std::uint64_t first_ns;
    std::uint64_t last_ns;
};

std::uint64_t messages_for(std::size_t size) {
    return std::clamp<std::uint64_t>(2'000'000'000ull / size, 2000, 5'000'000);
}

// Looks at everything `hz` times a second until destroyed: takes a full inspect snapshot (what
// ipc-monitor and ipcstat do), or calls `look`; a thread of the writer's process, so it shares
// the writer's CPU.
class observer {
  public:
    explicit observer(int hz, std::function<void()> look) {
        if (!look) {
            look = [] { (void)ipc::inspect::take_snapshot(); };
        }
        if (hz > 0) {
            thread_ = std::thread([this, hz, look] {
                std::unique_lock lock(mutex_);
                while (!done_) {
                    look();
                    wake_.wait_for(lock, std::chrono::milliseconds(1000 / hz));
                }
            });
        }
    }
    ~observer() {
        {
            std::lock_guard lock(mutex_);
            done_ = true;
        }
        wake_.notify_all();
        if (thread_.joinable()) {
            thread_.join();
        }
    }

  private:
    std::mutex mutex_;
    std::condition_variable wake_;
    bool done_ = false;
    std::thread thread_;
};

// The writer (parent) sends flat out; the reader (child) copies each message out and records
// when the first and the last arrived. With observe_hz, an observer snapshots everything while
// the writer sends. Returns messages per second.
double ring_throughput(std::size_t size, bool telemetry, int observe_hz = 0,
                       std::uint64_t messages = 0, ring_source source = ring_source::named,
                       const std::function<void()>& look = {}) {
    ipc::ring_options o;
    o.max_message = static_cast<std::uint32_t>(size);
    o.capacity = working_set_for(size);
    o.wait = ipc::wait_strategy::adaptive;
    o.telemetry = telemetry;
    const std::uint64_t n = messages != 0 ? messages : messages_for(size);
    shared_block block(sizeof(throughput_result));
    auto* result = block.as<throughput_result>();
    bench_ring ring(source, "tp", o);
    auto writer = ring.writer();
    with_peer(
        [&] {
            auto reader = ring.reader();
            std::vector<std::byte> buf(size);
            for (std::uint64_t i = 0; i < n; ++i) {
                (void)must(reader.receive(buf));
                if (i == 0) {
                    result->first_ns = now_ns();
                }
            }
            result->last_ns = now_ns();
        },
        [&] {
            observer watching(observe_hz, look);
            std::vector<std::byte> msg(size, std::byte{2});
            for (std::uint64_t i = 0; i < n; ++i) {
                check(writer.send(msg));
            }
            return 0.0;
        });
    return static_cast<double>(n - 1) * 1e9 /
           static_cast<double>(result->last_ns - result->first_ns);
}

}  // namespace

double ring_throughput_looked_at(int hz, const std::function<void()>& look) {
    return ring_throughput(64, true, hz, watched_messages, ring_source::named, look);
}

const std::vector<std::size_t>& throughput_sizes() {
    static const std::vector<std::size_t> sizes = {8, 64, 1024, 64 * 1024, 1024 * 1024};
    return sizes;
}

std::string size_label(std::size_t bytes) {
    if (bytes >= 1024 * 1024) {
        return std::to_string(bytes / (1024 * 1024)) + "MiB";
    }
    if (bytes >= 1024) {
        return std::to_string(bytes / 1024) + "KiB";
    }
    return std::to_string(bytes) + "B";
}

std::size_t working_set_for(std::size_t message_size) {
    return std::bit_ceil(std::max<std::size_t>(256 * 1024, 8 * (message_size + 16)));
}

void add_ring_cases(std::vector<bench_case>& cases) {
    cases.push_back(measured("ring_pingpong_oneway_64B_spin", "ns", "atomic_pingpong_oneway", [] {
        return ring_pingpong(ipc::wait_strategy::busy_spin, spin_round_trips);
    }));
    // Smaller messages, whose records take one cache line (8 B: two records a line; 48 B: a
    // 64-byte record, so every record starts a line), beside the 64 B one's two lines.
    for (std::size_t size : {std::size_t{8}, std::size_t{48}}) {
        cases.push_back(measured("ring_pingpong_oneway_" + size_label(size) + "_spin", "ns",
                                 "atomic_pingpong_oneway", [size] {
                                     return ring_pingpong(ipc::wait_strategy::busy_spin,
                                                          spin_round_trips, ring_source::named,
                                                          size);
                                 }));
    }
    cases.push_back(
        measured("ring_pingpong_oneway_64B_blocking", "ns", "futex_pingpong_oneway",
                 [] { return ring_pingpong(ipc::wait_strategy::blocking, sleep_round_trips); }));
    for (std::size_t size : throughput_sizes()) {
        const auto label = size_label(size);
        cases.push_back(measured("ring_throughput_msgs_" + label, "msgs/s", "",
                                 [size] { return ring_throughput(size, true); }));
        // The same runs in bytes: derived from the msgs/s median, not measured again.
        cases.push_back(derived("ring_throughput_" + label, "GB/s", "memcpy_" + label,
                                "ring_throughput_msgs_" + label, static_cast<double>(size) / 1e9));
    }
    // A ring over a memfd with eventfd doorbells (duplex, broker): each wake-up is an eventfd
    // write and a poll, measured against the raw eventfd ping-pong.
    cases.push_back(measured(
        "ring_memfd_eventfd_pingpong_oneway_64B_blocking", "ns", "eventfd_pingpong_oneway", [] {
            return ring_pingpong(ipc::wait_strategy::blocking, sleep_round_trips,
                                 ring_source::memfd_eventfd);
        }));
    // The same figure beside a bare eventfd ping-pong that waits as libipc must (bounded).
    cases.push_back(derived("ring_memfd_eventfd_pingpong_oneway_64B_blocking_vs_bounded", "ns",
                            "eventfd_bounded_pingpong_oneway",
                            "ring_memfd_eventfd_pingpong_oneway_64B_blocking", 1));
    for (std::size_t size : {std::size_t{64}, std::size_t{1024 * 1024}}) {
        const auto label = size_label(size);
        cases.push_back(measured(
            "ring_memfd_eventfd_throughput_msgs_" + label, "msgs/s",
            "ring_throughput_msgs_" + label,
            [size] { return ring_throughput(size, true, 0, 0, ring_source::memfd_eventfd); }));
    }
    cases.push_back(measured("ring_throughput_msgs_64B_telemetry_off", "msgs/s", "",
                             [] { return ring_throughput(64, false); }));
    cases.push_back(measured("ring_throughput_msgs_64B_telemetry_on", "msgs/s",
                             "ring_throughput_msgs_64B_telemetry_off",
                             [] { return ring_throughput(64, true); }));
    // What watching costs the peers: a monitor's snapshots at 10 Hz against none, over runs long
    // enough (30 M messages, 2-9 s here) to hold tens of snapshots.
    cases.push_back(measured("ring_throughput_msgs_64B_unobserved_long", "msgs/s", "",
                             [] { return ring_throughput(64, true, 0, watched_messages); }));
    cases.push_back(measured("ring_throughput_msgs_64B_observed_10Hz", "msgs/s",
                             "ring_throughput_msgs_64B_unobserved_long",
                             [] { return ring_throughput(64, true, 10, watched_messages); }));
}

}  // namespace bench
