#pragma once

#include <chrono>
#include <thread>

namespace ipc::test {

template <class Condition>
bool eventually(Condition&& condition, std::chrono::milliseconds timeout,
                std::chrono::milliseconds every) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
        if (std::chrono::steady_clock::now() >= until) {
            return false;
        }
        std::this_thread::sleep_for(every);
    }
    return true;
}

}  // namespace ipc::test
