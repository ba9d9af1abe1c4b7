#pragma once
// The traffic every demo generates, as its command line sets it.

#include <cstdint>
#include <string>

#include "ipc/wait_strategy.hpp"

namespace demo {

struct traffic_options {
    std::string name = "demo";
    std::uint32_t size = 256;
    double rate = 10'000;  // messages (or calls) per second, 0 = flat out
    double duration = 0;   // seconds, 0 = until SIGINT/SIGTERM
    std::string wait = "adaptive";
    std::uint32_t slots = 4;  // slots demo: slots, and host threads, one per slot
};

// "spin", "adaptive" or "blocking" as a wait strategy.
ipc::wait_strategy parse_wait(const std::string& s);

}  // namespace demo
