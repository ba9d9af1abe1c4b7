#pragma once
// This process's broker connections as the control socket reports them (internal): what shared
// memory does not hold (who the peer is, since when) and the segments that link each to its
// rings' records. Guarded by a mutex: connections come and go on the application's threads,
// the control socket reads from its own.

#include <cstdint>
#include <string>
#include <vector>

#include "ipc/unix_socket.hpp"

namespace ipc::detail {

struct connection_record {
    std::string kind;  // the channel kind's name, "broker"
    std::string name;
    std::string role;  // "server" or "client": this process's side
    unix_socket::credentials peer;
    std::uint64_t since_ns = 0;    // CLOCK_MONOTONIC
    std::string inbound_segment;   // "memfd:<inode>" of the ring this side reads
    std::string outbound_segment;  // and of the one it writes
    std::uint32_t max_message = 0;
    std::uint64_t capacity = 0;
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

// A copy of every registered connection.
std::vector<connection_record> registered_connections();

}  // namespace ipc::detail
