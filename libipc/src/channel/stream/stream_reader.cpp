// A stream reader (ipc/stream.hpp): one epoll set over the listening socket and every writer's
// connection, driven by the caller's poll(); each connection's bytes cut into frames in place.

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <thread>
#include <vector>

#include "channel/stream/frame_reader.hpp"
#include "channel/stream/stream_socket.hpp"
#include "control/connection_registry.hpp"
#include "core/stamp_clock.hpp"
#include "ipc/clock.hpp"
#include "ipc/control.hpp"
#include "ipc/stream.hpp"
#include "ipc/telemetry.hpp"

namespace ipc {

namespace {

constexpr int batch = 64;
// Reads per connection per poll pass: a writer that never stops cannot starve the others.
constexpr int reads_per_turn = 16;
constexpr std::uint64_t largest_message = std::uint64_t{1} << 30;

struct connection {
    unique_fd socket;
    detail::frame_reader frames;
    stream_peer peer;
    std::uint64_t last_read_ns;         // for the idle timeout
    std::uint64_t last_read_stamp = 0;  // telemetry's clock
    detail::connection_traffic traffic;
    std::unique_ptr<detail::connection_registration> registration;

    connection(unique_fd s, std::uint64_t max_message, stream_peer p, std::uint64_t now)
        : socket(std::move(s)), frames(max_message), peer(p), last_read_ns(now) {}
};

// How one connection's turn ended: nothing more to read now, its share of reads taken (more
// may be waiting), or closed.
enum class turn { drained, more, closed };

}  // namespace

struct stream_reader::state {
    std::string path;
    std::string name;
    stream_reader_options options;
    detail::stream_listener listener;
    unique_fd epoll;
    std::vector<std::unique_ptr<connection>> connections;  // tag: index + 1 (0: the listener)
    stream_reader_stats stats;
    std::uint32_t accept_errors_in_a_row = 0;
    std::uint64_t next_connection = 1;
    telemetry::endpoint counters;
    const detail::stamp_clock clock = detail::process_stamp_clock();

    bool accepting = true;  // the listener is in the epoll set
    void listen_for_more(bool more);
    // Takes writers from the backlog (`all`: every one, whatever the limits: at stop).
    result<void> accept_waiting(bool all = false);
    turn read_from(connection& c, const stream_handler& handler, std::size_t& handled);
    turn handle_frames(connection& c, const stream_handler& handler, std::size_t& handled);
    void close(std::size_t index);
    void close_idle(std::uint64_t now, const stream_handler& handler, std::size_t& handled);
    void drain_and_close(std::size_t index, const stream_handler& handler, std::size_t& handled);
    std::uint64_t next_idle_ns() const;
};

// Stops or resumes accepting: at max_connections, or out of descriptors, writers wait in the
// backlog (what they already sent waits with them) instead of being accepted and closed, which
// would throw away bytes they count sent.
void stream_reader::state::listen_for_more(bool more) {
    if (more == accepting || !listener.socket.valid()) {
        return;
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    (void)::epoll_ctl(epoll.get(), more ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, listener.socket.get(),
                      &ev);
    accepting = more;
}

result<void> stream_reader::state::accept_waiting(bool all) {
    for (int taken = 0; all || taken < batch; ++taken) {
        if (!all && stats.connections >= options.max_connections) {
            ++stats.refused;  // counted once per pause: the writers wait
            counters.on_dropped();
            listen_for_more(false);
            return {};
        }
        unique_fd s{
            ::accept4(listener.socket.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK)};
        if (!s.valid()) {
            if (errno == ECONNABORTED || errno == EINTR) {
                continue;  // that writer left before it was taken
            }
            if (errno == EAGAIN) {
                accept_errors_in_a_row = 0;
                return {};
            }
            ++stats.accept_errors;
            counters.on_failed();
            if (errno == EMFILE || errno == ENFILE) {
                listen_for_more(false);  // until a connection closes: not the listener's fault
                return {};
            }
            if (all || ++accept_errors_in_a_row > options.max_accept_errors) {
                return all ? result<void>{}
                           : system_error("accepting writers failed too often in a row");
            }
            std::this_thread::sleep_for(options.accept_backoff);  // as the reference: a pause
            return {};
        }
        accept_errors_in_a_row = 0;
        const auto creds = unix_socket::peer_credentials(s.get());
        auto c = std::make_unique<connection>(
            std::move(s), options.max_message,
            stream_peer{creds ? *creds : unix_socket::credentials{}, next_connection++},
            monotonic_ns());
        auto free = std::find(connections.begin(), connections.end(), nullptr);
        if (free == connections.end()) {
            connections.emplace_back();
            free = connections.end() - 1;
        }
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLRDHUP;
        ev.data.u64 = static_cast<std::uint64_t>(free - connections.begin()) + 1;
        if (::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, c->socket.get(), &ev) != 0) {
            ++stats.refused;
            counters.on_dropped();
            continue;
        }
        c->registration = std::make_unique<detail::connection_registration>(
            detail::connection_record{"stream", name, "reader", c->peer.credentials, monotonic_ns(),
                                      "", "", 0, 0, &c->traffic});
        *free = std::move(c);
        ++stats.connections;
        ++stats.connections_total;
        counters.on_connected(false);
    }
    return {};
}

// Hands every whole frame held to the handler; closes the connection on a bad length.
turn stream_reader::state::handle_frames(connection& c, const stream_handler& handler,
                                         std::size_t& handled) {
    for (;;) {
        auto frame = c.frames.next();
        if (frame.code() == errc::empty) {
            return turn::drained;
        }
        if (!frame) {
            ++(frame.code() == errc::message_too_large ? stats.too_large : stats.malformed);
            counters.on_failed();
            return turn::closed;  // never allocating what a bad length claims
        }
        ++stats.received;
        stats.bytes += frame->size();
        c.traffic.messages_in.fetch_add(1, std::memory_order_relaxed);
        c.traffic.bytes_in.fetch_add(frame->size(), std::memory_order_relaxed);
        counters.on_received_at(frame->size(), c.last_read_stamp);
        ++handled;
        if (handler) {
            if (auto ok = handler(*frame, c.peer); !ok) {
                ++stats.handler_errors;
                counters.on_failed();
            }
        }
    }
}

turn stream_reader::state::read_from(connection& c, const stream_handler& handler,
                                     std::size_t& handled) {
    for (int i = 0; i < reads_per_turn; ++i) {
        const auto space = c.frames.space();
        const ssize_t n = ::recv(c.socket.get(), space.data(), space.size(), MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            return turn::drained;
        }
        if (n <= 0) {
            if (c.frames.pending() > 0) {
                ++stats.truncated;  // the writer counts that frame unsent and sends it again
                counters.on_failed();
            }
            return turn::closed;
        }
        c.last_read_ns = monotonic_ns();
        c.last_read_stamp = clock.now();
        c.frames.filled(static_cast<std::size_t>(n));
        if (handle_frames(c, handler, handled) == turn::closed) {
            return turn::closed;
        }
    }
    return turn::more;
}

void stream_reader::state::close(std::size_t index) {
    if (connections[index] == nullptr) {
        return;
    }
    (void)::epoll_ctl(epoll.get(), EPOLL_CTL_DEL, connections[index]->socket.get(), nullptr);
    connections[index].reset();
    --stats.connections;
    counters.on_disconnected();
    listen_for_more(true);
}

void stream_reader::state::close_idle(std::uint64_t now, const stream_handler& handler,
                                      std::size_t& handled) {
    const auto idle = static_cast<std::uint64_t>(options.idle_timeout.count());
    for (std::size_t i = 0; i < connections.size(); ++i) {
        if (connections[i] != nullptr && now - connections[i]->last_read_ns >= idle) {
            ++stats.idle_closed;
            drain_and_close(i, handler, handled);  // what came just now is not thrown away
        }
    }
}

// Shuts the connection for reading (the writer's next write fails, and is retried at another
// connection), hands over every whole message already written to it, and closes it.
void stream_reader::state::drain_and_close(std::size_t index, const stream_handler& handler,
                                           std::size_t& handled) {
    if (connections[index] == nullptr) {
        return;
    }
    if (::shutdown(connections[index]->socket.get(), SHUT_RD) == 0) {
        // Shut for reading, the stream ends (a read of 0) once what was written is read.
        while (read_from(*connections[index], handler, handled) == turn::more) {
        }
    }
    close(index);
}

// When the next connection would be idle too long (UINT64_MAX: none open).
std::uint64_t stream_reader::state::next_idle_ns() const {
    std::uint64_t next = UINT64_MAX;
    for (const auto& c : connections) {
        if (c != nullptr) {
            next = std::min(
                next, c->last_read_ns + static_cast<std::uint64_t>(options.idle_timeout.count()));
        }
    }
    return next;
}

stream_reader::stream_reader() noexcept = default;
stream_reader::stream_reader(stream_reader&&) noexcept = default;
stream_reader& stream_reader::operator=(stream_reader&& other) noexcept {
    if (this != &other) {
        stop();
        state_ = std::move(other.state_);
    }
    return *this;
}
stream_reader::~stream_reader() {
    stop();
}

result<stream_reader> stream_reader::listen(const std::string& path,
                                            const stream_reader_options& options) {
    if (options.max_message == 0 || options.max_message > largest_message ||
        options.idle_timeout <= std::chrono::nanoseconds(0) || options.max_connections == 0) {
        return error{errc::invalid_argument,
                     "max_message (1 B to 1 GiB), idle_timeout and max_connections must be set"};
    }
    if (path.empty()) {
        return error{errc::invalid_argument, "the socket path is empty"};
    }
    auto listener = detail::listen_for_stream(path);
    if (!listener) {
        return listener.error_value();
    }
    stream_reader r;
    r.state_ = std::make_unique<state>();
    auto& s = *r.state_;
    s.options = options;
    s.listener = std::move(*listener);
    s.path = s.listener.path;
    s.name = options.name.empty() ? s.path : options.name;
    s.stats.activated = s.listener.activated;
    s.epoll = unique_fd(::epoll_create1(EPOLL_CLOEXEC));
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = 0;
    if (!s.epoll.valid() ||
        ::epoll_ctl(s.epoll.get(), EPOLL_CTL_ADD, s.listener.socket.get(), &ev) != 0) {
        return system_error("making the reader's epoll set failed");
    }
    // Non-blocking, so that a writer that gave up between poll and accept costs nothing.
    (void)::fcntl(s.listener.socket.get(), F_SETFL,
                  ::fcntl(s.listener.socket.get(), F_GETFL) | O_NONBLOCK);
    if (options.telemetry) {
        if (auto e = telemetry::endpoint::open(
                {layout::channel_kind::stream, layout::endpoint_role::reader, s.name, s.path})) {
            s.counters = std::move(*e);
        }
    }
    if (options.control) {
        (void)control::start();  // tools then see the writers; the reader works without it
    }
    if (options.notify_systemd) {
        detail::notify_systemd("READY=1");
    }
    return r;
}

result<std::size_t> stream_reader::poll(std::chrono::nanoseconds timeout,
                                        const stream_handler& handler) {
    if (!state_ || !state_->epoll.valid()) {
        return error{errc::closed, "the stream reader is stopped"};
    }
    auto& s = *state_;
    const deadline until(timeout);
    std::size_t handled = 0;
    for (;;) {
        std::uint64_t now = monotonic_ns();
        const std::uint64_t wake =
            std::min(until.remaining_ns(now), s.next_idle_ns() > now ? s.next_idle_ns() - now : 0);
        // A forever deadline waits in slices of 1 << 30 ms (12 days): never a negative wait.
        const int wait_ms =
            static_cast<int>(std::min<std::uint64_t>(wake / 1'000'000 + 1, 1 << 30));
        epoll_event events[batch];
        const int n = ::epoll_wait(s.epoll.get(), events, batch, wait_ms);
        if (n < 0 && errno != EINTR) {
            return system_error("epoll_wait failed");
        }
        for (int i = 0; i < n; ++i) {
            const std::uint64_t tag = events[i].data.u64;
            if (tag == 0) {
                if (auto ok = s.accept_waiting(); !ok) {
                    return ok.error_value();
                }
            } else if (tag <= s.connections.size() && s.connections[tag - 1] != nullptr &&
                       s.read_from(*s.connections[tag - 1], handler, handled) == turn::closed) {
                s.close(tag - 1);
            }
        }
        now = monotonic_ns();
        s.close_idle(now, handler, handled);
        if (handled > 0 || until.passed(now)) {
            return handled;
        }
    }
}

int stream_reader::wait_fd() const noexcept {
    return state_ ? state_->epoll.get() : -1;
}

void stream_reader::stop(const stream_handler& handler) {
    if (!state_ || !state_->epoll.valid()) {
        return;
    }
    auto& s = *state_;
    if (s.options.notify_systemd) {
        detail::notify_systemd("STOPPING=1");
    }
    std::size_t handled = 0;
    if (!s.listener.activated) {
        // No new writer gets in (a connect is refused once the listener is shut for reading),
        // and those already in the backlog, which may have written, are taken to be drained.
        if (s.path.front() != '@') {  // an abstract name goes with its socket
            (void)::unlink(s.path.c_str());
        }
        (void)::shutdown(s.listener.socket.get(), SHUT_RD);
        (void)s.accept_waiting(true);
    }
    // systemd's socket is left as it is: systemd keeps its backlog for the next reader.
    s.listen_for_more(false);
    s.listener.socket.reset();
    // Every connection shut for reading first, so that writers stop adding to any of them.
    for (auto& c : s.connections) {
        if (c != nullptr) {
            (void)::shutdown(c->socket.get(), SHUT_RD);
        }
    }
    for (std::size_t i = 0; i < s.connections.size(); ++i) {
        s.drain_and_close(i, handler, handled);
    }
    s.epoll.reset();
    s.counters.close();
}

stream_reader_stats stream_reader::stats() const {
    return state_ ? state_->stats : stream_reader_stats{};
}

const std::string& stream_reader::path() const noexcept {
    static const std::string none;
    return state_ ? state_->path : none;
}

}  // namespace ipc
