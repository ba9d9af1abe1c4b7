#include "harness.hpp"

#include <sched.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <stdexcept>

#include "ipc/clock.hpp"
#include "ipc/telemetry.hpp"

namespace bench {

void pin_to(int cpu) {
    if (cpu < 0) {
        return;
    }
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    ::sched_setaffinity(0, sizeof set, &set);
}

settings& current_settings() {
    static settings s;
    return s;
}

double with_peer(const std::function<void()>& child, const std::function<double()>& parent) {
    const pid_t pid = ::fork();
    if (pid < 0) {
        throw std::runtime_error("fork failed");
    }
    if (pid == 0) {
        pin_to(current_settings().child_cpu);
        child();
        ipc::telemetry::remove_segment();  // _exit skips the atexit handler that would
        ::_exit(0);
    }
    pin_to(current_settings().parent_cpu);
    const double value = parent();
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        throw std::runtime_error("benchmark peer process failed");
    }
    return value;
}

shared_block::shared_block(std::size_t size) : size_(size) {
    addr_ = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (addr_ == MAP_FAILED) {
        throw std::runtime_error("mmap failed");
    }
}

shared_block::~shared_block() {
    ::munmap(addr_, size_);
}

std::uint64_t now_ns() noexcept {
    return ipc::monotonic_ns();
}

double median(std::vector<double> values) {
    if (values.empty()) {
        return 0;
    }
    std::sort(values.begin(), values.end());
    const std::size_t mid = values.size() / 2;
    return values.size() % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

std::string unique_channel(const std::string& stem) {
    static std::atomic<int> counter{0};
    return "bench-" + std::to_string(::getpid()) + "-" + stem + "-" + std::to_string(counter++);
}

}  // namespace bench
