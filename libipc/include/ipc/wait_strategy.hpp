#pragma once

#include <cstdint>

namespace ipc {

// How a blocked endpoint waits for its peer.
enum class wait_strategy : std::uint8_t {
    busy_spin,  // poll without sleeping: lowest latency, burns a core
    adaptive,   // spin, then yield, then sleep on the doorbell: the default
    blocking,   // sleep on the doorbell at once: least CPU
};

const char* to_string(wait_strategy s) noexcept;

}  // namespace ipc
