#include <linux/futex.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <vector>

#include "cases.hpp"
#include "ipc/detail/atomic.hpp"

namespace bench {

namespace {

constexpr std::uint64_t spin_round_trips = 200'000;
constexpr std::uint64_t sleep_round_trips = 20'000;

struct alignas(64) padded_word {
    std::atomic<std::uint32_t> value{0};
};
struct pingpong_words {
    padded_word ping;
    padded_word pong;
};

// One-way latency of a ping-pong in ns: half the mean round trip.
double one_way_ns(std::uint64_t start, std::uint64_t round_trips) {
    return static_cast<double>(now_ns() - start) / static_cast<double>(2 * round_trips);
}

double atomic_pingpong() {
    shared_block block(sizeof(pingpong_words));
    auto* w = new (block.as<void>()) pingpong_words;
    const std::uint64_t n = spin_round_trips;
    return with_peer(
        [&] {
            for (std::uint32_t i = 1; i <= n; ++i) {
                while (w->ping.value.load(std::memory_order_acquire) != i) {
                    ipc::detail::cpu_relax();
                }
                w->pong.value.store(i, std::memory_order_release);
            }
        },
        [&] {
            const auto start = now_ns();
            for (std::uint32_t i = 1; i <= n; ++i) {
                w->ping.value.store(i, std::memory_order_release);
                while (w->pong.value.load(std::memory_order_acquire) != i) {
                    ipc::detail::cpu_relax();
                }
            }
            return one_way_ns(start, n);
        });
}

void futex_wait(std::atomic<std::uint32_t>& word, std::uint32_t expected) {
    ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAIT, expected, nullptr,
              nullptr, 0);
}
void futex_wake(std::atomic<std::uint32_t>& word) {
    ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAKE, 1, nullptr, nullptr,
              0);
}

// Each side stores, wakes, then sleeps until the other side's word changes: the cheapest
// correct cross-process blocking hand-off.
void futex_side(std::atomic<std::uint32_t>& mine, std::atomic<std::uint32_t>& theirs,
                std::uint32_t i, bool send_first) {
    if (send_first) {
        mine.store(i, std::memory_order_release);
        futex_wake(mine);
    }
    std::uint32_t seen;
    while ((seen = theirs.load(std::memory_order_acquire)) != i) {
        futex_wait(theirs, seen);
    }
    if (!send_first) {
        mine.store(i, std::memory_order_release);
        futex_wake(mine);
    }
}

double futex_pingpong() {
    shared_block block(sizeof(pingpong_words));
    auto* w = new (block.as<void>()) pingpong_words;
    const std::uint64_t n = sleep_round_trips;
    return with_peer(
        [&] {
            for (std::uint32_t i = 1; i <= n; ++i) {
                futex_side(w->pong.value, w->ping.value, i, false);
            }
        },
        [&] {
            const auto start = now_ns();
            for (std::uint32_t i = 1; i <= n; ++i) {
                futex_side(w->ping.value, w->pong.value, i, true);
            }
            return one_way_ns(start, n);
        });
}

// Reads n bytes. `bounded`: as a wait with a deadline must (every libipc wait), the fd is
// non-blocking and each read follows a ppoll with a 20 ms slice, so a wake-up costs ppoll +
// read instead of one blocking read.
void read_exact(int fd, char* buf, std::size_t n, bool bounded) {
    std::size_t got = 0;
    while (got < n) {
        if (bounded) {
            pollfd p{fd, POLLIN, 0};
            const timespec slice{0, 20'000'000};
            (void)::ppoll(&p, 1, &slice, nullptr);
        }
        const ssize_t r = ::read(fd, buf + got, n - got);
        if (r < 0 && bounded && errno == EAGAIN) {
            continue;
        }
        if (r <= 0) {
            ::_exit(4);
        }
        got += static_cast<std::size_t>(r);
    }
}

void write_all(int fd, const char* buf, std::size_t n) {
    if (::write(fd, buf, n) != static_cast<ssize_t>(n)) {
        ::_exit(3);
    }
}

// Ping-pong over one fd per direction (eventfd, pipe, socket): `message` bytes each way.
double fd_pingpong(int to_child_w, int to_child_r, int to_parent_w, int to_parent_r,
                   std::size_t message, bool bounded = false) {
    const std::uint64_t n = sleep_round_trips;
    std::vector<char> buf(message, 1);
    return with_peer(
        [&] {
            for (std::uint64_t i = 0; i < n; ++i) {
                read_exact(to_child_r, buf.data(), message, bounded);
                write_all(to_parent_w, buf.data(), message);
            }
        },
        [&] {
            const auto start = now_ns();
            for (std::uint64_t i = 0; i < n; ++i) {
                write_all(to_child_w, buf.data(), message);
                read_exact(to_parent_r, buf.data(), message, bounded);
            }
            return one_way_ns(start, n);
        });
}

double eventfd_pingpong(bool bounded) {
    const int flags = bounded ? EFD_NONBLOCK : 0;
    const int a = ::eventfd(0, flags);
    const int b = ::eventfd(0, flags);
    const double v = fd_pingpong(a, a, b, b, sizeof(std::uint64_t), bounded);
    ::close(a);
    ::close(b);
    return v;
}

double pipe_pingpong() {
    int down[2];
    int up[2];
    if (::pipe(down) != 0 || ::pipe(up) != 0) {
        return 0;
    }
    const double v = fd_pingpong(down[1], down[0], up[1], up[0], 64);
    for (int fd : {down[0], down[1], up[0], up[1]}) {
        ::close(fd);
    }
    return v;
}

double unix_socket_pingpong() {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
        return 0;
    }
    const double v = fd_pingpong(sv[0], sv[1], sv[1], sv[0], 64);
    ::close(sv[0]);
    ::close(sv[1]);
    return v;
}

// memcpy of `size`-byte blocks cycling through a working set as large as the ring used for
// that size, in GB/s: the copy a ring does on each side, without the ring.
double memcpy_bandwidth(std::size_t size) {
    const std::size_t set = working_set_for(size);
    std::vector<std::byte> src(set, std::byte{1});
    std::vector<std::byte> dst(set);
    const std::size_t blocks = std::max<std::size_t>(set / size, 1);
    const std::uint64_t copies = std::max<std::uint64_t>(2'000'000'000ull / size / 4, 1000);
    // Warm, as the ring's copies are: one untimed pass over the working set first.
    for (std::size_t b = 0; b < blocks; ++b) {
        std::memcpy(dst.data() + b * size, src.data() + b * size, size);
    }
    const auto start = now_ns();
    for (std::uint64_t i = 0; i < copies; ++i) {
        const std::size_t off = (i % blocks) * size;
        std::memcpy(dst.data() + off, src.data() + off, size);
        asm volatile("" : : "r"(dst.data()) : "memory");  // keep the copy
    }
    const auto elapsed = static_cast<double>(now_ns() - start);
    return static_cast<double>(copies * size) / elapsed;  // bytes per ns == GB/s
}

}  // namespace

void add_baselines(std::vector<bench_case>& cases) {
    cases.push_back(measured("atomic_pingpong_oneway", "ns", "", atomic_pingpong));
    cases.push_back(measured("futex_pingpong_oneway", "ns", "", futex_pingpong));
    cases.push_back(
        measured("eventfd_pingpong_oneway", "ns", "", [] { return eventfd_pingpong(false); }));
    cases.push_back(measured("eventfd_bounded_pingpong_oneway", "ns", "eventfd_pingpong_oneway",
                             [] { return eventfd_pingpong(true); }));
    cases.push_back(measured("pipe_pingpong_oneway_64B", "ns", "", pipe_pingpong));
    cases.push_back(measured("unix_socket_pingpong_oneway_64B", "ns", "", unix_socket_pingpong));
    for (std::size_t size : throughput_sizes()) {
        cases.push_back(measured("memcpy_" + size_label(size), "GB/s", "",
                                 [size] { return memcpy_bandwidth(size); }));
    }
}

}  // namespace bench
