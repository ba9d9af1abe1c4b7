// Allocation failure inside the C API: the opens (where the allocations are) report
// IPC_OUT_OF_MEMORY or succeed, never let std::bad_alloc unwind into C, never terminate, and
// leave nothing claimed. Each open is repeated with its first, second, third... allocation
// failing, until one needs no more than that.

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>

#include "ipc/inspect.hpp"
#include "ipc/ipc.h"

namespace {

// Allocations left before the one that fails, on this thread; -1: none fails. Only that one
// fails: the ones after it succeed, as when memory is short for a moment.
thread_local long allocations_left = -1;

}  // namespace

void* operator new(std::size_t n) {
    if (allocations_left == 0) {
        allocations_left = -1;
        throw std::bad_alloc();
    }
    if (allocations_left > 0) {
        --allocations_left;
    }
    if (void* p = std::malloc(n != 0 ? n : 1)) {
        return p;
    }
    throw std::bad_alloc();
}

void operator delete(void* p) noexcept {
    std::free(p);
}

void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}

namespace {

// Calls `body` with the k-th allocation failing, for k = 0, 1, ... until it ran out of
// allocations to fail; true when every outcome was IPC_OK or IPC_OUT_OF_MEMORY and the last
// one (nothing failed) IPC_OK.
template <class Body>
bool survives(const char* what, Body&& body) {
    for (long k = 0; k < 100000; ++k) {
        allocations_left = k;
        const ipc_status s = body();
        const bool exhausted = allocations_left > 0;  // the call needed fewer than k
        allocations_left = -1;
        if (s != IPC_OK && s != IPC_OUT_OF_MEMORY) {
            std::fprintf(stderr, "%s, allocation %ld failing: %s\n", what, k, ipc_last_error());
            return false;
        }
        if (exhausted) {
            return s == IPC_OK;
        }
    }
    return false;
}

}  // namespace

int main() {
    const std::string name = "capi-alloc-" + std::to_string(::getpid());
    // The snapshot's first allocation only: nlohmann-json allocates inside its destructors, so
    // a failure while the document is built can end the process there (README, C API).
    allocations_left = 0;
    char* json = nullptr;
    bool ok = ipc_inspect_snapshot_json(nullptr, &json) == IPC_OUT_OF_MEMORY && json == nullptr;
    allocations_left = -1;
    ok = survives("ipc_ring_writer_open",
                  [&] {
                      ipc_ring_writer* w = nullptr;
                      const ipc_status s = ipc_ring_writer_open(name.c_str(), nullptr, &w);
                      ipc_ring_writer_close(w);
                      return s;
                  }) &&
         ok;
    ok = survives("ipc_slots_host_open",
                  [&] {
                      ipc_slots_host* h = nullptr;
                      const ipc_status s = ipc_slots_host_open(name.c_str(), nullptr, &h);
                      ipc_slots_host_close(h);
                      return s;
                  }) &&
         ok;
    ok = survives("ipc_ring_reader_open",
                  [&] {
                      ipc_ring_reader* r = nullptr;
                      const ipc_status s = ipc_ring_reader_open(name.c_str(), nullptr, &r);
                      ipc_ring_reader_close(r);
                      return s;
                  }) &&
         ok;
    ok = survives("ipc_broker_listen",
                  [&] {
                      ipc_broker* b = nullptr;
                      const ipc_status s = ipc_broker_listen(name.c_str(), nullptr, &b);
                      ipc_broker_close(b);
                      return s;
                  }) &&
         ok;
    const std::string path = "/tmp/" + name + "/s.sock";
    ok = survives("ipc_stream_writer_open",
                  [&] {
                      ipc_stream_writer* w = nullptr;
                      const ipc_status s = ipc_stream_writer_open(path.c_str(), nullptr, &w);
                      ipc_stream_writer_close(w, 0, nullptr);
                      return s;
                  }) &&
         ok;
    allocations_left = 0;
    const bool reported = ipc_inspect_snapshot_json(nullptr, nullptr) == IPC_INVALID_ARGUMENT &&
                          ipc_last_status() == IPC_INVALID_ARGUMENT;
    allocations_left = -1;
    // An open that failed after making its segment leaves it stale (nothing claimed): removed.
    (void)ipc::inspect::remove_stale(ipc::inspect::default_shm_dir(), {.name = name});
    std::puts(ok && reported ? "capi_alloc_test: every failure reported"
                             : "capi_alloc_test: FAILED");
    return ok && reported ? 0 : 1;
}
