// Test helper: one side of a slots channel in its own process.
//   slots_peer guest NAME WORKERS MAX_SLOTS echo|hang|gate:PATH
//   slots_peer host  NAME SLOTS calls|hold
// guest serves the echo service (tests/support/echo.hpp): "hang" never answers, "gate:PATH"
// answers once the file PATH exists. host opens the segment with the test geometry, waits for a
// guest, then calls forever ("calls") or posts one call on slot 0 and waits for it ("hold").
// Exit codes: 0 serve ended by shutdown, 2 usage, 3 open failed, 4 the host is gone (peer_gone),
// 5 another serve or call error.

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "ipc/slots.hpp"
#include "support/echo.hpp"

namespace {

constexpr std::uint32_t request_capacity = 256;

ipc::slots_handler handler_for(const std::string& mode) {
    if (mode == "hang") {
        return [](auto, auto) -> ipc::result<std::size_t> {
            for (;;) {
                ::pause();
            }
        };
    }
    if (mode.rfind("gate:", 0) == 0) {
        const std::string path = mode.substr(5);
        return [path](auto request, auto response) {
            // Waits for the test to create the file: a condition, polled.
            while (::access(path.c_str(), F_OK) != 0) {
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            }
            return ipc::test::echo(request, response);
        };
    }
    return ipc::test::echo;
}

int guest(const char* name, std::uint32_t workers, std::uint32_t max_slots,
          const std::string& mode) {
    ipc::guest_options o;
    o.workers = workers;
    o.max_slots = max_slots;
    auto g = ipc::slots_guest::open(name, o);
    if (!g) {
        std::fprintf(stderr, "slots_peer: %s\n", g.error_value().message().c_str());
        return 3;
    }
    auto served = g->serve(handler_for(mode));
    if (served.code() == ipc::errc::peer_gone) {
        return 4;
    }
    return served ? 0 : 5;
}

int host(const char* name, std::uint32_t slots, const std::string& mode) {
    ipc::slots_options o;
    o.slots = slots;
    o.request_capacity = request_capacity;
    o.response_capacity = request_capacity + ipc::test::echo_overhead;
    auto h = ipc::slots_host::open(name, o);
    if (!h) {
        std::fprintf(stderr, "slots_peer: %s\n", h.error_value().message().c_str());
        return 3;
    }
    if (!h->wait_for_guests(1)) {
        return 5;
    }
    std::vector<std::byte> request(64, std::byte{7}), response(request_capacity + 8);
    if (mode == "hold") {
        auto t = h->submit_on(0, request);
        if (!t) {
            return 5;
        }
        (void)h->wait(*t, response);
        return 5;
    }
    for (;;) {
        if (auto r = h->call(request, response); !r) {
            std::fprintf(stderr, "slots_peer: %s\n", r.error_value().message().c_str());
            return 5;
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    const std::string role = argc > 1 ? argv[1] : "";
    if (role == "guest" && argc == 6) {
        return guest(argv[2], static_cast<std::uint32_t>(std::strtoul(argv[3], nullptr, 10)),
                     static_cast<std::uint32_t>(std::strtoul(argv[4], nullptr, 10)), argv[5]);
    }
    if (role == "host" && argc == 5) {
        return host(argv[2], static_cast<std::uint32_t>(std::strtoul(argv[3], nullptr, 10)),
                    argv[4]);
    }
    std::fprintf(stderr,
                 "usage: slots_peer guest NAME WORKERS MAX_SLOTS echo|hang|gate:PATH\n"
                 "       slots_peer host NAME SLOTS calls|hold\n");
    return 2;
}
