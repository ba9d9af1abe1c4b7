#include "duplex_demo.hpp"

#include <signal.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "child_control.hpp"
#include "ipc/duplex.hpp"
#include "ipc/efdstream.hpp"
#include "round_trips.hpp"

namespace demo {

namespace {

using namespace std::chrono_literals;

struct efdstream_end {
    ipc::efdstream_parent& e;
    ipc::result<void> send(std::span<const std::byte> m) { return e.send(m, 1s); }
    ipc::result<std::span<const std::byte>> read() { return e.read(1s); }
    void release() { e.release(); }
};

ipc::duplex_options duplex_options_for(const traffic_options& o) {
    ipc::duplex_options d;
    d.name = o.name;
    d.max_message = std::max<std::uint32_t>(o.size, 8);
    d.wait = parse_wait(o.wait);
    return d;
}

int report(int rc, ipc::result<ipc::exit_status> child) {
    const bool child_ok = child && child->code == 0 && child->signal == 0;
    fmt::print("ipc-demo: child {}\n", child_ok ? "stopped cleanly" : "did not stop cleanly");
    return rc == 0 && child_ok ? 0 : 1;
}

}  // namespace

int run_duplex_parent(const traffic_options& o, const std::string& protocol,
                      const std::string& child_program, const char* self_exe) {
    stop_on_signals();
    if (protocol == "efdstream") {
        ipc::efdstream_options e;
        e.name = o.name;
        e.shm_size = std::max<std::uint32_t>(o.size, 1);
        // The parent's strategy only: the child is started with the protocol's command line,
        // which cannot carry --wait, so an ipc-demo child waits adaptively (the default).
        e.wait = parse_wait(o.wait);
        auto p = ipc::efdstream_parent::spawn(child_program.empty() ? self_exe : child_program, e);
        if (!p) {
            fmt::print(stderr, "ipc-demo: cannot start the efdstream child: {}\n",
                       p.error_value().message());
            return 1;
        }
        fmt::print("ipc-demo: efdstream '{}' parent pid {} <-> child pid {}, {} B\n", o.name,
                   ::getpid(), p->child().pid(), e.shm_size);
        std::fflush(stdout);
        const int rc = round_trips(efdstream_end{*p}, o, static_cast<std::uint32_t>(e.shm_size));
        auto child = p->close();
        // A foreign child runs until it is killed, as the reference parents kill it.
        return child_program.empty() ? report(rc, child) : rc;
    }
    auto d = ipc::duplex_parent::spawn(
        self_exe, {self_exe, "duplex-child", "--size", std::to_string(o.size), "--wait", o.wait},
        duplex_options_for(o));
    if (!d) {
        fmt::print(stderr, "ipc-demo: cannot start the duplex child: {}\n",
                   d.error_value().message());
        return 1;
    }
    fmt::print("ipc-demo: duplex '{}' parent pid {} <-> child pid {}, {} B\n", o.name, ::getpid(),
               d->child().pid(), o.size);
    std::fflush(stdout);
    const int rc = round_trips(ring_pair_end{*d}, o, o.size);
    return report(rc, d->close());
}

int run_duplex_child(const traffic_options& o) {
    ignore_interrupt();
    ipc::duplex_options options = duplex_options_for(o);
    auto d = ipc::duplex_child::inherit(options);
    if (!d) {
        fmt::print(stderr, "ipc-demo child: {}\n", d.error_value().message());
        return 1;
    }
    for (;;) {
        auto m = d->from_peer().read();
        if (!m) {
            return m.code() == ipc::errc::peer_closed ? 0 : 1;
        }
        auto sent = d->to_peer().send(m->payload);
        d->from_peer().release();
        if (!sent) {
            return sent.code() == ipc::errc::peer_closed ? 0 : 1;
        }
    }
}

int run_efdstream_child(int argc, char** argv) {
    // The protocol's parent stops its child with a signal (SIGTERM from a libipc parent): the
    // loop looks for it between reads, and ends as a clean exit.
    stop_on_signals();
    ignore_interrupt();  // Ctrl-C is for the parent, which then stops the child
    auto e = ipc::efdstream_child::inherit(argc, argv);
    if (!e) {
        fmt::print(stderr, "ipc-demo child: {}\n", e.error_value().message());
        return 1;
    }
    while (!stop_requested()) {
        auto m = e->read(100ms);
        if (!m && m.code() == ipc::errc::timeout) {
            continue;
        }
        if (!m) {
            return m.code() == ipc::errc::peer_gone ? 0 : 1;  // the parent went
        }
        auto sent = e->send(*m);
        e->release();
        if (!sent) {
            return sent.code() == ipc::errc::peer_gone ? 0 : 1;
        }
    }
    return 0;
}

}  // namespace demo
