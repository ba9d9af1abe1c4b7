// broker: a server here and clients in forked processes that connect by name. 64 B round trips
// beside the raw atomic and eventfd round trips; one-way throughput beside memcpy; round trips
// per second from 1, 4 and 16 clients to one server thread beside the same load over plain
// Unix stream sockets.

#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "cases.hpp"
#include "ipc/broker.hpp"
#include "ipc/broker_poller.hpp"
#include "ipc/telemetry.hpp"
#include "ipc/unix_socket.hpp"
#include "must.hpp"
#include "two_way_loops.hpp"

namespace bench {

namespace {

using namespace std::chrono_literals;

constexpr std::uint64_t round_trips = 100'000;
constexpr std::uint64_t blocking_round_trips = 20'000;
constexpr std::uint64_t clients_round_trips = 200'000;  // in all, shared by the clients

ipc::broker_options options_for(ipc::wait_strategy wait, std::size_t size) {
    ipc::broker_options o;
    o.wait = wait;
    o.max_message = static_cast<std::uint32_t>(size);
    o.capacity = working_set_for(size);
    return o;
}

// A client (in a forked process): echoes every message, or takes `sink` and answers one.
void client(const std::string& name, const ipc::broker_options& o, std::uint64_t sink) {
    auto c = must(ipc::broker_client::connect(name, o));
    const std::byte done[1] = {std::byte{1}};
    for (std::uint64_t i = 0; sink == 0 || i < sink; ++i) {
        auto m = c.from_peer().read();
        if (!m) {
            return;  // the server closed: the run is over
        }
        if (sink == 0) {
            check(c.to_peer().send(m->payload));
        }
        c.from_peer().release();
    }
    check(c.to_peer().send(done));
}

// `measure` over the server's end of one client's connection.
template <class Measure>
double with_client(ipc::wait_strategy wait, std::size_t size, std::uint64_t sink,
                   Measure&& measure) {
    const auto o = options_for(wait, size);
    const std::string name = unique_channel("broker");
    auto server = must(ipc::broker_server::listen(name, o));
    return with_peer([&] { client(name, o, sink); },
                     [&] {
                         using end = ring_pair_end<ipc::broker_connection>;
                         return measure(end{must(server.accept(10s))});
                     });
}

// Forks `n` processes running `body(i)`, runs `serve` here, and reaps them.
template <class Body, class Serve>
double with_clients(int n, Body&& body, Serve&& serve) {
    std::vector<pid_t> pids;
    for (int i = 0; i < n; ++i) {
        const pid_t pid = ::fork();
        if (pid == 0) {
            int rc = 0;
            try {
                body(i);
            } catch (const std::exception&) {
                rc = 1;
            }
            ipc::telemetry::remove_segment();  // _exit skips the handler that would
            ::_exit(rc);
        }
        pids.push_back(pid);
    }
    const double v = serve();
    for (pid_t pid : pids) {
        (void)::waitpid(pid, nullptr, 0);
    }
    return v;
}

// One server thread, epoll: echoes 64 B requests from `n` clients until each has made
// clients_round_trips / n, then reports round trips per second.
double broker_clients(int n) {
    auto o = options_for(ipc::wait_strategy::blocking, 64);  // 16 clients share two cores
    const std::string name = unique_channel("broker-clients");
    auto server = must(ipc::broker_server::listen(name, o));
    const std::uint64_t each = clients_round_trips / static_cast<std::uint64_t>(n);
    return with_clients(
        n,
        [&](int) {
            auto c = must(ipc::broker_client::connect(name, o));
            std::vector<std::byte> msg(64, std::byte{7});
            std::vector<std::byte> back(64);
            for (std::uint64_t i = 0; i < each; ++i) {
                check(c.to_peer().send(msg));
                (void)must(c.from_peer().receive(back));
            }
        },
        [&] {
            auto poller = must(ipc::broker_poller::open(server));
            std::vector<std::byte> buf(64);
            std::uint64_t served = 0;
            const auto serve_ready = [&] {
                for (ipc::broker_connection* c : must(poller.wait(1s))) {
                    for (;;) {
                        auto got = c->from_peer().try_receive(buf);
                        if (!got) {
                            break;  // empty: armed again
                        }
                        check(c->to_peer().send(std::span(buf).first(*got)));
                        ++served;
                    }
                }
            };
            while (poller.accepted() < static_cast<std::uint64_t>(n)) {
                serve_ready();  // timed once every client is in, as the socket baseline is
            }
            const std::uint64_t before = served;
            const auto start = now_ns();
            while (served < each * static_cast<std::uint64_t>(n)) {
                serve_ready();
            }
            const double seconds = static_cast<double>(now_ns() - start) / 1e9;
            return static_cast<double>(served - before) / seconds;
        });
}

// The same load over plain Unix stream sockets: what a user would otherwise pick.
double unix_socket_clients(int n) {
    const std::string path = "/tmp/" + unique_channel("bench-stream") + ".sock";
    auto listener = must(ipc::unix_socket::listen(path));
    const std::uint64_t each = clients_round_trips / static_cast<std::uint64_t>(n);
    const double v = with_clients(
        n,
        [&](int) {
            auto s = must(ipc::unix_socket::connect(path));
            char msg[64] = {7};
            for (std::uint64_t i = 0; i < each; ++i) {
                if (::write(s.get(), msg, 64) != 64) {
                    return;
                }
                for (std::size_t got = 0; got < 64;) {
                    const ssize_t r = ::read(s.get(), msg + got, 64 - got);
                    if (r <= 0) {
                        return;
                    }
                    got += static_cast<std::size_t>(r);
                }
            }
        },
        [&] {
            std::vector<ipc::unique_fd> conns;
            const int ep = ::epoll_create1(EPOLL_CLOEXEC);
            for (int i = 0; i < n; ++i) {
                conns.push_back(must(ipc::unix_socket::accept(listener.get(), 10s)));
                epoll_event ev{EPOLLIN, {.u64 = static_cast<std::uint64_t>(i)}};
                (void)::epoll_ctl(ep, EPOLL_CTL_ADD, conns.back().get(), &ev);
            }
            std::uint64_t served = 0;
            const auto start = now_ns();
            char buf[4096];
            while (served < each * static_cast<std::uint64_t>(n)) {
                epoll_event events[64];
                const int k = ::epoll_wait(ep, events, 64, 1000);
                for (int i = 0; i < k; ++i) {
                    const int fd = conns[events[i].data.u64].get();
                    const ssize_t r = ::read(fd, buf, sizeof buf);  // whole requests: 64 B each
                    if (r > 0 && ::write(fd, buf, static_cast<std::size_t>(r)) == r) {
                        served += static_cast<std::uint64_t>(r) / 64;
                    }
                }
            }
            const double seconds = static_cast<double>(now_ns() - start) / 1e9;
            ::close(ep);
            return static_cast<double>(served) / seconds;
        });
    ::unlink(path.c_str());
    return v;
}

}  // namespace

void add_broker_cases(std::vector<bench_case>& cases) {
    cases.push_back(
        measured("broker_roundtrip_64B_adaptive", "ns", "atomic_pingpong_roundtrip", [] {
            return with_client(ipc::wait_strategy::adaptive, 64, 0, [](auto end) {
                return round_trip(std::move(end), 64, round_trips);
            });
        }));
    cases.push_back(
        measured("broker_roundtrip_64B_blocking", "ns", "eventfd_pingpong_roundtrip", [] {
            return with_client(ipc::wait_strategy::blocking, 64, 0, [](auto end) {
                return round_trip(std::move(end), 64, blocking_round_trips);
            });
        }));
    for (const std::size_t size : {std::size_t{64}, std::size_t{1 << 20}}) {
        const auto label = size_label(size);
        const std::uint64_t count = std::max<std::uint64_t>(4'000'000'000ull / 8 / size, 2000);
        cases.push_back(measured("broker_throughput_" + label, "GB/s", "memcpy_" + label, [=] {
            return with_client(ipc::wait_strategy::adaptive, size, count,
                               [=](auto end) { return throughput(std::move(end), size, count); });
        }));
    }
    for (const int n : {1, 4, 16}) {
        const std::string clients = std::to_string(n) + "_clients";
        cases.push_back(measured("unix_socket_roundtrips_per_s_" + clients, "msgs/s", "",
                                 [n] { return unix_socket_clients(n); }));
        cases.push_back(measured("broker_roundtrips_per_s_" + clients, "msgs/s",
                                 "unix_socket_roundtrips_per_s_" + clients,
                                 [n] { return broker_clients(n); }));
    }
}

}  // namespace bench
