#pragma once
// broker: one server and many unrelated clients. A client connects to the server's Unix socket
// (SOCK_SEQPACKET); the server checks who it is (SO_PEERCRED), makes two rings in sealed memfds
// with eventfd doorbells (client to server, server to client) and hands their six descriptors
// over with SCM_RIGHTS. Each side then has a broker_connection: a ring writer towards the peer
// and a ring reader from it, with the rings' whole API (zero-copy and copying, try, timed and
// blocking, wait_fd() for epoll).
//
// The socket stays open for the life of the connection and carries nothing more: a hang-up is
// the peer gone. The ring ends sleep on it beside their eventfds, so a blocked call returns
// peer_gone the moment the peer's process dies (peer_closed when it closed), after what it
// committed is read; an event loop polls socket_fd() for its hang-up beside wait_fd().
//
// The socket is <dir>/libipc-broker-<name>.sock, dir being broker_options::dir or the runtime
// directory ($XDG_RUNTIME_DIR/libipc, or /tmp/libipc-<uid>: made 0700, and refused unless it is a
// directory of this user's private to it). The socket file is 0600.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ipc/duplex.hpp"
#include "ipc/error.hpp"
#include "ipc/fd.hpp"
#include "ipc/telemetry.hpp"
#include "ipc/unix_socket.hpp"
#include "ipc/wait_strategy.hpp"

namespace ipc {

namespace detail {
class connection_registration;
}

struct broker_options {
    // Where the socket is; empty: the runtime directory.
    std::string dir{};
    // Rings: a server's are the most a client may ask for (and what it gets when it asks for
    // 0); a client's are what it asks for (0: the server's).
    std::uint32_t max_message = 64 * 1024;
    std::uint64_t capacity = 0;  // as ring_options::capacity
    wait_strategy wait = wait_strategy::adaptive;
    bool telemetry = true;
    // Server: whom it accepts besides its own uid (a client's uid, or its primary gid, being
    // listed; others reach the socket only through a `dir` of their own: the runtime
    // directory stays private); client: whose server it trusts besides its own uid's.
    std::vector<uid_t> allowed_uids{};
    std::vector<gid_t> allowed_gids{};
    // Server: clients at once; more are refused with busy.
    std::uint32_t max_clients = 1024;
    // Server: opens this process's control socket (ipc/control.hpp, in the runtime directory
    // whatever `dir` is), so that tools see its connections' peers.
    bool control = true;
    // How long a handshake may take, on either side: a client that connects and says nothing
    // holds accept() no longer than this.
    std::chrono::nanoseconds handshake_timeout = std::chrono::seconds(2);
};

// One side of a connection: what the server's accept and the client's connect return.
class broker_connection : public duplex_end {
  public:
    broker_connection() noexcept;
    broker_connection(broker_connection&&) noexcept;
    broker_connection& operator=(broker_connection&&) noexcept;
    ~broker_connection();

    // The process on the other side, as the kernel recorded it at connect.
    const unix_socket::credentials& peer() const noexcept { return peer_; }
    // Hung up once the peer's side is gone: poll it for POLLRDHUP (epoll: EPOLLRDHUP) beside
    // from_peer().wait_fd(). (Not POLLIN: bytes a misbehaving peer writes are not its end.)
    int socket_fd() const noexcept { return socket_.get(); }
    // CLOCK_MONOTONIC when the connection was made.
    std::uint64_t connected_ns() const noexcept { return connected_ns_; }
    // Closes both rings (the peer drains what was sent, then gets peer_closed), then the socket.
    void close() noexcept;

  private:
    friend class broker_server;
    friend class broker_client;
    broker_connection(ring_writer to_peer, ring_reader from_peer, unique_fd socket,
                      unix_socket::credentials peer) noexcept;

    unique_fd socket_;
    // Its entry in what this process's control socket reports (ipc/control.hpp).
    std::unique_ptr<detail::connection_registration> registration_;
    unix_socket::credentials peer_{};
    std::uint64_t connected_ns_ = 0;
};

class broker_server {
  public:
    broker_server() noexcept = default;
    broker_server(broker_server&&) noexcept = default;
    broker_server& operator=(broker_server&&) noexcept = default;
    ~broker_server();

    // Listens on the socket of `name`. A socket left by a dead server is replaced; a live
    // server's gives busy. bad_name, invalid_argument for ring sizes, permission_denied for an
    // unsafe directory.
    static result<broker_server> listen(const std::string& name,
                                        const broker_options& options = {});

    // The next client, handshake done, waiting up to `timeout` for one to connect. timeout when
    // none came; any other error concerns that one client (refused, or gone mid-handshake: it
    // is counted as dropped in the server's telemetry), and the server goes on listening.
    result<broker_connection> accept(std::chrono::nanoseconds timeout = forever);
    // Readable when a client is waiting to be accepted (the listening socket).
    int wait_fd() const noexcept { return listener_.get(); }
    const std::string& path() const noexcept { return path_; }
    // Stops listening and removes the socket file; connections already made live on.
    void close() noexcept;

  private:
    result<broker_connection> welcome(unique_fd socket);

    unique_fd listener_;
    std::string path_;
    std::string name_;
    broker_options options_;
    telemetry::endpoint counters_;  // accepted (received) and refused (dropped) clients
};

class broker_client {
  public:
    // Connects to the server of `name` and takes its ends of the two rings, within `timeout`.
    // not_found when no server listens there; permission_denied when it refused this user or
    // runs as a user not trusted; busy when it is full; corrupt or wrong_kind when what it sent
    // is not a broker welcome with two sealed rings (nothing it sends can fault this process).
    static result<broker_connection> connect(
        const std::string& name, const broker_options& options = {},
        std::chrono::nanoseconds timeout = std::chrono::seconds(5));
    // connect, again and again while no server is there to answer (not_found, peer_gone: none
    // listens; busy: full), waiting 10 ms after the first failure, then twice as long each
    // time up to 1 s, until `timeout`: for a client that outlives its server's restarts. Other
    // errors (refused, a bad welcome) are returned at once; timeout when the time ran out.
    static result<broker_connection> connect_retrying(const std::string& name,
                                                      const broker_options& options,
                                                      std::chrono::nanoseconds timeout);
};

// The socket path of `name` under `dir` (empty: the runtime directory).
result<std::string> broker_socket_path(const std::string& name, const std::string& dir = {});

}  // namespace ipc
