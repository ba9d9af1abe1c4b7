// The C API's telemetry (ipc/ipc.h): removing this process's segment for runtimes whose exit
// skips atexit handlers.

#include "ipc/ipc.h"
#include "ipc/telemetry.hpp"

extern "C" {

void ipc_telemetry_remove(void) {
    ipc::telemetry::remove_segment();
}

}  // extern "C"
