#pragma once
// ring: a single-producer single-consumer message channel in a named POSIX shared-memory
// segment ("/libipc-ring-<name>"), or in a sealed memfd handed to both ends (create_memfd_ring,
// adopt). Either end of a named ring may start first; the first creates the segment, the second
// attaches. Messages of 0..max_message bytes are stored as variable-length records.
//
// Both ends offer a copying API (send / receive) and a zero-copy one (reserve + commit on the
// writer; read, which returns a view, + release on the reader). Every call is try (never
// waits), timed, or blocking (timeout = ipc::forever). A blocked call checks the peer between
// sleep slices and returns peer_gone within ~peer_check_interval of the peer dying, or
// peer_closed once it closed cleanly (after everything it sent was received). A writer that
// sends while the ring has room checks the reader at the same rate, from the time stamps it
// takes anyway, so a dead reader is noticed on the send path too.
//
// Closing: the end that created the segment removes its name, except that a writer leaves a
// ring holding unread messages for a reader that has not attached yet: that reader drains them
// and gets peer_closed, and the last end out removes the name. Messages left unread by a
// reader that died or closed are lost with the ring: the writer's close() returns how many and
// counts them as dropped. Nothing committed is thrown away by an open either: a ring whose ends
// both died is replaced only when it holds nothing unread, else the newcomer attaches and
// takes over.

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ipc/clock.hpp"
#include "ipc/error.hpp"
#include "ipc/fd.hpp"
#include "ipc/wait_strategy.hpp"

namespace ipc {

enum class open_mode : std::uint8_t {
    open_or_create,  // attach if the segment exists, create it otherwise
    create_only,     // already_exists if it exists
    open_only,       // not_found if it does not
};

// How a sleeping end is woken. futex: a futex word in the ring (the default; named rings use only
// this). eventfd: one eventfd per direction, handed over with the region (ring_fds), so that
// each end offers wait_fd() for poll/epoll/QSocketNotifier. The ring's creator chooses; an end
// that adopts it with the other kind gets geometry_mismatch.
enum class doorbell_kind : std::uint8_t { futex, eventfd };

struct ring_options {
    // Largest payload, 1 .. 1 GiB.
    std::uint32_t max_message = 64 * 1024;
    // Data bytes; rounded up to a power of two holding at least two largest records.
    // 0: the smallest such power of two, and at least 64 KiB. Both ends must agree: an end that
    // attaches with other values gets geometry_mismatch.
    std::uint64_t capacity = 0;
    wait_strategy wait = wait_strategy::adaptive;
    // eventfd only for rings over a handed-over region (create_memfd_ring): invalid_argument
    // for a named ring, whose unrelated ends have no way to share an eventfd.
    doorbell_kind doorbell = doorbell_kind::futex;
    open_mode mode = open_mode::open_or_create;
    // Permissions of a segment this end creates.
    mode_t permissions = 0600;
    // Whether the end that created the segment leaves it in /dev/shm on close.
    bool keep_segment = false;
    // Counters in this process's telemetry segment (also subject to IPC_TELEMETRY).
    bool telemetry = true;
    // Owners besides this process's user and root whose segments open() accepts. A segment owned
    // by anyone else is refused with permission_denied: another user could read or forge every
    // message of a ring it pre-created under our name.
    std::vector<uid_t> trusted_owners{};
};

// A message the reader holds without copying; valid until release() or the next read.
struct message_view {
    std::span<const std::byte> payload;
    timestamp sent;  // when the writer committed it; sent.age_ns() is its latency so far
};

namespace detail {
class ring_writer_end;
class ring_reader_end;
struct ring_adopter;
}  // namespace detail

// What a process needs to take an end of a ring it did not open by name: the region (a sealed
// memfd) and, with the eventfd doorbell, the two eventfds (empty with the futex doorbell).
struct ring_fds {
    unique_fd region{};
    unique_fd data_ready{};
    unique_fd space_ready{};
    // Optional, eventfd doorbell only: a pidfd of the process holding the other end, when the
    // adopter knows it (a child it spawned, its parent). A blocked call then sleeps on it too and
    // returns peer_gone as soon as that process exits, instead of finding out at its next
    // check; without one, the peer is checked each peer_check_interval while a call waits.
    unique_fd peer_process{};

    // Duplicates (close-on-exec) of those present, to hand one set to each end; each end's
    // peer_process is its own peer's, so set it on each set after duplicating.
    result<ring_fds> duplicate() const;
};

// A ring in a new memfd, sealed against shrinking and growing, with neither end taken, and with
// options.doorbell == eventfd its two eventfds. Hand the fds (or duplicates) to the processes of
// the two ends, by spawn (ipc/spawn.hpp) or over a Unix socket (ipc/unix_socket.hpp); each
// adopts its end. The ring goes when its last holder closes it. Both ends must adopt it with the
// max_message, capacity and doorbell it was made with.
result<ring_fds> create_memfd_ring(const ring_options& options = {});

class ring_writer {
  public:
    ring_writer() noexcept;
    ring_writer(ring_writer&&) noexcept;
    ring_writer& operator=(ring_writer&& other) noexcept;
    ~ring_writer();

    static result<ring_writer> open(std::string_view name, const ring_options& options = {});
    // The writer end of a ring handed to this process (create_memfd_ring). Only a memfd sealed
    // against shrinking and growing is accepted, and with the eventfd doorbell only eventfds
    // (wrong_kind otherwise), so no other holder can truncate the region under this end. `name`
    // is what telemetry shows. The mode, permissions and keep_segment options do not apply.
    static result<ring_writer> adopt(std::string_view name, ring_fds fds,
                                     const ring_options& options = {});

    // Copies `message` in. queue_full (counted as dropped) when there is no room now.
    result<void> try_send(std::span<const std::byte> message) noexcept;
    // Waits up to `timeout` for room; timeout (counted as dropped) or peer_gone. A timeout of
    // 0 or less is a try (queue_full); any other ends with timeout, even one that passed
    // before the first look.
    result<void> send(std::span<const std::byte> message,
                      std::chrono::nanoseconds timeout = forever) noexcept;

    // Zero-copy: room for `length` bytes to fill, then commit(n <= length) publishes it.
    result<std::span<std::byte>> try_reserve(std::size_t length) noexcept;
    result<std::span<std::byte>> reserve(std::size_t length,
                                         std::chrono::nanoseconds timeout = forever) noexcept;
    result<void> commit(std::size_t length) noexcept;

    // With the eventfd doorbell: an fd that becomes readable when a try_reserve or try_send
    // that found no room may succeed (room was made, or the reader closed). Each such refusal
    // arms it; the next try drains it. -1 with the futex doorbell. A reader killed without
    // closing does not make it readable: an event loop that must notice that checks
    // reader_alive() on a timer (duplex and broker watch the peer's pidfd or socket instead).
    int wait_fd() const noexcept;

    // True while a reader is attached and alive (a reader that never attached: false).
    bool reader_alive() const noexcept;
    // Detaches. The creator also removes the name (unless keep_segment was set), except while
    // unread messages wait for a reader that has not attached yet (see the top). Returns how
    // many messages a reader that died or closed left unread (counted as dropped), else 0.
    std::uint64_t close() noexcept;

    std::uint32_t max_message() const noexcept;
    std::uint64_t capacity() const noexcept;
    bool is_open() const noexcept;
    // ok, or why this end has no telemetry record although telemetry was on (e.g. table_full).
    error telemetry_error() const noexcept;

  private:
    friend struct detail::ring_adopter;
    explicit ring_writer(std::unique_ptr<detail::ring_writer_end> end) noexcept;
    static result<ring_writer> from(std::unique_ptr<detail::ring_writer_end> end);

    std::unique_ptr<detail::ring_writer_end> end_;
};

class ring_reader {
  public:
    ring_reader() noexcept;
    ring_reader(ring_reader&&) noexcept;
    ring_reader& operator=(ring_reader&& other) noexcept;
    ~ring_reader();

    static result<ring_reader> open(std::string_view name, const ring_options& options = {});
    // The reader end of a ring handed to this process (see ring_writer::adopt).
    static result<ring_reader> adopt(std::string_view name, ring_fds fds,
                                     const ring_options& options = {});

    // Zero-copy: the oldest message (empty when none), valid until release(). A timed read
    // ends with timeout (a timeout of 0 or less is a try: empty).
    result<message_view> try_read() noexcept;
    result<message_view> read(std::chrono::nanoseconds timeout = forever) noexcept;
    void release() noexcept;

    // Copying: the oldest message into `buffer`, returning its length. A buffer smaller than
    // the message gives invalid_argument and leaves the message in the ring.
    result<std::size_t> try_receive(std::span<std::byte> buffer) noexcept;
    result<std::size_t> receive(std::span<std::byte> buffer,
                                std::chrono::nanoseconds timeout = forever) noexcept;

    // With the eventfd doorbell: an fd that becomes readable when a try_read or try_receive
    // that found nothing may find something (a message, or the writer's close). Each empty try
    // arms it and drains it, so read until empty, then wait. -1 with the futex doorbell. See
    // ring_writer::wait_fd for a peer killed without closing.
    int wait_fd() const noexcept;

    // True while a writer is attached and alive.
    bool writer_alive() const noexcept;
    void close() noexcept;

    std::uint32_t max_message() const noexcept;
    std::uint64_t capacity() const noexcept;
    bool is_open() const noexcept;
    // ok, or why this end has no telemetry record although telemetry was on (e.g. table_full).
    error telemetry_error() const noexcept;

  private:
    friend struct detail::ring_adopter;
    explicit ring_reader(std::unique_ptr<detail::ring_reader_end> end) noexcept;

    std::unique_ptr<detail::ring_reader_end> end_;
};

}  // namespace ipc
