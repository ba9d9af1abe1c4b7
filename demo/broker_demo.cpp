#include "broker_demo.hpp"

#include <sys/epoll.h>
#include <unistd.h>

#include <fmt/format.h>

#include <memory>
#include <string>
#include <vector>

#include "child_control.hpp"
#include "ipc/broker.hpp"
#include "round_trips.hpp"

namespace demo {

namespace {

using namespace std::chrono_literals;

ipc::broker_options broker_options_for(const traffic_options& o) {
    ipc::broker_options b;
    b.max_message = std::max<std::uint32_t>(o.size, 8);
    b.wait = parse_wait(o.wait);
    return b;
}

// The server's one thread: an epoll set of the listening socket (tag 0) and, per connection,
// its ring's wait_fd and its socket (tag: the connection's place + 1).
class echo_loop {
  public:
    echo_loop(ipc::broker_server& server, std::uint32_t size)
        : server_(server), epoll_(::epoll_create1(EPOLL_CLOEXEC)), buffer_(size) {
        add(server_.wait_fd(), 0);
    }
    ~echo_loop() { ::close(epoll_); }

    // Serves until `done` says so, looking at it every 100 ms.
    template <class Done>
    void run(Done&& done) {
        while (!done()) {
            epoll_event events[32];
            const int n = ::epoll_wait(epoll_, events, 32, 100);
            for (int i = 0; i < n; ++i) {
                const std::uint64_t tag = events[i].data.u64;
                if (tag == 0) {
                    take_client();
                } else if (connections_[tag - 1] && !echo(*connections_[tag - 1])) {
                    drop(tag - 1);
                }
            }
        }
    }

  private:
    // A ring's wait_fd is watched for EPOLLIN; a socket for its hang-up alone (EPOLLRDHUP).
    void add(int fd, std::uint64_t tag, std::uint32_t events = EPOLLIN) {
        epoll_event ev{};
        ev.events = events;
        ev.data.u64 = tag;
        (void)::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev);
    }

    void take_client() {
        auto c = server_.accept(0ns);
        if (!c) {
            if (c.code() != ipc::errc::timeout) {
                fmt::print(stderr, "ipc-demo: a client was refused: {}\n",
                           c.error_value().message());
            }
            return;
        }
        connections_.push_back(std::make_unique<ipc::broker_connection>(std::move(*c)));
        auto& conn = *connections_.back();
        add(conn.from_peer().wait_fd(), connections_.size());
        add(conn.socket_fd(), connections_.size(), EPOLLRDHUP);
        if (!echo(conn)) {  // also arms wait_fd: no event comes before a try found it empty
            drop(connections_.size() - 1);
        }
    }

    // Echoes what is waiting; false once the client has gone.
    bool echo(ipc::broker_connection& c) {
        for (;;) {
            auto n = c.from_peer().try_receive(buffer_);
            if (n.code() == ipc::errc::empty) {
                return true;
            }
            if (!n || !c.to_peer().send(std::span(buffer_).first(*n), 1s)) {
                return false;
            }
        }
    }

    void drop(std::size_t place) {
        auto& conn = connections_[place];
        (void)::epoll_ctl(epoll_, EPOLL_CTL_DEL, conn->from_peer().wait_fd(), nullptr);
        (void)::epoll_ctl(epoll_, EPOLL_CTL_DEL, conn->socket_fd(), nullptr);
        conn.reset();  // closed: the client's memory is released with its own end
    }

    ipc::broker_server& server_;
    int epoll_;
    std::vector<std::byte> buffer_;
    std::vector<std::unique_ptr<ipc::broker_connection>> connections_;
};

}  // namespace

int run_broker_server(const traffic_options& o, unsigned clients, const char* self_exe) {
    stop_on_signals();
    auto server = ipc::broker_server::listen(o.name, broker_options_for(o));
    if (!server) {
        fmt::print(stderr, "ipc-demo: cannot listen: {}\n", server.error_value().message());
        return 1;
    }
    fmt::print("ipc-demo: broker '{}' server pid {} on {}, {} clients, {} B\n", o.name, ::getpid(),
               server->path(), clients, o.size);
    std::fflush(stdout);
    std::vector<ipc::supervised_child> started;  // its status kept, to be asked again
    for (unsigned i = 0; i < clients; ++i) {
        auto c = spawn_self(self_exe, {"broker-client", "--name", o.name, "--size",
                                       std::to_string(o.size), "--rate", std::to_string(o.rate),
                                       "--duration", std::to_string(o.duration), "--wait", o.wait});
        if (c) {
            started.emplace_back(std::move(*c), 2s);
        }
    }
    {  // the loop's end closes every connection: the clients then finish
        echo_loop loop(*server, std::max<std::uint32_t>(o.size, 8));
        loop.run([&] {
            return stop_requested() ||
                   std::all_of(started.begin(), started.end(),
                               [](ipc::supervised_child& c) { return c.wait(0ns).has_value(); });
        });
    }
    bool all_ok = started.size() == clients;
    for (auto& c : started) {
        // After a stop, the clients see their connections closed (the loop's end) and finish.
        auto status = c.wait(5s);
        all_ok = status && status->exited && status->code == 0 && all_ok;
    }
    fmt::print("ipc-demo: {}\n", all_ok ? "every client checked every echo" : "a client failed");
    return all_ok ? 0 : 1;
}

int run_broker_client(const traffic_options& o) {
    ignore_interrupt();  // Ctrl-C is for the server, which then closes every connection
    auto c = ipc::broker_client::connect(o.name, broker_options_for(o));
    if (!c) {
        fmt::print(stderr, "ipc-demo client: {}\n", c.error_value().message());
        return 1;
    }
    return round_trips(ring_pair_end{*c}, o, o.size);
}

}  // namespace demo
