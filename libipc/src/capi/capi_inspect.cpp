// The C API's inspect (ipc/ipc.h): a snapshot as JSON text, in memory the caller frees with
// ipc_free.

#include <cstdlib>
#include <cstring>
#include <string>

#include "capi/capi_support.hpp"
#include "ipc/inspect.hpp"

extern "C" {

ipc_status ipc_inspect_snapshot_json(const char* shm_dir, char** json) {
    return ipc::capi::guarded([&] {
        if (json == nullptr) {
            return ipc::capi::missing("no pointer to fill");
        }
        const std::string dir = shm_dir != nullptr ? shm_dir : ipc::inspect::default_shm_dir();
        const std::string text = ipc::inspect::to_json(ipc::inspect::take_snapshot(dir));
        auto* copy = static_cast<char*>(std::malloc(text.size() + 1));
        if (copy == nullptr) {
            return ipc::capi::fail(IPC_OUT_OF_MEMORY, "out of memory for the snapshot's text");
        }
        std::memcpy(copy, text.c_str(), text.size() + 1);
        *json = copy;
        return IPC_OK;
    });
}

}  // extern "C"
