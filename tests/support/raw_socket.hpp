#pragma once
// A client written with raw syscalls, for the tests that play a hostile or foreign peer of a
// libipc socket: connects to `path` with `type` and sends `request` as it is (nothing when
// empty). The socket, or -1 when nobody listens.

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string>

namespace ipc::test {

inline int raw_connect(const std::string& path, int type, const void* request = nullptr,
                       std::size_t size = 0) {
    const int s = ::socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    if (::connect(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(s);
        return -1;
    }
    if (size != 0) {
        (void)::send(s, request, size, MSG_NOSIGNAL);
    }
    return s;
}

}  // namespace ipc::test
