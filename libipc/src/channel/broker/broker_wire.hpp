#pragma once
// The broker's handshake on its SOCK_SEQPACKET socket (internal; docs/ARCHITECTURE.md, *broker*).
// The client sends one hello; the server answers with one welcome, which carries the six ring
// descriptors when it accepts, and a refusal reason when it does not. Nothing else is ever sent:
// from then on the socket is only the connection's liveness (a hang-up is the peer gone).
// Fixed-size little-endian records; every field is checked before use.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

#include "ipc/error.hpp"

namespace ipc::detail {

inline constexpr std::array<char, 8> broker_magic = {'L', 'I', 'B', 'I', 'P', 'C', 'B', 'R'};
inline constexpr std::uint32_t broker_wire_version = 1;
// The welcome's descriptors, in this order.
enum broker_fd : std::size_t {
    c2s_data_ready,
    c2s_space_ready,
    c2s_region,
    s2c_data_ready,
    s2c_space_ready,
    s2c_region,
    broker_fd_count
};

struct broker_hello {
    std::array<char, 8> magic;
    std::uint32_t version;
    std::uint32_t max_message;  // asked for; 0: the server's
    std::uint64_t capacity;     // asked for; 0: the server's
};
static_assert(std::is_standard_layout_v<broker_hello> &&
              std::is_trivially_copyable_v<broker_hello>);
static_assert(sizeof(broker_hello) == 24);
static_assert(offsetof(broker_hello, capacity) == 16);

enum class broker_refusal : std::uint32_t {
    none = 0,
    not_allowed,   // the client's uid and gids are not among the allowed
    full,          // max_clients are connected
    bad_hello,     // not a hello of this protocol
    server_error,  // the server could not make the rings
};

struct broker_welcome {
    std::array<char, 8> magic;
    std::uint32_t version;
    std::uint32_t refusal;      // broker_refusal
    std::uint32_t max_message;  // of both rings
    std::uint32_t reserved;
    std::uint64_t capacity;  // of both rings
};
static_assert(std::is_standard_layout_v<broker_welcome> &&
              std::is_trivially_copyable_v<broker_welcome>);
static_assert(sizeof(broker_welcome) == 32);
static_assert(offsetof(broker_welcome, capacity) == 24);

broker_hello make_hello(std::uint32_t max_message, std::uint64_t capacity) noexcept;
broker_welcome make_welcome(broker_refusal refusal, std::uint32_t max_message = 0,
                            std::uint64_t capacity = 0) noexcept;
// A received message as a hello or a welcome: corrupt for a wrong size or magic,
// version_mismatch for another version. A welcome's refusal is the error it stands for.
result<broker_hello> parse_hello(std::span<const std::byte> bytes) noexcept;
result<broker_welcome> parse_welcome(std::span<const std::byte> bytes) noexcept;

template <class Record>
std::span<const std::byte> bytes_of(const Record& r) noexcept {
    return std::as_bytes(std::span(&r, 1));
}

}  // namespace ipc::detail
