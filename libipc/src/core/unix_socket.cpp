#include "ipc/unix_socket.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace ipc::unix_socket {

namespace {

struct address {
    sockaddr_un un{};
    socklen_t length = 0;
};

result<address> address_of(const std::string& path) {
    address a;
    a.un.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof a.un.sun_path) {
        return error{errc::invalid_argument, "a socket path is 1 to 107 bytes"};
    }
    std::memcpy(a.un.sun_path, path.data(), path.size());
    const bool abstract = path.front() == '@';
    if (abstract) {
        a.un.sun_path[0] = '\0';
    }
    a.length =
        static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + (abstract ? 0 : 1));
    return a;
}

result<unique_fd> make_socket(kind k, int flags = 0) {
    const int type = k == kind::stream ? SOCK_STREAM : SOCK_SEQPACKET;
    unique_fd fd{::socket(AF_UNIX, type | SOCK_CLOEXEC | flags, 0)};
    if (!fd.valid()) {
        return system_error("creating a Unix socket failed");
    }
    return fd;
}

result<unique_fd> connect_with(const std::string& path, kind k, int flags) {
    auto a = address_of(path);
    if (!a) {
        return a.error_value();
    }
    auto fd = make_socket(k, flags);
    if (!fd) {
        return fd;
    }
    int rc;
    do {
        rc = ::connect(fd->get(), reinterpret_cast<const sockaddr*>(&a->un), a->length);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) {
        if (errno == ECONNREFUSED) {
            return error{errc::peer_gone, "nobody listens on the socket", ECONNREFUSED};
        }
        if (errno == EAGAIN) {  // only without waiting: the listener's backlog is full
            return error{errc::busy, "the listener's backlog is full", EAGAIN};
        }
        return system_error("connecting to the Unix socket failed");
    }
    return fd;
}

// Polls `fd` for `events` up to the deadline: ok, timeout, or a system error.
result<void> wait_for(int fd, short events, const deadline& until) {
    for (;;) {
        const std::uint64_t left = until.remaining_ns(monotonic_ns());
        const int ms = left == UINT64_MAX ? -1
                                          : static_cast<int>(std::min<std::uint64_t>(
                                                (left + 999'999) / 1'000'000, INT32_MAX));
        pollfd p{fd, events, 0};
        const int ready = ::poll(&p, 1, ms);
        if (ready > 0) {
            return {};
        }
        if (ready < 0 && errno != EINTR) {
            return system_error("waiting on a Unix socket failed");
        }
        if (ready == 0 && until.passed(monotonic_ns())) {
            return error{errc::timeout, "nothing arrived in time"};
        }
    }
}

// A socket file nobody listens on any more, owned by this user: safe to replace.
bool abandoned_socket_file(const std::string& path, kind k) {
    struct stat st {};
    if (path.front() == '@' || ::lstat(path.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode) ||
        st.st_uid != ::geteuid()) {
        return false;
    }
    auto probe = connect_with(path, k, SOCK_NONBLOCK);  // a full backlog is a live listener
    return !probe && probe.code() == errc::peer_gone;
}

#ifndef SCM_PIDFD
#define SCM_PIDFD 0x04  // Linux 6.5: a pidfd, delivered when the receiver set SO_PASSPIDFD
#endif

// Whether a control message carries descriptors (which the receiver then holds).
bool carries_fds(const cmsghdr& c) {
    return c.cmsg_level == SOL_SOCKET && (c.cmsg_type == SCM_RIGHTS || c.cmsg_type == SCM_PIDFD);
}

// Closes every descriptor a received control block carries, once.
void close_all(msghdr& msg) {
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if (carries_fds(*c)) {
            const std::size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (std::size_t i = 0; i < n; ++i) {
                int fd = -1;
                std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
                ::close(fd);
            }
        }
    }
}

}  // namespace

result<unique_fd> listen(const std::string& path, kind k, int backlog, mode_t mode) {
    auto a = address_of(path);
    if (!a) {
        return a.error_value();
    }
    for (int attempt = 0; attempt < 2; ++attempt) {
        auto fd = make_socket(k);
        if (!fd) {
            return fd;
        }
        // bind makes the file with the socket's mode less the umask: born no more open than
        // `mode`, then given exactly `mode`.
        if (::fchmod(fd->get(), mode) != 0) {
            return system_error("setting the socket's mode failed");
        }
        if (::bind(fd->get(), reinterpret_cast<const sockaddr*>(&a->un), a->length) == 0) {
            if ((path.front() != '@' && ::chmod(path.c_str(), mode) != 0) ||
                ::listen(fd->get(), backlog) != 0) {
                const error e = system_error("setting the socket's mode or listening failed");
                if (path.front() != '@') {
                    ::unlink(path.c_str());
                }
                return e;
            }
            return fd;
        }
        if (errno != EADDRINUSE) {
            return system_error("binding the Unix socket failed");
        }
        if (attempt > 0 || !abandoned_socket_file(path, k) || ::unlink(path.c_str()) != 0) {
            return error{errc::already_exists, "the socket path is taken", EADDRINUSE};
        }
    }
    return error{errc::already_exists, "the socket path is taken", EADDRINUSE};
}

result<unique_fd> connect(const std::string& path, kind k) {
    return connect_with(path, k, 0);
}

result<unique_fd> connect_now(const std::string& path, kind k) {
    return connect_with(path, k, SOCK_NONBLOCK);
}

result<unique_fd> accept(int listener, std::chrono::nanoseconds timeout) {
    const deadline until(timeout);
    for (;;) {
        if (auto ready = wait_for(listener, POLLIN, until); !ready) {
            return ready.error_value();
        }
        unique_fd fd{::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK)};
        if (fd.valid()) {
            // Blocking like every other socket made here; the non-blocking accept only avoids
            // hanging when a connection vanished between poll and accept.
            const int flags = ::fcntl(fd.get(), F_GETFL);
            (void)::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK);
            return fd;
        }
        if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
            return system_error("accepting a connection failed");
        }
    }
}

result<std::size_t> send(int socket, std::span<const std::byte> data, std::span<const int> fds) {
    if (data.empty()) {
        return error{errc::invalid_argument, "a message carries at least one byte"};
    }
    if (fds.size() > max_fds_per_message) {
        return error{errc::invalid_argument, "too many descriptors for one message"};
    }
    iovec iov{const_cast<std::byte*>(data.data()), data.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(max_fds_per_message * sizeof(int))];
    if (!fds.empty()) {
        msg.msg_control = control;
        msg.msg_controllen = CMSG_SPACE(fds.size() * sizeof(int));
        cmsghdr* c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(fds.size() * sizeof(int));
        std::memcpy(CMSG_DATA(c), fds.data(), fds.size() * sizeof(int));
    }
    ssize_t n;
    do {
        n = ::sendmsg(socket, &msg, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        if (errno == EPIPE || errno == ECONNRESET) {
            return error{errc::peer_closed, "the peer closed the connection", errno};
        }
        return system_error("sending on the Unix socket failed");
    }
    return static_cast<std::size_t>(n);
}

result<received> receive(int socket, std::span<std::byte> buffer, std::size_t max_fds,
                         std::chrono::nanoseconds timeout) {
    if (max_fds > max_fds_per_message) {
        return error{errc::invalid_argument, "too many descriptors for one message"};
    }
    const deadline until(timeout);
    iovec iov{buffer.data(), buffer.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(max_fds_per_message * sizeof(int))];
    msg.msg_control = control;
    // Room for max_fds only: the kernel closes what does not fit and sets MSG_CTRUNC.
    msg.msg_controllen = max_fds == 0 ? 0 : CMSG_SPACE(max_fds * sizeof(int));
    if (max_fds == 0) {
        msg.msg_control = nullptr;
    }
    ssize_t n;
    // Non-blocking: another reader of the socket may have taken the message since the poll.
    while ((n = ::recvmsg(socket, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT)) < 0) {
        if (errno != EINTR && errno != EAGAIN) {
            return system_error("receiving on the Unix socket failed");
        }
        if (errno == EAGAIN) {
            if (auto ready = wait_for(socket, POLLIN, until); !ready) {
                return ready.error_value();
            }
        }
    }
    received r;
    r.bytes = static_cast<std::size_t>(n);
    if ((msg.msg_flags & MSG_CTRUNC) != 0) {
        close_all(msg);
        return error{errc::corrupt, "a message carried more descriptors than accepted"};
    }
    if ((msg.msg_flags & MSG_TRUNC) != 0) {
        close_all(msg);
        return error{errc::message_too_large, "a message was longer than the buffer"};
    }
    // Every control message is checked before any descriptor is owned, so each is closed once.
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
            close_all(msg);
            return error{errc::corrupt, "a message carried control data other than descriptors"};
        }
    }
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        const std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (std::size_t i = 0; i < count; ++i) {
            int fd = -1;
            std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
            r.fds.emplace_back(fd);
        }
    }
    return r;
}

result<credentials> peer_credentials(int socket) {
    ucred cred{};
    socklen_t length = sizeof cred;
    if (::getsockopt(socket, SOL_SOCKET, SO_PEERCRED, &cred, &length) != 0) {
        return system_error("reading the peer's credentials failed");
    }
    return credentials{cred.pid, cred.uid, cred.gid};
}

}  // namespace ipc::unix_socket
