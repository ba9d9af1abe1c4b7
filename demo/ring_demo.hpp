#pragma once

#include <cstdint>
#include <string>

namespace demo {

struct traffic_options {
    std::string name = "demo";
    std::uint32_t size = 256;
    double rate = 10'000;  // messages per second, 0 = flat out
    double duration = 0;   // seconds, 0 = until SIGINT/SIGTERM
    std::string wait = "adaptive";
};

// Parent: creates the ring, spawns the reader child, sends until stopped, reports.
int run_ring_parent(const traffic_options& o, const char* self_exe);
// Child: reads until the writer is gone, checking sequence numbers.
int run_ring_child(const traffic_options& o);

}  // namespace demo
