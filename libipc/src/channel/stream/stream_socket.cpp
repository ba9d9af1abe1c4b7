#include "channel/stream/stream_socket.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>

#include "ipc/unix_socket.hpp"

namespace ipc::detail {

namespace {

// The uds-ipc spec: with RUNTIME_DIRECTORY (systemd's RuntimeDirectory=, possibly a
// colon-separated list: the first) the socket lives there under the path's base name.
std::string placed(const std::string& path) {
    const char* runtime = std::getenv("RUNTIME_DIRECTORY");
    if (runtime == nullptr || *runtime == '\0') {
        return path;
    }
    std::string dir(runtime);
    dir = dir.substr(0, dir.find(':'));
    const auto slash = path.rfind('/');
    return dir + "/" + (slash == std::string::npos ? path : path.substr(slash + 1));
}

// The socket's directory: made 0750 when missing; otherwise it must be a directory (not a link)
// of this user's that others may not write (another user's would let them replace the socket).
result<void> check_directory(const std::string& path) {
    const auto slash = path.rfind('/');
    if (slash == std::string::npos || slash == 0) {
        return {};  // the working directory, or /: the caller's choice
    }
    const std::string dir = path.substr(0, slash);
    if (::mkdir(dir.c_str(), 0750) != 0 && errno != EEXIST) {
        return system_error("making the socket's directory failed");
    }
    struct stat st {};
    if (::lstat(dir.c_str(), &st) != 0) {
        return system_error("the socket's directory cannot be examined");
    }
    if (!S_ISDIR(st.st_mode) || st.st_uid != ::geteuid() || (st.st_mode & 022) != 0) {
        return error{errc::permission_denied,
                     "the socket's directory must be this user's and writable by it alone"};
    }
    return {};
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
    auto s = unix_socket::listen(l.path);
    if (!s) {
        if (s.code() == errc::already_exists) {
            return error{errc::busy,
                         "a live reader listens on the socket, or something else is there"};
        }
        return s.error_value();
    }
    if (::chmod(l.path.c_str(), 0600) != 0) {  // whatever the umask
        return system_error("making the socket 0600 failed");
    }
    l.socket = std::move(*s);
    return l;
}

void notify_systemd(const char* state) noexcept {
    (void)::sd_notify(0, state);
}

}  // namespace ipc::detail
