// A stream writer (ipc/stream.hpp): callers queue frames under a mutex; one thread per writer
// dials with backoff and writes everything queued in one sendmsg, each write with a deadline.
// A large message that finds nothing queued ahead of it is written by its caller, straight from
// the caller's buffer: a copy and a hand-over to the sending thread saved where they cost more
// than the syscall that batching would save.

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "channel/stream/frame_queue.hpp"
#include "control/connection_registry.hpp"
#include "core/stamp_clock.hpp"
#include "ipc/clock.hpp"
#include "ipc/control.hpp"
#include "ipc/stream.hpp"
#include "ipc/telemetry.hpp"
#include "ipc/varint.hpp"

namespace ipc {

namespace {

constexpr std::uint64_t largest_message = std::uint64_t{1} << 30;
// The longest single sleep of the sending thread: so that a stop is seen this soon whatever
// write_timeout and backoff_max are (time passing notifies no condition variable).
constexpr std::uint64_t sender_slice_ns = 100'000'000;
// From this size a caller writes its message itself when nothing is queued ahead of it (below
// it, batching small frames into one sendmsg is worth more than the copy).
constexpr std::size_t direct_write_min = 16 * 1024;
// How long a caller writing its message itself waits for a full socket before it leaves the
// rest to the sender: long enough for a reader that keeps up to take what is there, short
// enough that a caller who is also the reader (or holds it up) is never stalled by it.
constexpr std::uint64_t direct_wait_ns = 1'000'000;
// How long a large message that finds the queue full waits for it to empty before it settles
// for room: a flat-out writer's full queue (16 MiB at a few GB/s) empties well within it, and
// a writer whose other threads keep the queue busy delays its large messages no longer.
constexpr std::uint64_t empty_wait_ns = 10'000'000;

// How long to wait on a condition variable for `until`: never negative, and a `forever`
// deadline (whose remaining time would overflow a signed duration) waits in hour-long slices.
std::chrono::nanoseconds wait_span(const deadline& until) {
    return std::chrono::nanoseconds(
        std::min<std::uint64_t>(until.remaining_ns(monotonic_ns()), 3'600'000'000'000));
}

// One non-blocking sendmsg of a frame's bytes from `done` on: its length, then its payload.
ssize_t send_rest(int to, std::span<const std::byte> head, std::span<const std::byte> payload,
                  std::size_t done) {
    const std::size_t in_head = std::min(done, head.size());
    const std::size_t in_payload = done - in_head;
    iovec iov[2] = {
        {const_cast<std::byte*>(head.data() + in_head), head.size() - in_head},
        {const_cast<std::byte*>(payload.data() + in_payload), payload.size() - in_payload}};
    msghdr msg{};
    msg.msg_iov = in_head < head.size() ? iov : iov + 1;
    msg.msg_iovlen = in_head < head.size() ? 2 : 1;
    return ::sendmsg(to, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
}

result<void> check(const std::string& path, const stream_writer_options& o) {
    if (path.empty() || path.size() >= 108) {
        return error{errc::invalid_argument, "the socket path is empty or too long"};
    }
    if (o.max_queue_messages == 0 || o.max_message == 0 || o.max_message > largest_message ||
        detail::frame_queue::frame_size(o.max_message) > o.max_queue_bytes) {
        return error{errc::invalid_argument,
                     "the queue must hold at least one message of max_message (at most 1 GiB)"};
    }
    if (o.write_timeout <= std::chrono::nanoseconds(0) ||
        o.backoff_initial <= std::chrono::nanoseconds(0) || o.backoff_max < o.backoff_initial) {
        return error{errc::invalid_argument, "timeouts and backoffs must be positive"};
    }
    return {};
}

}  // namespace

struct stream_writer::state {
    state(std::string p, const stream_writer_options& o)
        : path(std::move(p)), options(o), queue(o.max_queue_messages, o.max_queue_bytes) {}

    const std::string path;
    const stream_writer_options options;

    mutable std::mutex lock;
    std::condition_variable room;  // producers: the queue has room, or the writer stopped
    std::condition_variable work;  // the sender: frames queued, or stop
    std::condition_variable emptied;
    detail::frame_queue queue;
    stream_writer_stats stats;
    bool accepting = true;               // false once stop() began
    int socket = -1;                     // the sender's connection while it has one
    bool caller_writing = false;         // a caller writes the head frame itself, on `socket`
    bool caller_write_failed = false;    // ... and the connection failed under it
    std::uint64_t stop_deadline_ns = 0;  // while stopping: when to give up
    bool finished = false;               // the sender is done
    stop_report unsent;                  // what the sender gave up at the end

    // Written by the sender and by callers, always under `lock`: one writer at a time, as its
    // relaxed load-and-store counting needs.
    telemetry::endpoint counters;
    const detail::stamp_clock clock = detail::process_stamp_clock();  // telemetry's stamps
    detail::connection_traffic traffic;
    std::thread sender;
    std::mutex join_lock;

    result<void> enqueue(std::span<const std::byte> message, std::chrono::nanoseconds timeout);
    bool may_write_directly(std::size_t payload) const {
        return payload >= direct_write_min && socket >= 0 && queue.messages() == 0 &&
               !caller_writing && !caller_write_failed;
    }
    void write_directly(std::unique_lock<std::mutex>& guard, std::span<const std::byte> message,
                        const deadline& until);
    void wait_for_room(std::unique_lock<std::mutex>& guard, std::size_t payload,
                       const deadline& until);
    void note_queued() {
        stats.queued = queue.messages();
        stats.queued_max = std::max(stats.queued_max, stats.queued);
        counters.set_queue_depth(stats.queued);
    }
    // Counts `n` bytes of the queue's head as written: frames done leave it.
    void written(std::size_t n);
    void refuse() {
        ++stats.dropped;
        counters.on_dropped();
    }
    void run();
    // The sender's connection: made with backoff, until made or stopped.
    unique_fd dial(std::chrono::nanoseconds& backoff, bool& made_before);
    // Writes what is queued until the queue is empty or a write fails; false on failure.
    bool write_queued(int socket);
    // Whether `socket` can take bytes before `until` (false also when a stop's deadline passed
    // first, or the socket failed).
    bool writable_in_time(int to, const deadline& until);
    bool give_up_now() const {
        return !accepting && (queue.messages() == 0 || monotonic_ns() >= stop_deadline_ns);
    }
};

result<void> stream_writer::state::enqueue(std::span<const std::byte> message,
                                           std::chrono::nanoseconds timeout) {
    std::unique_lock guard(lock);
    if (!accepting) {
        refuse();
        return error{errc::closed, "the stream writer is stopped"};
    }
    if (message.size() > options.max_message) {
        refuse();
        return error{errc::message_too_large, "the message is longer than max_message"};
    }
    const deadline until(timeout);
    if (!queue.has_room(message.size())) {
        wait_for_room(guard, message.size(), until);
        if (!accepting) {
            refuse();
            return error{errc::closed, "the stream writer was stopped"};
        }
        if (!queue.has_room(message.size())) {
            refuse();
            return until.immediate() ? error{errc::queue_full, "the stream writer's queue is full"}
                                     : error{errc::timeout, "no room in the queue in time"};
        }
    }
    if (may_write_directly(message.size())) {
        write_directly(guard, message, until);
        return {};
    }
    queue.push(message, clock.now());
    note_queued();
    work.notify_one();
    return {};
}

// A large message waits for the queue to empty (for a while, and while connected) rather than
// for room, so that it is then written from the caller's buffer: a writer sending flat out
// otherwise keeps the queue full and copies every message into it. Past that while, room.
void stream_writer::state::wait_for_room(std::unique_lock<std::mutex>& guard, std::size_t payload,
                                         const deadline& until) {
    const bool large = payload >= direct_write_min;
    const deadline emptying{std::chrono::nanoseconds(empty_wait_ns)};
    for (std::uint64_t now = monotonic_ns(); accepting && !until.passed(now);
         now = monotonic_ns()) {
        if (large && socket >= 0 && !emptying.passed(now)) {
            if (queue.messages() == 0) {
                return;
            }
            emptied.wait_for(guard, std::min(wait_span(until), wait_span(emptying)));
        } else {
            if (queue.has_room(payload)) {
                return;
            }
            room.wait_for(guard, wait_span(until));
        }
    }
}

// The message is queued unfilled, so that it keeps its place (frames queued meanwhile go after
// it, and a stop counts it), and written from the caller's buffer while the sender waits. The
// caller waits for a full socket at most direct_wait_ns (and never past its own timeout); what
// the kernel has not taken by then is copied into the queue for the sender, which goes on from
// there under write_timeout. Only a socket error fails the connection here.
void stream_writer::state::write_directly(std::unique_lock<std::mutex>& guard,
                                          std::span<const std::byte> message,
                                          const deadline& until) {
    const std::uint64_t at = queue.push_unfilled(message.size(), clock.now());
    note_queued();
    caller_writing = true;
    const int to = socket;
    guard.unlock();
    std::byte head[varint::max_bytes];
    const std::size_t head_bytes = varint::encode(message.size(), head);
    const std::size_t frame = head_bytes + message.size();
    std::size_t done = 0;
    bool failed = false;  // only by the socket's own error: write_timeout is the sender's
    while (done < frame) {
        const ssize_t n = send_rest(to, std::span(head, head_bytes), message, done);
        if (n > 0) {
            done += static_cast<std::size_t>(n);
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n == 0 || errno != EAGAIN) {
            failed = true;
            break;
        } else if (const deadline wait(std::chrono::nanoseconds(
                       std::min(direct_wait_ns, until.remaining_ns(monotonic_ns()))));
                   !writable_in_time(to, wait)) {
            break;  // the sender takes over from here
        }
    }
    guard.lock();
    if (done < frame) {
        queue.fill(at, message);
    }
    written(done);
    caller_writing = false;
    caller_write_failed = failed;
    if (queue.messages() > 0 || failed || !accepting) {
        work.notify_all();  // only then: waking the sender for nothing costs a context switch
    }
}

unique_fd stream_writer::state::dial(std::chrono::nanoseconds& backoff, bool& made_before) {
    for (;;) {
        {
            std::lock_guard guard(lock);
            if (give_up_now()) {
                return {};
            }
        }
        // Never waiting on the reader: a stopped reader's full backlog is a failed dial.
        if (auto s = unix_socket::connect_now(path)) {
            std::lock_guard guard(lock);
            if (made_before) {
                ++stats.reconnects;
            }
            counters.on_connected(made_before);
            made_before = true;
            backoff = options.backoff_initial;
            return std::move(*s);
        }
        // The backoff, in slices, so that a stop's deadline is kept.
        const deadline retry(backoff);
        std::unique_lock guard(lock);
        while (!give_up_now() && !retry.passed(monotonic_ns())) {
            work.wait_for(guard,
                          std::min(wait_span(retry), std::chrono::nanoseconds(sender_slice_ns)));
        }
        if (give_up_now()) {
            return {};
        }
        backoff = backoff > options.backoff_max / 2 ? options.backoff_max : backoff * 2;
    }
}

bool stream_writer::state::writable_in_time(int to, const deadline& until) {
    for (;;) {
        const std::uint64_t left = std::min(until.remaining_ns(monotonic_ns()), sender_slice_ns);
        pollfd p{to, POLLOUT, 0};
        const int ready = ::poll(&p, 1, static_cast<int>((left + 999'999) / 1'000'000));
        if (ready == 1) {
            return (p.revents & POLLOUT) != 0;
        }
        if (ready < 0 && errno != EINTR) {
            return false;
        }
        std::lock_guard guard(lock);
        if (until.passed(monotonic_ns()) || give_up_now()) {
            return false;
        }
    }
}

bool stream_writer::state::write_queued(int socket) {
    for (;;) {
        iovec iov[2];
        std::size_t parts;
        {
            std::unique_lock guard(lock);
            // A caller writing to the socket has it to itself until it is done.
            work.wait(guard, [&] {
                return !caller_writing &&
                       (queue.messages() > 0 || !accepting || caller_write_failed);
            });
            if (caller_write_failed) {
                return false;
            }
            if (give_up_now()) {
                return true;
            }
            parts = queue.unwritten(iov);
        }
        // The bytes named by iov stay put: callers only append past them (a caller fills in a
        // frame only while it holds the socket, and so this thread off it). The write deadline
        // is waited out in slices, so that a stop is kept to its own deadline.
        if (!writable_in_time(socket, deadline(options.write_timeout))) {
            std::lock_guard guard(lock);
            return give_up_now();  // stopped (everything else left is counted failed) or failed
        }
        msghdr msg{};
        msg.msg_iov = iov;
        msg.msg_iovlen = parts;
        const ssize_t n = ::sendmsg(socket, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            continue;
        }
        if (n <= 0) {
            return false;
        }
        std::lock_guard guard(lock);
        written(static_cast<std::size_t>(n));
    }
}

void stream_writer::state::written(std::size_t n) {
    const std::uint64_t now = clock.now();
    queue.consume(n, [&](const auto& frame) {
        ++stats.sent;
        traffic.messages_out.fetch_add(1, std::memory_order_relaxed);
        traffic.bytes_out.fetch_add(frame.payload_bytes, std::memory_order_relaxed);
        counters.on_sent(frame.payload_bytes, now);
        // The writer's latency: from enqueue to the kernel taking the frame's last byte.
        counters.on_round_trip(clock.elapsed_ns(frame.enqueued_ns, now));
    });
    stats.queued = queue.messages();
    counters.set_queue_depth(stats.queued);
    room.notify_all();
    if (queue.messages() == 0) {
        emptied.notify_all();
    }
}

void stream_writer::state::run() {
    std::chrono::nanoseconds backoff = options.backoff_initial;
    bool made_before = false;
    for (;;) {
        unique_fd socket = dial(backoff, made_before);
        if (!socket.valid()) {
            break;  // stopped
        }
        const auto peer = unix_socket::peer_credentials(socket.get());
        detail::connection_registration registered(detail::connection_record{
            "stream", options.name.empty() ? path : options.name, "writer",
            peer ? *peer : unix_socket::credentials{}, monotonic_ns(), "", "", 0, 0, &traffic});
        {
            std::lock_guard guard(lock);
            stats.connected = true;
            this->socket = socket.get();
        }
        const bool ok = write_queued(socket.get());
        std::lock_guard guard(lock);
        stats.connected = false;
        this->socket = -1;  // no caller writes on it: write_queued returns only then
        caller_write_failed = false;
        counters.on_disconnected();
        if (ok) {
            break;  // stopped with everything sent, or at the stop deadline
        }
        // The reader went away or stalled: the frame it was in is written again, whole, on
        // the next connection (the reader drops a partial frame with its connection).
        if (queue.rewind()) {  // begun on the lost connection: written again whole
            ++stats.retried;
            counters.on_retried();
        }
    }
    std::lock_guard guard(lock);
    unsent.unsent_bytes = queue.bytes();
    const std::size_t left = queue.clear();
    unsent.unsent_messages = left;
    stats.failed += left;
    for (std::size_t i = 0; i < left; ++i) {
        counters.on_failed();
    }
    stats.queued = 0;
    counters.set_queue_depth(0);
    finished = true;
    emptied.notify_all();
    room.notify_all();
}

stream_writer::stream_writer() noexcept = default;
stream_writer::stream_writer(stream_writer&&) noexcept = default;
stream_writer& stream_writer::operator=(stream_writer&& other) noexcept {
    if (this != &other) {
        stop(std::chrono::nanoseconds(0));
        state_ = std::move(other.state_);
    }
    return *this;
}
stream_writer::~stream_writer() {
    stop(std::chrono::nanoseconds(0));
}

result<stream_writer> stream_writer::open(const std::string& path,
                                          const stream_writer_options& options) {
    if (auto ok = check(path, options); !ok) {
        return ok.error_value();
    }
    stream_writer w;
    w.state_ = std::make_unique<state>(path, options);
    auto& s = *w.state_;
    if (options.telemetry) {
        if (auto e = telemetry::endpoint::open(
                {layout::channel_kind::stream, layout::endpoint_role::writer,
                 options.name.empty() ? path : options.name, path})) {
            s.counters = std::move(*e);
        }
    }
    if (options.control) {
        (void)control::start();  // tools then see the connection; the writer works without it
    }
    s.sender = std::thread([&s] { s.run(); });
    return w;
}

result<void> stream_writer::try_send(std::span<const std::byte> message) {
    if (!state_) {
        return error{errc::closed, "the stream writer is closed"};
    }
    return state_->enqueue(message, std::chrono::nanoseconds(0));
}

result<void> stream_writer::send(std::span<const std::byte> message,
                                 std::chrono::nanoseconds timeout) {
    if (!state_) {
        return error{errc::closed, "the stream writer is closed"};
    }
    return state_->enqueue(message, timeout);
}

result<void> stream_writer::flush(std::chrono::nanoseconds timeout) {
    if (!state_) {
        return error{errc::closed, "the stream writer is closed"};
    }
    std::unique_lock guard(state_->lock);
    const deadline until(timeout);
    while (state_->queue.messages() > 0 && !state_->finished && !until.passed(monotonic_ns())) {
        state_->emptied.wait_for(guard, wait_span(until));
    }
    if (state_->finished && state_->unsent.unsent_messages > 0) {
        return error{errc::closed, "the writer stopped with messages it could not send"};
    }
    if (state_->queue.messages() > 0) {
        return error{errc::timeout, "messages are still queued"};
    }
    return {};
}

stream_writer::stop_report stream_writer::stop(std::chrono::nanoseconds timeout) {
    if (!state_) {
        return {};
    }
    auto& s = *state_;
    {
        std::lock_guard guard(s.lock);
        if (s.accepting) {
            s.accepting = false;
            const auto ns = static_cast<std::uint64_t>(std::max<std::int64_t>(timeout.count(), 0));
            const std::uint64_t now = monotonic_ns();
            s.stop_deadline_ns =
                timeout == forever || ns > UINT64_MAX - now ? UINT64_MAX : now + ns;
        }
        s.work.notify_all();
        s.room.notify_all();
        s.emptied.notify_all();
    }
    {
        const std::lock_guard once(s.join_lock);  // two stops at once join the thread once
        if (s.sender.joinable()) {
            s.sender.join();
        }
    }
    std::lock_guard guard(s.lock);
    s.counters.close();
    return s.unsent;
}

stream_writer_stats stream_writer::stats() const {
    if (!state_) {
        return {};
    }
    std::lock_guard guard(state_->lock);
    return state_->stats;
}

const std::string& stream_writer::path() const noexcept {
    static const std::string none;
    return state_ ? state_->path : none;
}

}  // namespace ipc
