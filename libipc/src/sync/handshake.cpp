#include "sync/handshake.hpp"

#include <linux/membarrier.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>

namespace ipc::detail {

namespace {

// Set once this process has registered. A forked child does not inherit the registration, so
// the atfork handler clears the flag in the child (no getpid() on the hot path: it is a
// syscall).
std::atomic<bool> registered{false};
std::atomic<bool> atfork_installed{false};

void forget_registration_in_child() noexcept {
    registered.store(false, std::memory_order_relaxed);
}

long membarrier(int command) noexcept {
    return ::syscall(SYS_membarrier, command, 0, 0);
}

bool registered_here() noexcept {
    return registered.load(std::memory_order_relaxed);
}

}  // namespace

void register_for_asymmetric_fences() noexcept {
    if (registered_here()) {
        return;
    }
    if (!atfork_installed.exchange(true)) {
        ::pthread_atfork(nullptr, nullptr, forget_registration_in_child);
    }
    const long supported = membarrier(MEMBARRIER_CMD_QUERY);
    if (supported > 0 && (supported & MEMBARRIER_CMD_GLOBAL_EXPEDITED) != 0 &&
        membarrier(MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED) == 0) {
        registered.store(true, std::memory_order_relaxed);
    }
}

bool asymmetric_fences_available() noexcept {
    return registered_here();
}

void light_fence(bool peer_needs_fence) noexcept {
    if (registered_here() && !peer_needs_fence) {
        std::atomic_signal_fence(std::memory_order_seq_cst);  // compiler order only
    } else {
        std::atomic_thread_fence(std::memory_order_seq_cst);
    }
}

bool heavy_fence() noexcept {
    std::atomic_thread_fence(std::memory_order_seq_cst);
    return membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED) == 0;
}

}  // namespace ipc::detail
