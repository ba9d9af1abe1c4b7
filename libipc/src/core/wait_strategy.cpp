#include "ipc/wait_strategy.hpp"

namespace ipc {

const char* to_string(wait_strategy s) noexcept {
    switch (s) {
        case wait_strategy::busy_spin:
            return "busy_spin";
        case wait_strategy::adaptive:
            return "adaptive";
        case wait_strategy::blocking:
            return "blocking";
    }
    return "unknown";
}

}  // namespace ipc
