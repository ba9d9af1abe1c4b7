#include "broker_demo.hpp"

#include <unistd.h>

#include <fmt/format.h>

#include <string>
#include <vector>

#include "child_control.hpp"
#include "ipc/broker.hpp"
#include "ipc/broker_poller.hpp"
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

// Echoes what is waiting; false once the client has gone.
bool echo(ipc::broker_connection& c, std::vector<std::byte>& buffer) {
    for (;;) {
        auto n = c.from_peer().try_receive(buffer);
        if (n.code() == ipc::errc::empty) {
            return true;  // and wait_fd is armed again
        }
        if (!n || !c.to_peer().send(std::span(buffer).first(*n), 1s)) {
            return false;
        }
    }
}

// The server's one thread, until `done` says so (looking at it every 100 ms).
template <class Done>
bool serve(ipc::broker_server& server, std::uint32_t size, Done&& done) {
    auto poller = ipc::broker_poller::open(server);
    if (!poller) {
        fmt::print(stderr, "ipc-demo: {}\n", poller.error_value().message());
        return false;
    }
    std::vector<std::byte> buffer(size);
    while (!done()) {
        auto ready = poller->wait(100ms);
        if (!ready) {
            fmt::print(stderr, "ipc-demo: the server cannot go on: {}\n",
                       ready.error_value().message());
            return false;
        }
        for (ipc::broker_connection* c : *ready) {
            if (!echo(*c, buffer) || poller->hung_up(*c)) {
                poller->drop(*c);  // closed: the client's memory is released with its own end
            }
        }
    }
    return true;
}

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
    // The loop's end closes every connection: the clients then finish.
    const bool served = serve(*server, std::max<std::uint32_t>(o.size, 8), [&] {
        return stop_requested() ||
               std::all_of(started.begin(), started.end(),
                           [](ipc::supervised_child& c) { return c.wait(0ns).has_value(); });
    });
    bool all_ok = served && started.size() == clients;
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
