#pragma once
// ZIPC-format ring: the fixed-slot single-producer, single-consumer ring of the Zig and C ZIPC
// programs (../shared/specs/zipc.md), so that libipc takes either side of such a pair and the
// other side runs unchanged. One POSIX shm object "/name": head and tail indices, Q slots of M
// bytes each with its length, an init flag; the sender wakes a receiver with a futex on the
// tail word. Q - 1 messages fit.
//
// What the reference lacks: a full ring and a message longer than M are refused before
// anything is written (queue_full, message_too_large; counted dropped); receive waits with any
// timeout; lengths and indices read from the object are checked (corrupt, never a read out of
// bounds); counters in libipc's telemetry (kind zipc). The format records no process ids, so a
// waiting side learns that its peer is gone from /proc: once another process was seen mapping
// the object, a wait that finds none left returns peer_gone (looked at every
// peer_check_interval and when the peer's work is first seen; a peer /proc does not show,
// another user's or root's, is never found, and such a wait then ends only at its timeout). The
// consumer never wakes the producer in this format: a sender waiting for room polls (sleeps of at
// most 100 us).

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "ipc/error.hpp"
#include "ipc/wait_strategy.hpp"

namespace ipc {

struct zipc_options {
    std::uint32_t slots = 64;           // Q: holds Q - 1 messages (at least 2)
    std::uint32_t message_size = 1024;  // M: the longest message
    wait_strategy strategy = wait_strategy::adaptive;
    std::chrono::nanoseconds peer_check_interval = std::chrono::seconds(1);
    bool telemetry = true;
    std::string telemetry_name{};  // empty: the object's name
};

struct zipc_stats {
    std::uint64_t sent = 0;      // sender
    std::uint64_t received = 0;  // receiver
    std::uint64_t dropped = 0;   // refused: full, too long
    std::uint64_t corrupt = 0;   // receiver: a length above M, or indices out of range
};

class zipc_sender {
  public:
    zipc_sender() noexcept;
    zipc_sender(zipc_sender&&) noexcept;
    zipc_sender& operator=(zipc_sender&&) noexcept;
    ~zipc_sender();

    // Opens "/name" (a '/' and 1 to 38 characters), making it (0600) if it is not there, and
    // sets it up if its flag is not yet set; the receiver may come first. Both sides must give
    // the same slots and message_size: an object too small for them is refused.
    static result<zipc_sender> open(const std::string& name, const zipc_options& options = {});

    // Copies `message` into the next slot and wakes a waiting receiver; queue_full or
    // message_too_large at once, nothing written.
    result<void> try_send(std::span<const std::byte> message);
    // The same, waiting up to `timeout` for a free slot: timeout, or peer_gone.
    result<void> send(std::span<const std::byte> message, std::chrono::nanoseconds timeout);

    zipc_stats stats() const noexcept;
    // The slot array and the init flag, for the C API's context (ipc/zipc.h).
    void* base() const noexcept;
    void close() noexcept;

    struct state;  // internal

  private:
    std::unique_ptr<state> state_;
};

class zipc_receiver {
  public:
    zipc_receiver() noexcept;
    zipc_receiver(zipc_receiver&&) noexcept;
    zipc_receiver& operator=(zipc_receiver&&) noexcept;
    ~zipc_receiver();

    static result<zipc_receiver> open(const std::string& name, const zipc_options& options = {});

    // The next message, in its slot: untouched until the next receive (its slot is given back
    // at once, but the ring's spare slot is always the one just read). empty when there is
    // none; corrupt when its length is above M (that slot is skipped) or the indices are out
    // of range (counted).
    result<std::span<const std::byte>> try_receive();
    // The same, waiting up to `timeout`: timeout, or peer_gone once the sender is gone and
    // everything it sent was taken.
    result<std::span<const std::byte>> receive(std::chrono::nanoseconds timeout);

    zipc_stats stats() const noexcept;
    void* base() const noexcept;
    void close() noexcept;

    struct state;  // internal

  private:
    std::unique_ptr<state> state_;
};

}  // namespace ipc
