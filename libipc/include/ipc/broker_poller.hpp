#pragma once
// One thread serving every connection of a broker server through one descriptor: an epoll set
// over the listening socket, each connection's inbound ring (its wait_fd) and its socket's
// hang-up. wait() accepts the clients that are waiting and returns the connections to look at;
// the caller receives from each until `empty` (which arms its wait_fd again), and drops the ones
// whose client left (a receive says peer_closed or peer_gone, or hung_up() once it is drained)
// or that it is done with.
//
//     auto poller = ipc::broker_poller::open(server);
//     for (;;) {
//         auto ready = poller->wait(100ms);
//         if (!ready) { /* out of descriptors, or closed */ }
//         for (ipc::broker_connection* c : *ready) {
//             if (!serve(*c) || poller->hung_up(*c)) poller->drop(*c);
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
    // wait_fd). Accepting takes a client's handshake, up to the server's handshake_timeout for
    // a silent one, even within a short timeout; at most 64 clients are taken per call. A client
    // refused at accept is counted as dropped in the server's telemetry and is not an error
    // here; an accept that fails for want of descriptors or memory is (system), as is closed
    // after close(). Each connection is listed once; the list is valid until the next wait()
    // or close().
    result<std::span<broker_connection* const>> wait(std::chrono::nanoseconds timeout);

    // Whether `c`'s client hung up (its process ended or closed): once a receive finds its ring
    // empty, nothing more will come. The ring itself tells too, but only at its next periodic
    // look (20 ms); this is at once.
    bool hung_up(const broker_connection& c) const noexcept;

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
    struct slot_state {
        broker_connection connection;
        bool hung_up = false;
    };
    bool watch(int fd, std::uint32_t events, std::uint64_t tag) noexcept;
    result<void> accept_waiting();

    broker_server* server_ = nullptr;
    unique_fd epoll_;
    // A connection's tag in the epoll set is its index + 1 (0: the listening socket); a dropped
    // one leaves a null to be reused.
    std::vector<std::unique_ptr<slot_state>> slots_;
    std::vector<std::unique_ptr<slot_state>> retired_;  // dropped since the last wait()
    std::vector<broker_connection*> ready_;
    std::uint64_t accepted_ = 0;
};

}  // namespace ipc
