#pragma once
// `ipcstat serve` run as a child process on a loopback port, and a cpp-httplib client for it.
// Needs IPCSTAT (the program's path) defined by the test target.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include <httplib.h>

#include "support/child_process.hpp"

namespace ipc::test {

// A loopback port free a moment ago (the server binds it right after).
inline int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof a;
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &size);
    ::close(fd);
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

struct ipcstat_server {
    int port = free_port();
    child_process process;

    // `globals` go before the subcommand (filters), `extra` after it.
    explicit ipcstat_server(std::vector<std::string> extra = {},
                            std::vector<std::string> globals = {})
        : process([&] {
              std::vector<std::string> argv = {IPCSTAT};
              argv.insert(argv.end(), globals.begin(), globals.end());
              argv.insert(argv.end(), {"serve", "--listen", "127.0.0.1:" + std::to_string(port)});
              argv.insert(argv.end(), extra.begin(), extra.end());
              return argv;
          }()) {}

    httplib::Client client() const { return loopback_client(port); }
    // Waits until it answers /healthz (whatever the status).
    bool ready() const {
        using namespace std::chrono_literals;
        return eventually([&] { return static_cast<bool>(client().Get("/healthz")); }, 30s);
    }
};

}  // namespace ipc::test
