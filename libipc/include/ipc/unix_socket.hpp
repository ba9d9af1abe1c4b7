#pragma once
// Unix-domain sockets: listen, connect, accept and receive (these two with deadlines),
// descriptors passed with SCM_RIGHTS, and the peer's credentials. Everything a channel between
// unrelated processes needs to hand over a memfd or an eventfd, and to know who is on the other
// side.
//
// Paths starting with '@' are in the abstract namespace (no file). Every descriptor made or
// received here is close-on-exec.

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "ipc/clock.hpp"
#include "ipc/error.hpp"
#include "ipc/fd.hpp"

namespace ipc::unix_socket {

enum class kind : std::uint8_t {
    stream,     // a byte stream (SOCK_STREAM)
    seqpacket,  // messages with boundaries, in order (SOCK_SEQPACKET)
};

// Most descriptors one message may carry (the kernel's SCM_MAX_FD is 253).
inline constexpr std::size_t max_fds_per_message = 64;

// Binds and listens. The socket file has exactly `mode`, whatever the umask, and is never more
// open than that, not even for a moment (the mode is set on the socket before it is bound). A
// socket file left at `path` by a listener that is gone (connecting to it is refused at once)
// and owned by this user is replaced; anything else there gives already_exists.
// Two processes replacing the same dead listener's file at once may both succeed, one of them
// on a file the other removed: callers that can race serialise on a lock of their own.
// invalid_argument for a path longer than a socket address holds (107 bytes).
result<unique_fd> listen(const std::string& path, kind k = kind::stream, int backlog = 64,
                         mode_t mode = 0600);
// Connects: not_found when nothing is there, peer_gone when nobody listens any more. Like
// connect(2) on a Unix stream socket it waits while the listener's backlog is full.
result<unique_fd> connect(const std::string& path, kind k = kind::stream);
// As connect, but never waits: busy when the listener's backlog is full (a stopped or stuck
// listener). The socket is non-blocking.
result<unique_fd> connect_now(const std::string& path, kind k = kind::stream);
// Waits up to `timeout` for a connection: timeout when none came.
result<unique_fd> accept(int listener, std::chrono::nanoseconds timeout = forever);

// Sends `data` (at least one byte) with `fds` attached (at most max_fds_per_message); the
// bytes sent, which on a stream socket may be fewer than data.size(). peer_closed when the peer
// is gone.
result<std::size_t> send(int socket, std::span<const std::byte> data,
                         std::span<const int> fds = {});

struct received {
    std::size_t bytes = 0;            // 0: the peer closed the connection
    std::vector<unique_fd> fds = {};  // close-on-exec
};
// Receives into `buffer`, accepting up to `max_fds` descriptors, waiting up to `timeout`.
// A message that carried more descriptors than that, or control data that was cut short or is
// not SCM_RIGHTS, is refused with corrupt and every descriptor it brought is closed: nothing
// leaks into this process.
result<received> receive(int socket, std::span<std::byte> buffer, std::size_t max_fds = 0,
                         std::chrono::nanoseconds timeout = forever);

struct credentials {
    pid_t pid = 0;
    uid_t uid = 0;
    gid_t gid = 0;
};
// Who is connected on the other side, as the kernel recorded it at connect (SO_PEERCRED).
result<credentials> peer_credentials(int socket);

}  // namespace ipc::unix_socket
