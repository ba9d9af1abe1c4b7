#pragma once
// What the ring_peer helper and the tests that start it agree on besides its command line.

#include <string>

namespace ipc::test {

// ring_peer's "-sock" roles connect here to receive the fds of the ring called `name`
// (abstract namespace: no file to clean up).
inline std::string ring_socket_for(const std::string& name) {
    return "@libipc-test-ring-" + name;
}

// Where a ready pipe reaches ring_peer: in "hold" mode it writes one byte there once its whole
// stream is committed, so a test knows that without reading any of it.
inline constexpr int ring_peer_ready_fd = 6;

}  // namespace ipc::test
