#pragma once

#include <chrono>
#include <cstdint>

namespace ipc {

// How a blocked endpoint waits for its peer.
enum class wait_strategy : std::uint8_t {
    busy_spin,  // poll without sleeping: lowest latency, burns a core
    adaptive,   // spin, then yield, then sleep on the doorbell: the default
    blocking,   // sleep on the doorbell at once: least CPU
};

const char* to_string(wait_strategy s) noexcept;

// How often a blocked call checks that its peer is still alive: a dead peer is reported within
// about this long.
inline constexpr std::chrono::milliseconds peer_check_interval{20};

}  // namespace ipc
