#pragma once
// efdstream: the parent/child wire protocol of existing Go, Rust and C programs
// (../shared/specs/efdstream.md), spoken byte for byte, as parent and as child, so that a
// libipc process can take the place of either side of such a pair.
//
// Per direction: a "send" eventfd whose value is the payload's length (a little-endian u64,
// which an eventfd counter is on the little-endian machines these programs run on), an "ack"
// eventfd (value 1), and a memfd of shm_size bytes to whose offset 0 the sender copies the
// payload. One message is in flight per direction: a sender waits for the ack of the last one
// before it touches the region again. The child finds the six descriptors at fds 3..8
//   3 p2c send   4 p2c ack   5 p2c shm   6 c2p send   7 c2p ack   8 c2p shm
// and is started with exactly
//   <child> -mode child -fd-p2c-send 3 -fd-p2c-ack 4 -fd-p2c-shm 5 -fd-c2p-send 6
//           -fd-c2p-ack 7 -fd-c2p-shm 8 -shm-size <shm_size>
//
// What the reference programs lack, this adds: a deadline on every call; peer_gone when the
// other side dies (seen through its pidfd, with no periodic check); corrupt, not a hang, for an
// announced length above shm_size; invalid_argument for a zero-length send (an eventfd cannot
// carry 0) and message_too_large for one above shm_size, each counted as dropped.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "ipc/clock.hpp"
#include "ipc/error.hpp"
#include "ipc/fd.hpp"
#include "ipc/mapping.hpp"
#include "ipc/spawn.hpp"
#include "ipc/telemetry.hpp"
#include "ipc/wait_strategy.hpp"

namespace ipc {

namespace detail {
// One direction's descriptors and its mapped region (internal).
struct efdstream_direction {
    unique_fd send;
    unique_fd ack;
    unique_fd shm;
    mapping region;
};
}  // namespace detail

struct efdstream_options {
    std::uint64_t shm_size = 1024 * 1024;  // S: each direction's region
    std::string name = "efdstream";        // the channel's name in telemetry
    bool telemetry = true;
    // How a call waits for the peer's eventfd. adaptive and busy_spin look at it (a poll with no
    // timeout) before they sleep, so an answer that comes meanwhile costs no wake-up; blocking
    // sleeps at once, as the reference programs do. Either way the peer's pidfd is watched
    // beside it and the deadline holds.
    wait_strategy wait = wait_strategy::adaptive;
    // efdstream_parent::close: how long the child has to exit once its descriptors are closed,
    // before it gets SIGKILL (the reference parents kill it at once).
    std::chrono::nanoseconds stop_timeout = std::chrono::seconds(2);
};

class efdstream_end {
  public:
    efdstream_end() noexcept = default;
    efdstream_end(efdstream_end&&) noexcept = default;
    efdstream_end& operator=(efdstream_end&&) noexcept = default;

    // Copies `message` to the region at offset 0 and announces its length, once the peer acked
    // the message before (waited for up to `timeout`: timeout, or peer_gone).
    result<void> send(std::span<const std::byte> message,
                      std::chrono::nanoseconds timeout = forever) noexcept;
    // Waits up to `timeout` for the ack of the last message sent (nothing to wait for: ok).
    result<void> flush(std::chrono::nanoseconds timeout = forever) noexcept;

    // The next message, in place in the peer's region, valid until release() acks it.
    // timeout; peer_gone once the peer died and nothing was announced; corrupt for a length
    // above shm_size (the stream is then broken: nothing is acked).
    result<std::span<const std::byte>> read(std::chrono::nanoseconds timeout = forever) noexcept;
    void release() noexcept;
    // Copying: the next message into `buffer`, acked at once. A buffer smaller than the
    // message gives invalid_argument and leaves it unacked (read it, or receive again with
    // room).
    result<std::size_t> receive(std::span<std::byte> buffer,
                                std::chrono::nanoseconds timeout = forever) noexcept;

    // Readable when the peer announced a message (the incoming send eventfd): poll it.
    int wait_fd() const noexcept { return in_.send.get(); }
    std::uint64_t shm_size() const noexcept { return size_; }
    bool is_open() const noexcept { return in_.send.valid(); }

  protected:
    // `peer_pidfd`: the end's own descriptor of its peer's pidfd (readable once it exited).
    efdstream_end(detail::efdstream_direction out, detail::efdstream_direction in,
                  std::uint64_t size, unique_fd peer_pidfd, telemetry::endpoint counters,
                  wait_strategy wait) noexcept;
    void close_descriptors() noexcept;

  private:
    // Waits until `fd` is readable (ok) or the peer has gone (peer_gone), up to `until`.
    result<void> wait_readable(int fd, const deadline& until) const noexcept;
    // One look at `fd` (and at the peer's pidfd with `at_peer`), sleeping up to `sleep_ns`: ok
    // when `fd` is readable, peer_gone, closed, a system error, or timeout when neither was
    // ready (or a signal cut the sleep short).
    result<void> look(int fd, std::uint64_t sleep_ns, bool at_peer = true) const noexcept;
    result<std::uint64_t> read_counter(int fd) noexcept;

    detail::efdstream_direction out_;
    detail::efdstream_direction in_;
    std::uint64_t size_ = 0;
    unique_fd peer_pidfd_;  // readable once the peer has exited
    telemetry::endpoint counters_;
    wait_strategy wait_ = wait_strategy::adaptive;
    bool awaiting_ack_ = false;
    std::uint64_t sent_at_ = 0;  // stamp of the last send not yet answered by a read; 0: none
    std::uint64_t held_ = 0;     // length of the message read and not released (while holding_)
    bool holding_ = false;
};

class efdstream_parent : public efdstream_end {
  public:
    efdstream_parent() noexcept = default;
    efdstream_parent(efdstream_parent&&) noexcept = default;
    efdstream_parent& operator=(efdstream_parent&& other) noexcept;
    ~efdstream_parent();

    // Makes the descriptors and starts `program` (a foreign child by path, or one of ours) with
    // the protocol's command line. invalid_argument for a shm_size of 0 or above 1 GiB.
    static result<efdstream_parent> spawn(const std::string& program,
                                          const efdstream_options& options = {});

    // The child: pid(), pidfd(), wait() (its exit status, kept).
    supervised_child& child() noexcept { return child_; }
    // Closes this side's descriptors and, since the protocol cannot ask a child to stop (the
    // reference parents kill it), sends it SIGTERM; waits stop_timeout, then SIGKILL; reaps.
    // How the child ended. The destructor does the same.
    result<exit_status> close();

  private:
    efdstream_parent(detail::efdstream_direction to_child, detail::efdstream_direction from_child,
                     std::uint64_t size, unique_fd child_pidfd, telemetry::endpoint counters,
                     wait_strategy wait, supervised_child started) noexcept
        : efdstream_end(std::move(to_child), std::move(from_child), size, std::move(child_pidfd),
                        std::move(counters), wait),
          child_(std::move(started)) {}

    supervised_child child_;
};

class efdstream_child : public efdstream_end {
  public:
    efdstream_child() noexcept = default;
    efdstream_child(efdstream_child&&) noexcept = default;
    efdstream_child& operator=(efdstream_child&&) noexcept = default;
    ~efdstream_child();

    // The descriptors at fds 3..8, whatever the -fd-* flags say (as the reference children
    // do); shm_size from `-shm-size` in `argv` (else options.shm_size). All six are checked
    // before any is taken: wrong_kind when one is not an eventfd or a memfd of at least
    // shm_size bytes where the protocol puts one (then none is closed); peer_gone when the
    // parent is gone already. Taken, they are close-on-exec.
    static result<efdstream_child> inherit(int argc, const char* const* argv,
                                           const efdstream_options& options = {});

    void close() noexcept;

  private:
    using efdstream_end::efdstream_end;
};

}  // namespace ipc
