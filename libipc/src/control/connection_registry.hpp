#pragma once
// This process's connections as the control socket reports them (internal): what shared memory
// does not hold (who the peer is, since when), and either the segments that link a connection
// to its rings' records (broker) or its own live counts (stream, which has no shared memory).
// Guarded by a mutex: connections come and go on the application's threads, the control socket
// reads from its own.

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "ipc/unix_socket.hpp"

namespace ipc::detail {

// A connection's messages and bytes each way, counted by its owner (relaxed: each is a count
// on its own) and read by the control socket while the connection is registered.
struct connection_traffic {
    std::atomic<std::uint64_t> messages_in{0};
    std::atomic<std::uint64_t> bytes_in{0};
    std::atomic<std::uint64_t> messages_out{0};
    std::atomic<std::uint64_t> bytes_out{0};
};

struct traffic_counts {
    std::uint64_t messages_in = 0;
    std::uint64_t bytes_in = 0;
    std::uint64_t messages_out = 0;
    std::uint64_t bytes_out = 0;
};

struct connection_record {
    std::string kind;  // the channel kind's name: "broker", "stream"
    std::string name;
    std::string role;  // "server" or "client": this process's side
    unix_socket::credentials peer;
    std::uint64_t since_ns = 0;    // CLOCK_MONOTONIC
    std::string inbound_segment;   // "memfd:<inode>" of the ring this side reads
    std::string outbound_segment;  // and of the one it writes
    std::uint32_t max_message = 0;
    std::uint64_t capacity = 0;
    // Its own counts, for a connection without rings; must outlive the registration.
    const connection_traffic* traffic = nullptr;
};

// A registered connection as of one look: its record, and its counts when it keeps its own.
struct connection_report {
    std::uint64_t id = 0;  // 1, 2, ... in the order connections registered in this process
    connection_record record;
    bool counted = false;
    traffic_counts counts;
};

// A connection's place in the registry, removed when it is destroyed (movable, not copyable).
class connection_registration {
  public:
    connection_registration() noexcept = default;
    explicit connection_registration(connection_record record);
    connection_registration(connection_registration&& other) noexcept;
    connection_registration& operator=(connection_registration&& other) noexcept;
    ~connection_registration();

  private:
    std::uint64_t id_ = 0;  // 0: none
};

// Every registered connection, its counts read under the registry's lock (so a connection being
// closed is never read after it unregistered).
std::vector<connection_report> registered_connections();

}  // namespace ipc::detail
