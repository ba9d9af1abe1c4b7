#include "channel/stream/stream_socket.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>

#include "core/runtime_dir.hpp"
#include "ipc/unix_socket.hpp"

namespace ipc::detail {

namespace {

// The uds-ipc spec: with RUNTIME_DIRECTORY (systemd's RuntimeDirectory=, possibly a
// colon-separated list: the first) the socket lives there under the path's base name. An
// abstract name ('@') has no file to place.
std::string placed(const std::string& path) {
    const char* runtime = std::getenv("RUNTIME_DIRECTORY");
    if (runtime == nullptr || *runtime == '\0' || path.front() == '@') {
        return path;
    }
    std::string dir(runtime);
    dir = dir.substr(0, dir.find(':'));
    const auto slash = path.rfind('/');
    return dir + "/" + (slash == std::string::npos ? path : path.substr(slash + 1));
}

// The socket's directory, and any of its parents that are missing, made 0750 (as the reference
// does); the directory must then be this user's and writable by it alone (another user's would
// let them replace the socket).
result<void> check_directory(const std::string& path) {
    const auto slash = path.rfind('/');
    if (path.front() == '@' || slash == std::string::npos || slash == 0) {
        return {};  // abstract, the working directory, or /: nothing to make
    }
    const std::string dir = path.substr(0, slash);
    for (auto at = dir.find('/', 1); at != std::string::npos; at = dir.find('/', at + 1)) {
        (void)::mkdir(dir.substr(0, at).c_str(), 0750);  // the parents: EEXIST mostly
    }
    return ensure_own_dir(dir, 0750, S_IWGRP | S_IWOTH);
}

}  // namespace

result<stream_listener> listen_for_stream(const std::string& path) {
    // The spec takes LISTEN_FDS alone when LISTEN_PID is not set; sd_listen_fds insists on it,
    // so it is set to this process first (only when LISTEN_FDS is there to be taken).
    if (std::getenv("LISTEN_FDS") != nullptr && std::getenv("LISTEN_PID") == nullptr) {
        (void)::setenv("LISTEN_PID", std::to_string(::getpid()).c_str(), 1);
    }
    const int passed = ::sd_listen_fds(1);
    if (passed < 0) {
        return error{errc::system, "LISTEN_FDS cannot be read", -passed};
    }
    if (passed > 0) {
        // The spec's socket is fd 3; any others systemd passed are left as they are.
        const int fd = SD_LISTEN_FDS_START;
        if (::sd_is_socket_unix(fd, SOCK_STREAM, 1, nullptr, 0) <= 0) {
            return error{errc::invalid_argument,
                         "systemd's fd 3 is not a listening Unix stream socket"};
        }
        return stream_listener{unique_fd(fd), path, true};
    }
    stream_listener l{{}, placed(path), false};
    if (auto ok = check_directory(l.path); !ok) {
        return ok.error_value();
    }
    auto s = unix_socket::listen(l.path, unix_socket::kind::stream, 64, 0600);
    if (!s) {
        if (s.code() == errc::already_exists) {
            return error{errc::busy,
                         "a live reader listens on the socket, or something else is there"};
        }
        return s.error_value();
    }
    l.socket = std::move(*s);
    return l;
}

void notify_systemd(const char* state) noexcept {
    (void)::sd_notify(0, state);
}

}  // namespace ipc::detail
