#pragma once
// What every entry point of the C API (ipc/ipc.h) shares (internal): the thread's last failure,
// the one guard that keeps C++ exceptions from crossing into C, and the conversions of
// timeouts, wait strategies and flags.

#include <chrono>
#include <cstdint>
#include <new>

#include "ipc/clock.hpp"
#include "ipc/error.hpp"
#include "ipc/ipc.h"
#include "ipc/wait_strategy.hpp"

namespace ipc::capi {

// Records the failure as this thread's last and returns its status.
ipc_status fail(const error& e) noexcept;
ipc_status fail(ipc_status status, const char* message) noexcept;

// IPC_OK for a value, else the recorded failure.
template <class T>
ipc_status status_of(const result<T>& r) noexcept {
    return r ? IPC_OK : fail(r.error_value());
}

// Runs an entry point's body: a C++ exception becomes a status (IPC_OUT_OF_MEMORY for a failed
// allocation), never an unwinding through C frames.
template <class Body>
ipc_status guarded(Body&& body) noexcept {
    try {
        return body();
    } catch (const std::bad_alloc&) {
        return fail(IPC_OUT_OF_MEMORY, "out of memory");
    } catch (...) {
        return fail(IPC_SYSTEM, "an unexpected C++ exception inside libipc");
    }
}

// The same for an entry point that returns nothing: what failed is still recorded.
template <class Body>
void guarded_void(Body&& body) noexcept {
    (void)guarded([&] {
        body();
        return IPC_OK;
    });
}

inline ipc_status missing(const char* what) noexcept {
    return fail(IPC_INVALID_ARGUMENT, what);
}

// The body of every function that makes a handle: its name (or whatever it needs) given and a
// handle to fill, the options converted, the C++ end opened and handed out in a new handle;
// each failure recorded.
template <class Handle, class Options, class Open>
ipc_status open_handle(bool given, Handle** out, const result<Options>& options, Open&& open,
                       const char* what_is_missing = "no name or no handle to fill") {
    if (!given || out == nullptr) {
        return missing(what_is_missing);
    }
    if (!options) {
        return fail(options.error_value());
    }
    auto end = open(*options);
    if (!end) {
        return fail(end.error_value());
    }
    *out = new Handle{std::move(*end)};
    return IPC_OK;
}

// IPC_FOREVER waits without end; 0 or less tries once.
inline std::chrono::nanoseconds timeout_of(std::int64_t ns) noexcept {
    return ns == IPC_FOREVER ? forever : std::chrono::nanoseconds(ns < 0 ? 0 : ns);
}

// false for a value that is none of ipc_wait's.
inline bool wait_of(int w, wait_strategy& out) noexcept {
    switch (w) {
        case IPC_WAIT_ADAPTIVE:
            out = wait_strategy::adaptive;
            return true;
        case IPC_WAIT_BUSY_SPIN:
            out = wait_strategy::busy_spin;
            return true;
        case IPC_WAIT_BLOCKING:
            out = wait_strategy::blocking;
            return true;
    }
    return false;
}

inline bool telemetry_of(unsigned flags) noexcept {
    return (flags & IPC_NO_TELEMETRY) == 0;
}

// Flags this version knows; others are refused rather than ignored.
inline constexpr unsigned known_flags = IPC_NO_TELEMETRY;

}  // namespace ipc::capi
