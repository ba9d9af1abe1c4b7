#include "traffic.hpp"

namespace demo {

ipc::wait_strategy parse_wait(const std::string& s) {
    if (s == "spin") {
        return ipc::wait_strategy::busy_spin;
    }
    return s == "blocking" ? ipc::wait_strategy::blocking : ipc::wait_strategy::adaptive;
}

}  // namespace demo
