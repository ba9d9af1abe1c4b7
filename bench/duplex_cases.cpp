// duplex and efdstream: 64 B round trips beside the raw atomic and eventfd round trips, and
// one-way throughput beside a pipe (memcpy's cases run beside them). The child is this program
// started again (by duplex_parent or efdstream_parent, as a user's would be): IPC_BENCH_CHILD says
// what it does, IPC_BENCH_CPU where it runs (run_duplex_child, from main).

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "cases.hpp"
#include "ipc/duplex.hpp"
#include "ipc/efdstream.hpp"
#include "must.hpp"
#include "two_way_loops.hpp"

namespace bench {

namespace {

volatile std::sig_atomic_t stop_flag = 0;

constexpr std::uint64_t round_trips = 100'000;
constexpr std::uint64_t blocking_round_trips = 20'000;

// Messages a throughput run sends: about 500 MB, and at least 2000; efdstream (one message in
// flight, four eventfd operations each) at most 20,000, a second or so.
std::uint64_t messages_for(std::size_t size, bool efdstream = false) {
    const std::uint64_t by_size = std::max<std::uint64_t>(4'000'000'000ull / 8 / size, 2000);
    return efdstream ? std::min<std::uint64_t>(by_size, 20'000) : by_size;
}

std::string self_exe() {
    char buf[4096];
    const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

// The child's job: "echo" every message, or "sink:N" (take N, then answer one message), waiting
// as `wait` says: "blocking", else adaptive.
void set_child_job(const std::string& job, const char* wait = "adaptive") {
    ::setenv("IPC_BENCH_CHILD", job.c_str(), 1);
    ::setenv("IPC_BENCH_WAIT", wait, 1);
    ::setenv("IPC_BENCH_CPU", std::to_string(current_settings().child_cpu).c_str(), 1);
}

using native = ring_pair_end<ipc::duplex_parent>;

// What the loops need of an efdstream parent end.
struct efdstream {
    ipc::efdstream_parent e;
    void send(std::span<const std::byte> m) { check(e.send(m)); }
    void take() {
        (void)must(e.read());
        e.release();
    }
};

native spawn_native(ipc::wait_strategy wait, std::size_t size) {
    ipc::duplex_options o;
    o.wait = wait;
    o.max_message = static_cast<std::uint32_t>(size);
    o.capacity = working_set_for(size);
    o.name = unique_channel("duplex");
    return {must(ipc::duplex_parent::spawn(self_exe(), {"ipc-bench", "duplex-child"}, o))};
}

efdstream spawn_efdstream(ipc::wait_strategy wait, std::size_t size) {
    ipc::efdstream_options o;
    o.wait = wait;
    o.shm_size = size;
    o.name = unique_channel("efdstream");
    return {must(ipc::efdstream_parent::spawn(self_exe(), o))};
}

// A pipe carrying `size`-byte messages one way (read whole by the reader), in GB/s.
double pipe_throughput(std::size_t size) {
    int fds[2];
    if (::pipe(fds) != 0) {
        return 0;
    }
    const std::uint64_t count = messages_for(size);
    const double v = with_peer(
        [&] {
            ::close(fds[1]);
            std::vector<std::byte> buf(size);
            for (std::uint64_t i = 0; i < count; ++i) {
                for (std::size_t got = 0; got < size;) {
                    const ssize_t n = ::read(fds[0], buf.data() + got, size - got);
                    if (n <= 0) {
                        return;
                    }
                    got += static_cast<std::size_t>(n);
                }
            }
        },
        [&] {
            ::close(fds[0]);
            std::vector<std::byte> msg(size, std::byte{5});
            const auto start = now_ns();
            for (std::uint64_t i = 0; i < count; ++i) {
                for (std::size_t put = 0; put < size;) {
                    const ssize_t n = ::write(fds[1], msg.data() + put, size - put);
                    if (n <= 0) {
                        return 0.0;
                    }
                    put += static_cast<std::size_t>(n);
                }
            }
            ::close(fds[1]);
            return static_cast<double>(count * size) / static_cast<double>(now_ns() - start);
        });
    return v;
}

double pinned(const std::function<double()>& fn) {
    pin_to(current_settings().parent_cpu);
    return fn();
}

}  // namespace

int run_duplex_child(int argc, char** argv) {
    pin_to(
        std::atoi(std::getenv("IPC_BENCH_CPU") != nullptr ? std::getenv("IPC_BENCH_CPU") : "-1"));
    const char* job = std::getenv("IPC_BENCH_CHILD");
    const bool echo = job == nullptr || std::strcmp(job, "echo") == 0;
    const std::uint64_t sink = echo ? 0 : std::strtoull(job + 5, nullptr, 10);
    const std::byte done[1] = {std::byte{1}};
    const char* wait_name = std::getenv("IPC_BENCH_WAIT");
    const ipc::wait_strategy wait = wait_name != nullptr && std::strcmp(wait_name, "blocking") == 0
                                        ? ipc::wait_strategy::blocking
                                        : ipc::wait_strategy::adaptive;
    if (argc > 1 && std::strcmp(argv[1], "-mode") == 0) {
        // The parent stops an efdstream child with SIGTERM: seen between reads, so that the
        // child exits (and removes its telemetry) as usual.
        std::signal(SIGTERM, [](int) { stop_flag = 1; });
        auto e = must(ipc::efdstream_child::inherit(argc, argv, {.wait = wait}));
        for (std::uint64_t i = 0; (echo || i < sink) && stop_flag == 0;) {
            auto m = e.read(std::chrono::milliseconds(100));
            if (!m && m.code() == ipc::errc::timeout) {
                continue;
            }
            if (!m) {
                return 0;
            }
            ++i;
            if (echo) {
                check(e.send(*m));
            }
            e.release();
        }
        if (stop_flag == 0) {  // a sink that took its count: says so
            check(e.send(done));
            (void)e.flush();
        }
        return 0;
    }
    auto d = must(ipc::duplex_child::inherit({.wait = wait}));
    for (std::uint64_t i = 0; echo || i < sink; ++i) {
        auto m = d.from_peer().read();
        if (!m) {
            return 0;
        }
        if (echo) {
            check(d.to_peer().send(m->payload));
        }
        d.from_peer().release();
    }
    check(d.to_peer().send(done));
    return 0;
}

namespace {

std::uint64_t read_counter(int fd) {
    std::uint64_t v = 0;
    if (::read(fd, &v, sizeof v) != static_cast<ssize_t>(sizeof v)) {
        ::_exit(3);
    }
    return v;
}

void write_counter(int fd, std::uint64_t v) {
    if (::write(fd, &v, sizeof v) != static_cast<ssize_t>(sizeof v)) {
        ::_exit(3);
    }
}

// The efdstream protocol with nothing added, as the reference programs run it: blocking
// eventfds, each sender waiting for its ack at once, a copy into and out of each region. Its
// 64 B round trip in ns: the floor for libipc's efdstream (8 eventfd operations per round trip,
// where the eventfd ping-pong makes 4). Each read waits as `wait` says: at once (blocking); after
// a poll(), as a wait with a deadline or a second fd (the peer's pidfd) must (polled); after
// polls with no timeout until it is readable, never sleeping (spinning).
enum class raw_wait { blocking, polled, spinning };

double efdstream_raw_roundtrip(raw_wait wait) {
    constexpr std::size_t size = 64;
    shared_block regions(2 * size);
    std::byte* p2c = regions.as<std::byte>();
    std::byte* c2p = p2c + size;
    const int p2c_send = ::eventfd(0, EFD_CLOEXEC);
    const int p2c_ack = ::eventfd(0, EFD_CLOEXEC);
    const int c2p_send = ::eventfd(0, EFD_CLOEXEC);
    const int c2p_ack = ::eventfd(0, EFD_CLOEXEC);
    const auto take = [wait](int fd) {
        pollfd p{fd, POLLIN, 0};
        if (wait == raw_wait::polled) {
            (void)::poll(&p, 1, -1);
        }
        while (wait == raw_wait::spinning && ::poll(&p, 1, 0) == 0) {
        }
        return read_counter(fd);
    };
    const std::uint64_t n = blocking_round_trips;
    const double ns = with_peer(
        [&] {
            std::byte copy[size];
            for (std::uint64_t i = 0; i < n; ++i) {
                const std::uint64_t length = take(p2c_send);
                std::memcpy(copy, p2c, length);
                write_counter(p2c_ack, 1);
                std::memcpy(c2p, copy, length);
                write_counter(c2p_send, length);
                (void)take(c2p_ack);
            }
        },
        [&] {
            std::byte message[size] = {};
            const auto start = now_ns();
            for (std::uint64_t i = 0; i < n; ++i) {
                std::memcpy(p2c, message, size);
                write_counter(p2c_send, size);
                (void)take(p2c_ack);
                const std::uint64_t length = take(c2p_send);
                std::memcpy(message, c2p, length);
                write_counter(c2p_ack, 1);
            }
            return static_cast<double>(now_ns() - start) / static_cast<double>(n);
        });
    for (int fd : {p2c_send, p2c_ack, c2p_send, c2p_ack}) {
        ::close(fd);
    }
    return ns;
}

}  // namespace

void add_duplex_cases(std::vector<bench_case>& cases) {
    cases.push_back(derived("eventfd_pingpong_roundtrip", "ns", "", "eventfd_pingpong_oneway", 2));
    cases.push_back(
        measured("duplex_roundtrip_64B_adaptive", "ns", "atomic_pingpong_roundtrip", [] {
            set_child_job("echo");
            return pinned([] {
                return round_trip(spawn_native(ipc::wait_strategy::adaptive, 64), 64, round_trips);
            });
        }));
    cases.push_back(
        measured("duplex_roundtrip_64B_blocking", "ns", "eventfd_pingpong_roundtrip", [] {
            set_child_job("echo", "blocking");
            return pinned([] {
                return round_trip(spawn_native(ipc::wait_strategy::blocking, 64), 64,
                                  blocking_round_trips);
            });
        }));
    cases.push_back(measured("efdstream_raw_roundtrip_64B", "ns", "eventfd_pingpong_roundtrip",
                             [] { return efdstream_raw_roundtrip(raw_wait::blocking); }));
    cases.push_back(measured("efdstream_raw_polled_roundtrip_64B", "ns",
                             "efdstream_raw_roundtrip_64B",
                             [] { return efdstream_raw_roundtrip(raw_wait::polled); }));
    cases.push_back(measured("efdstream_raw_spinning_roundtrip_64B", "ns",
                             "eventfd_pingpong_roundtrip",
                             [] { return efdstream_raw_roundtrip(raw_wait::spinning); }));
    // The figure is the default (adaptive) beside the eventfd ping-pong; blocking, as the
    // reference programs wait, is shown beside the raw protocol waiting so.
    for (const auto wait : {ipc::wait_strategy::adaptive, ipc::wait_strategy::blocking}) {
        const bool adaptive = wait == ipc::wait_strategy::adaptive;
        const std::uint64_t n = adaptive ? round_trips : blocking_round_trips;
        cases.push_back(measured(
            std::string("efdstream_roundtrip_64B_") + ipc::to_string(wait), "ns",
            adaptive ? "eventfd_pingpong_roundtrip" : "efdstream_raw_roundtrip_64B", [=] {
                set_child_job("echo", ipc::to_string(wait));
                return pinned([=] { return round_trip(spawn_efdstream(wait, 64), 64, n); });
            }));
    }
    cases.push_back(derived("efdstream_roundtrip_64B_adaptive_vs_raw_spinning", "ns",
                            "efdstream_raw_spinning_roundtrip_64B",
                            "efdstream_roundtrip_64B_adaptive", 1));
    for (const std::size_t size : {std::size_t{64}, std::size_t{64 * 1024}, std::size_t{1 << 20}}) {
        const auto label = size_label(size);
        const std::uint64_t count = messages_for(size);
        const std::uint64_t efd_count = messages_for(size, true);
        cases.push_back(measured("pipe_throughput_" + label, "GB/s", "",
                                 [size] { return pipe_throughput(size); }));
        cases.push_back(
            measured("duplex_throughput_" + label, "GB/s", "pipe_throughput_" + label, [=] {
                set_child_job("sink:" + std::to_string(count));
                return pinned([=] {
                    return throughput(spawn_native(ipc::wait_strategy::adaptive, size), size,
                                      count);
                });
            }));
        for (const auto wait : {ipc::wait_strategy::adaptive, ipc::wait_strategy::blocking}) {
            cases.push_back(measured(
                "efdstream_throughput_" + label + "_" + ipc::to_string(wait), "GB/s",
                "pipe_throughput_" + label, [=] {
                    set_child_job("sink:" + std::to_string(efd_count), ipc::to_string(wait));
                    return pinned(
                        [=] { return throughput(spawn_efdstream(wait, size), size, efd_count); });
                }));
        }
    }
}

}  // namespace bench
