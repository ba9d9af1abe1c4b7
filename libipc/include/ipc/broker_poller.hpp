#pragma once
// One thread serving every connection of a broker server through one descriptor: an epoll set
// over the listening socket, each connection's inbound ring (its wait_fd) and its socket's
// hang-up. wait() accepts the clients that are waiting and returns the connections to look at;
// the caller receives from each until `empty` (which arms its wait_fd again) and drops the ones
// whose client left (peer_closed, peer_gone) or that it is done with.
//
//     auto poller = ipc::broker_poller::open(server);
//     for (;;) {
//         auto ready = poller->wait(100ms);
//         for (ipc::broker_connection* c : *ready) {
//             if (!serve(*c)) poller->drop(*c);
//         }
//     }

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "ipc/broker.hpp"
#include "ipc/error.hpp"
#include "ipc/fd.hpp"

namespace ipc {

class broker_poller {
  public:
    broker_poller() noexcept = default;
    broker_poller(broker_poller&&) noexcept = default;
    broker_poller& operator=(broker_poller&&) noexcept = default;
    ~broker_poller();

    // Watches `server`, which must outlive the poller (system when epoll cannot be made).
    static result<broker_poller> open(broker_server& server);

    // The connections that may have messages, or whose client hung up, waiting up to `timeout`
    // for one; connections accepted meanwhile are among them (their first receive arms their
    // wait_fd). A client refused at accept is counted as dropped in the server's telemetry and
    // is not an error here. Each connection is listed once; the list is valid until the next
    // wait() or drop(). closed after close().
    result<std::span<broker_connection* const>> wait(std::chrono::nanoseconds timeout);

    // Stops watching `c` and closes it (its peer drains what was sent, then gets peer_closed).
    // Safe while walking the list wait() returned: a dropped entry stays a closed connection
    // until the next wait().
    void drop(broker_connection& c) noexcept;

    // Readable when wait() would find something: for nesting in another event loop.
    int wait_fd() const noexcept { return epoll_.get(); }
    // Connections open now, and accepted since open().
    std::size_t size() const noexcept;
    std::uint64_t accepted() const noexcept { return accepted_; }
    // Closes every connection; the server is left as it is.
    void close() noexcept;

  private:
    void watch(int fd, std::uint32_t events, std::uint64_t tag) noexcept;
    void accept_waiting();

    broker_server* server_ = nullptr;
    unique_fd epoll_;
    // A connection's tag in the epoll set is its index + 1 (0: the listening socket); a dropped
    // one leaves a null to be reused.
    std::vector<std::unique_ptr<broker_connection>> connections_;
    std::vector<std::unique_ptr<broker_connection>> retired_;  // dropped since the last wait()
    std::vector<broker_connection*> ready_;
    std::uint64_t accepted_ = 0;
};

}  // namespace ipc
