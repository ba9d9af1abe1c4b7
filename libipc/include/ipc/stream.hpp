#pragma once
// stream: messages from writers to a reader over a Unix stream socket, framed as the uds-ipc
// programs frame them (../shared/specs/uds-ipc.md): uvarint(length), then the payload. For where
// shared memory is not wanted: a service behind systemd, a writer that must outlive its
// reader's restarts.
//
// A writer queues messages (a bounded queue, allocated once) and one background thread per
// writer dials the reader, with backoff, and writes everything queued in one sendmsg. A
// message of 16 KiB or more that finds nothing queued ahead of it is written by its caller,
// straight from the caller's buffer (no copy, no hand-over to the thread), waiting for a full
// socket at most 1 ms (never past the caller's timeout); what the kernel has not taken by then
// is queued for the thread, which carries on from there (and such a message that finds the
// queue full waits up to 10 ms for it to empty, not just for room, so that a flat-out writer
// stays on this path). A
// message is "sent" once the kernel took all of its bytes; a write that fails (the reader went
// away) closes the connection, and the frame it was in the middle of is written again, whole,
// first on the next one. Nothing is lost silently: a message the queue refuses is reported to
// the caller and counted as dropped, and what stop() could not send is reported and counted
// as failed. The reader is driven by its caller: poll() accepts, reads and calls the handler
// for each message, on the caller's thread; wait_fd() nests it in an event loop.
//
// A reader's stop() is graceful: it takes the writers still in its backlog, shuts every
// connection for reading, so that writers' next writes fail and are retried elsewhere, and
// hands the handler everything already written to it (a stop without a handler counts those
// messages received and drops them). A writer's message counted as sent is then received,
// across reader restarts. Order is kept per writer across graceful restarts; after a write
// timeout against a reader that is slow but alive, the frames still in the old connection may
// be handled after newer ones on the new connection.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "ipc/error.hpp"
#include "ipc/unix_socket.hpp"

namespace ipc {

struct stream_writer_options {
    std::size_t max_queue_messages = 10000;
    std::size_t max_queue_bytes = 16 * 1024 * 1024;  // frames as encoded, lengths included
    std::uint64_t max_message = 10 * 1024 * 1024;    // as the reference reader's default
    // A write that makes no progress for this long fails: the connection is closed and made
    // again (the reader may be stuck).
    std::chrono::nanoseconds write_timeout = std::chrono::seconds(1);
    // Dialing: the first retry after this, then twice as long each time up to backoff_max;
    // back to backoff_initial once a connection is made.
    std::chrono::nanoseconds backoff_initial = std::chrono::seconds(1);
    std::chrono::nanoseconds backoff_max = std::chrono::seconds(10);
    std::string name{};  // in telemetry and the control socket; empty: the path
    bool telemetry = true;
    // Opens this process's control socket (ipc/control.hpp) so tools see the connection.
    bool control = true;
};

struct stream_writer_stats {
    std::uint64_t sent = 0;        // messages the kernel took whole
    std::uint64_t dropped = 0;     // refused by try_send/send (full, too large, stopped)
    std::uint64_t failed = 0;      // queued but given up at stop()
    std::uint64_t retried = 0;     // frames written again after a failed write
    std::uint64_t reconnects = 0;  // connections made after the first
    std::uint64_t queued = 0;      // messages waiting now
    std::uint64_t queued_max = 0;  // most ever waiting
    bool connected = false;
};

class stream_writer {
  public:
    stream_writer() noexcept;
    stream_writer(stream_writer&&) noexcept;
    stream_writer& operator=(stream_writer&&) noexcept;
    ~stream_writer();  // stop(0): what is queued is counted failed

    // Starts the writer for the reader at `path` (which need not be listening yet).
    // invalid_argument for bad sizes or a path too long for a socket address.
    static result<stream_writer> open(const std::string& path,
                                      const stream_writer_options& options = {});

    // Queues `message`, or refuses it at once: queue_full when the queue has no room,
    // message_too_large above max_message, closed after stop(); each refusal counted dropped.
    // Any thread may call it.
    result<void> try_send(std::span<const std::byte> message);
    // The same, waiting up to `timeout` for room (timeout, then counted dropped); a message of
    // 16 KiB or more waits up to 10 ms of it for the queue to empty, then for room.
    result<void> send(std::span<const std::byte> message, std::chrono::nanoseconds timeout);

    // Waits up to `timeout` until everything queued is sent (timeout otherwise).
    result<void> flush(std::chrono::nanoseconds timeout);

    struct stop_report {
        std::uint64_t unsent_messages = 0;  // counted failed
        std::uint64_t unsent_bytes = 0;     // as framed: lengths included
    };
    // Stops taking messages, keeps sending (and dialing) until the queue is empty or
    // `timeout` passed, then closes: what is left is reported and counted failed.
    stop_report stop(std::chrono::nanoseconds timeout);

    stream_writer_stats stats() const;
    const std::string& path() const noexcept;

    struct state;  // internal

  private:
    std::unique_ptr<state> state_;
};

// What the reader knows of a connection when it hands over one of its messages.
struct stream_peer {
    unix_socket::credentials credentials;  // SO_PEERCRED at accept
    std::uint64_t connection = 0;          // 1, 2, ...: which connection of this reader
};

// A message's handler: an error is counted (failed) and the reader goes on.
using stream_handler =
    std::function<result<void>(std::span<const std::byte> message, const stream_peer& from)>;

struct stream_reader_options {
    std::uint64_t max_message = 10 * 1024 * 1024;
    // A connection that sends nothing for this long is closed (counted).
    std::chrono::nanoseconds idle_timeout = std::chrono::seconds(10);
    // Accept errors in a row (each followed by a pause of accept_backoff) after which poll()
    // gives up with the last one.
    std::uint32_t max_accept_errors = 10;
    std::chrono::nanoseconds accept_backoff = std::chrono::milliseconds(100);
    // At this many connections the reader stops accepting until one closes: more writers wait
    // in the listener's backlog (each pause counted as refused).
    std::uint32_t max_connections = 1024;
    std::string name{};  // in telemetry and the control socket; empty: the path
    bool telemetry = true;
    // Opens this process's control socket (ipc/control.hpp) so tools see the connections.
    bool control = true;
    // Sends READY=1 once listening and STOPPING=1 at stop() when NOTIFY_SOCKET is set.
    bool notify_systemd = true;
};

struct stream_reader_stats {
    std::uint64_t received = 0;
    std::uint64_t bytes = 0;
    std::uint64_t connections = 0;        // open now
    std::uint64_t connections_total = 0;  // accepted
    // Errors by cause, each closing its connection but the handler's.
    std::uint64_t too_large = 0;       // a length above max_message
    std::uint64_t malformed = 0;       // a length that is not a valid minimal uvarint
    std::uint64_t idle_closed = 0;     // idle_timeout
    std::uint64_t truncated = 0;       // a connection that ended inside a frame
    std::uint64_t refused = 0;         // over max_connections
    std::uint64_t handler_errors = 0;  // the handler returned an error
    std::uint64_t accept_errors = 0;
    bool activated = false;  // the socket came from systemd (LISTEN_FDS)
};

class stream_reader {
  public:
    stream_reader() noexcept;
    stream_reader(stream_reader&&) noexcept;
    stream_reader& operator=(stream_reader&&) noexcept;
    ~stream_reader();  // stop()

    // Listens at `path`. Socket activation first: with LISTEN_FDS (and LISTEN_PID, when set,
    // this process) the socket is systemd's fd 3 (through sd_listen_fds) and `path` only names
    // it. Otherwise the path is taken inside RUNTIME_DIRECTORY when that is set (its base name),
    // its directory is made (0750) if missing and refused if it is not this user's or others may
    // write to it, a stale socket file is replaced and a live one refused (busy), and the
    // socket is made 0600.
    static result<stream_reader> listen(const std::string& path,
                                        const stream_reader_options& options = {});

    // Serves for up to `timeout`: accepts writers, reads what they sent and calls `handler`
    // for each message, in order per connection; returns the messages handled. Errors only
    // when the reader cannot go on: accept failed max_accept_errors times in a row, or closed.
    result<std::size_t> poll(std::chrono::nanoseconds timeout, const stream_handler& handler);

    // Readable when poll() has something to do.
    int wait_fd() const noexcept;

    // Stops listening (the socket file is removed unless systemd made it), shuts every
    // connection for reading so that writers' next writes fail and go to the next reader,
    // hands `handler` every whole message already written, and closes.
    void stop(const stream_handler& handler = {});

    stream_reader_stats stats() const;
    const std::string& path() const noexcept;

    struct state;  // internal

  private:
    std::unique_ptr<state> state_;
};

}  // namespace ipc
