// The C API's errors (ipc/ipc.h): the thread's last failure, the status names, ipc_free.

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "capi/capi_support.hpp"

static_assert(static_cast<int>(ipc::errc::peer_closed) == IPC_PEER_CLOSED,
              "ipc_status mirrors ipc::errc: add a code to both");
static_assert(static_cast<int>(ipc::errc::system) == IPC_SYSTEM);
static_assert(static_cast<int>(ipc::errc::invalid_argument) == IPC_INVALID_ARGUMENT);

namespace {

// Fixed storage: recording a failure must not allocate (it reports allocation failures too).
thread_local ipc_status last_status = IPC_OK;
thread_local char last_message[512] = "";

}  // namespace

namespace ipc::capi {

ipc_status fail(ipc_status status, const char* message) noexcept {
    last_status = status;
    std::snprintf(last_message, sizeof last_message, "%s: %s", ipc_status_name(status), message);
    return status;
}

ipc_status fail(const error& e) noexcept {
    const auto status = static_cast<ipc_status>(e.code());
    try {
        last_status = status;
        std::snprintf(last_message, sizeof last_message, "%s", e.message().c_str());
    } catch (...) {  // message() allocates: say at least what the detail says
        return fail(status, e.detail());
    }
    return status;
}

}  // namespace ipc::capi

extern "C" {

ipc_status ipc_last_status(void) {
    return last_status;
}

const char* ipc_last_error(void) {
    return last_message;
}

const char* ipc_status_name(int status) {
    if (status == IPC_OUT_OF_MEMORY) {
        return "out_of_memory";
    }
    if (status < IPC_OK || status > IPC_PEER_CLOSED) {
        return "unknown";
    }
    return ipc::to_string(static_cast<ipc::errc>(status));
}

void ipc_free(void* memory) {
    std::free(memory);
}

}  // extern "C"
