#include "ipc/futex.hpp"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

namespace ipc::futex {

result<void> wait(std::uint32_t* word, std::uint32_t expected, std::uint64_t timeout_ns) noexcept {
    timespec ts{};
    ts.tv_sec = static_cast<time_t>(timeout_ns / 1'000'000'000u);
    ts.tv_nsec = static_cast<long>(timeout_ns % 1'000'000'000u);
    // Not FUTEX_PRIVATE_FLAG: the word lives in memory shared between processes.
    const long rc = ::syscall(SYS_futex, word, FUTEX_WAIT, expected, &ts, nullptr, 0);
    if (rc == 0 || errno == EAGAIN || errno == EINTR) {
        return {};
    }
    if (errno == ETIMEDOUT) {
        return error{errc::timeout, "futex wait timed out"};
    }
    return system_error("futex wait failed");
}

void wake(std::uint32_t* word, int count) noexcept {
    ::syscall(SYS_futex, word, FUTEX_WAKE, count, nullptr, nullptr, 0);
}

}  // namespace ipc::futex
