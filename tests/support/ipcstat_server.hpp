#pragma once
// `ipcstat serve` run as a child process on a loopback port it picks itself (port 0; it prints
// the port), and a cpp-httplib client for it. Needs IPCSTAT (the program's path) defined by the
// test target.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include <httplib.h>

#include "ipc/fd.hpp"
#include "support/child_process.hpp"

namespace ipc::test {

// A loopback port free a moment ago, for a program that cannot pick its own and say which.
inline int free_port() {
    const unique_fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof a;
    if (fd.get() < 0 || ::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a), &size) != 0) {
        throw std::runtime_error("no free loopback port");
    }
    return ntohs(a.sin_port);
}

// An HTTP client for 127.0.0.1:port with timeouts, so that no test waits forever on a server.
inline httplib::Client loopback_client(int port) {
    using namespace std::chrono_literals;
    httplib::Client c("127.0.0.1", port);
    c.set_connection_timeout(10s);
    c.set_read_timeout(30s);
    return c;
}

// The stdout pipe first (the server writes its port there), then the server itself.
struct stdout_pipe {
    unique_fd read_end;
    unique_fd write_end;
    stdout_pipe() {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) {
            throw std::runtime_error("pipe2");
        }
        read_end = unique_fd(fds[0]);
        write_end = unique_fd(fds[1]);
    }
};

struct ipcstat_server : private stdout_pipe {
    child_process process;
    int port = 0;

    // `globals` go before the subcommand (filters), `extra` after it.
    explicit ipcstat_server(std::vector<std::string> extra = {},
                            std::vector<std::string> globals = {})
        : process(
              [&] {
                  std::vector<std::string> argv = {IPCSTAT};
                  argv.insert(argv.end(), globals.begin(), globals.end());
                  argv.insert(argv.end(), {"serve", "--listen", "127.0.0.1:0"});
                  argv.insert(argv.end(), extra.begin(), extra.end());
                  return argv;
              }(),
              {.fds = {{write_end.get(), STDOUT_FILENO}}}) {
        write_end.reset();
        port = printed_port();
    }

    httplib::Client client() const { return loopback_client(port); }
    // Waits until it answers /healthz (whatever the status).
    bool ready() const {
        using namespace std::chrono_literals;
        return port > 0 &&
               eventually([&] { return static_cast<bool>(client().Get("/healthz")); }, 30s);
    }

  private:
    // The port in its first line ("ipcstat: serving http://127.0.0.1:PORT"), or 0 when it
    // printed none within 30 s (it failed to start: the test's ready() says so). The pipe stays
    // open, so that a later line never meets a closed pipe.
    int printed_port() {
        std::string line;
        pollfd p{read_end.get(), POLLIN, 0};
        char c = 0;
        while (line.find('\n') == std::string::npos && ::poll(&p, 1, 30'000) == 1 &&
               ::read(read_end.get(), &c, 1) == 1) {
            line += c;
        }
        const auto colon = line.rfind(':');
        return line.find('\n') == std::string::npos || colon == std::string::npos
                   ? 0
                   : std::atoi(line.c_str() + colon + 1);
    }
};

}  // namespace ipc::test
