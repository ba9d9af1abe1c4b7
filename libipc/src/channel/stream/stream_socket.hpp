#pragma once
// A stream reader's listening socket (internal): systemd's when the process was socket-activated,
// else one made as the uds-ipc spec says (RUNTIME_DIRECTORY, a 0750 directory, a stale socket
// replaced, a live one refused), and readiness told to systemd.

#include <string>

#include "ipc/error.hpp"
#include "ipc/fd.hpp"

namespace ipc::detail {

struct stream_listener {
    unique_fd socket;
    std::string path;        // where it is (the given path, or inside RUNTIME_DIRECTORY)
    bool activated = false;  // systemd's: not ours to remove
};

// The listening socket for `path`: LISTEN_FDS first (sd_listen_fds, which also checks
// LISTEN_PID and unsets the variables; the socket must be a listening Unix stream socket), then
// a socket of our own.
result<stream_listener> listen_for_stream(const std::string& path);

// Tells systemd `state` ("READY=1", "STOPPING=1") when NOTIFY_SOCKET is set; nothing otherwise.
void notify_systemd(const char* state) noexcept;

}  // namespace ipc::detail
