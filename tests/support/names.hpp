#pragma once
// Channel names unique to this test process, so tests never collide in /dev/shm.

#include <unistd.h>

#include <atomic>
#include <string>

namespace ipc::test {

inline std::string unique_name(const std::string& stem) {
    static std::atomic<int> counter{0};
    return "test-" + std::to_string(::getpid()) + "-" + stem + "-" + std::to_string(counter++);
}

}  // namespace ipc::test
