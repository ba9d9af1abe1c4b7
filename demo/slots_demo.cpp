#include "slots_demo.hpp"

#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

#include "child_control.hpp"
#include "ipc/slots.hpp"
#include "pacer.hpp"

namespace demo {

namespace {

// The guest's service: every byte of the request, inverted. The host checks each one, so a
// response that is not the guest's answer to this very request is caught.
constexpr std::byte flip{0x5a};

ipc::result<std::size_t> invert(std::span<const std::byte> request, std::span<std::byte> response) {
    for (std::size_t i = 0; i < request.size(); ++i) {
        response[i] = request[i] ^ flip;
    }
    return request.size();
}

bool is_inverse(std::span<const std::byte> response, std::span<const std::byte> request) {
    return response.size() == request.size() &&
           std::equal(request.begin(), request.end(), response.begin(),
                      [](std::byte a, std::byte b) { return (a ^ flip) == b; });
}

ipc::slots_options slots_options_for(const traffic_options& o) {
    ipc::slots_options so;
    so.slots = o.slots;
    so.request_capacity = std::max<std::uint32_t>(o.size, 8);
    so.response_capacity = so.request_capacity;
    so.wait = parse_wait(o.wait);
    return so;
}

struct call_totals {
    std::atomic<std::uint64_t> completed{0};
    std::atomic<std::uint64_t> failed{0};
    std::atomic<bool> wrong{false};       // a response arrived with the wrong bytes
    std::atomic<bool> guest_gone{false};  // calls failed because the guest died
    bool stop() const { return wrong.load() || guest_gone.load(); }
};

// One host thread: calls on its own slot at its share of the rate until stopped.
void call_loop(ipc::slots_host& host, std::uint32_t slot, const traffic_options& o,
               std::uint64_t end_ns, call_totals& totals) {
    std::vector<std::byte> request(o.size), response(o.size);
    pacer pace(o.rate / o.slots);
    for (std::uint64_t seq = 0; !stop_requested() && !totals.stop(); ++seq) {
        if (end_ns != 0 && ipc::monotonic_ns() >= end_ns) {
            break;
        }
        pace.wait_turn(seq);
        if (request.size() >= sizeof seq) {
            std::memcpy(request.data(), &seq, sizeof seq);
        }
        auto n = host.call_on(slot, request, response, std::chrono::seconds(1));
        if (!n) {
            totals.failed.fetch_add(1);
            if (n.code() == ipc::errc::peer_gone) {
                fmt::print(stderr, "ipc-demo: slot {}: {}\n", slot, n.error_value().message());
                totals.guest_gone.store(true);
            }
        } else if (!is_inverse({response.data(), *n}, request)) {
            fmt::print(stderr, "ipc-demo: slot {}: response {} is wrong\n", slot, seq);
            totals.wrong.store(true);
        } else {
            totals.completed.fetch_add(1);
        }
    }
}

}  // namespace

int run_slots_parent(const traffic_options& o, const char* self_exe) {
    stop_on_signals();
    auto host = ipc::slots_host::open(o.name, slots_options_for(o));
    if (!host) {
        fmt::print(stderr, "ipc-demo: cannot open slots '{}': {}\n", o.name,
                   host.error_value().message());
        return 1;
    }
    auto child =
        spawn_self(self_exe, {"slots-child", "--name", o.name, "--size", std::to_string(o.size),
                              "--wait", o.wait, "--slots", std::to_string(o.slots)});
    if (!child) {
        fmt::print(stderr, "ipc-demo: cannot start the guest child: {}\n",
                   child.error_value().message());
        return 1;
    }
    if (auto ready = host->wait_for_guests(o.slots, std::chrono::seconds(10)); !ready) {
        fmt::print(stderr, "ipc-demo: the guest did not attach: {}\n",
                   ready.error_value().message());
        return 1;
    }
    fmt::print("ipc-demo: slots '{}' host pid {} -> guest pid {}, {} slots, {} B at {}\n", o.name,
               ::getpid(), child->pid(), o.slots, o.size,
               o.rate > 0 ? fmt::format("{} calls/s", o.rate) : "flat out");
    std::fflush(stdout);
    const std::uint64_t end_ns =
        o.duration > 0 ? ipc::monotonic_ns() + static_cast<std::uint64_t>(o.duration * 1e9) : 0;
    call_totals totals;
    std::vector<std::thread> callers;
    for (std::uint32_t slot = 0; slot < o.slots; ++slot) {
        callers.emplace_back(call_loop, std::ref(*host), slot, std::cref(o), end_ns,
                             std::ref(totals));
    }
    for (auto& t : callers) {
        t.join();
    }
    host->close();  // tells the guest to stop
    const bool child_ok = child_succeeded(*child);
    // Failed calls and wrong answers are different faults: report each for what it is.
    fmt::print("ipc-demo: calls completed {} failed {}; responses {}; guest {}\n",
               totals.completed.load(), totals.failed.load(),
               totals.wrong.load() ? "WRONG" : "all that arrived were right",
               totals.guest_gone.load() ? "died"
               : child_ok               ? "stopped cleanly"
                                        : "failed");
    return !totals.stop() && child_ok ? 0 : 1;
}

int run_slots_child(const traffic_options& o) {
    ignore_interrupt();
    auto guest = ipc::slots_guest::open(o.name, {.wait = parse_wait(o.wait)});
    if (!guest) {
        fmt::print(stderr, "ipc-demo child: cannot open slots '{}': {}\n", o.name,
                   guest.error_value().message());
        return 1;
    }
    auto served = guest->serve(invert);
    if (!served) {
        fmt::print(stderr, "ipc-demo child: {}\n", served.error_value().message());
        return 1;
    }
    fmt::print("ipc-demo child: the host shut down; {} workers stopped\n", guest->workers());
    return 0;
}

}  // namespace demo
