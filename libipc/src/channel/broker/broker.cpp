// broker: a server hands each client two memfd rings over a Unix socket (ipc/broker.hpp).

#include "ipc/broker.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>

#include "channel/broker/broker_wire.hpp"
#include "channel/ring/ring_end.hpp"
#include "control/connection_registry.hpp"
#include "core/fd_kind.hpp"
#include "core/runtime_dir.hpp"
#include "ipc/control.hpp"
#include "ipc/shm.hpp"

namespace ipc {

namespace {

constexpr auto family = layout::channel_kind::broker;

// A descriptor of the socket for a ring end to watch (a hang-up wakes its sleeps).
unique_fd watcher_of(const unique_fd& socket) {
    return unique_fd(::fcntl(socket.get(), F_DUPFD_CLOEXEC, 0));
}

bool allowed(const unix_socket::credentials& who, const broker_options& o) {
    return who.uid == ::geteuid() ||
           std::find(o.allowed_uids.begin(), o.allowed_uids.end(), who.uid) !=
               o.allowed_uids.end() ||
           std::find(o.allowed_gids.begin(), o.allowed_gids.end(), who.gid) != o.allowed_gids.end();
}

// The sizes a client gets: what it asked for, within the server's (0: the server's). A server
// whose capacity is 0 (the default for its max_message) grants that default, never more.
ring_options granted(const broker_options& server, const detail::broker_hello& hello) {
    broker_options o = server;
    if (hello.max_message != 0) {
        o.max_message = std::min(hello.max_message, server.max_message);
    }
    if (hello.capacity != 0 && server.capacity != 0 && hello.capacity < server.capacity) {
        o.capacity = hello.capacity;
    }
    return detail::eventfd_ring_options(o);
}

// Closing a Unix socket with the client's hello unread would reset the connection, and the
// client would lose the refusal queued for it: the server says it is done, and waits (briefly)
// for the client to hang up or for its hello, which it drops.
void let_refusal_arrive(int socket, std::chrono::nanoseconds limit) {
    ::shutdown(socket, SHUT_WR);
    std::array<std::byte, 64> ignored{};
    const auto within = std::min<std::chrono::nanoseconds>(limit, std::chrono::milliseconds(200));
    (void)unix_socket::receive(socket, ignored, 0, within);
}

// How many connections this process's server `name` holds.
std::size_t connections_of(const std::string& name) {
    std::size_t n = 0;
    for (const auto& c : detail::registered_connections()) {
        n +=
            c.record.kind == "broker" && c.record.role == "server" && c.record.name == name ? 1 : 0;
    }
    return n;
}

result<void> send_record(int socket, std::span<const std::byte> record,
                         std::span<const int> fds = {}) {
    auto sent = unix_socket::send(socket, record, fds);
    if (!sent) {
        return sent.error_value();
    }
    return {};
}

// A connection's two rings: the server's fds, and copies of them to send to the client.
struct connection_rings {
    ring_fds c2s;
    ring_fds s2c;
    ring_fds client_c2s;
    ring_fds client_s2c;
};

result<connection_rings> make_rings(const ring_options& r) {
    connection_rings rings;
    for (auto [mine, theirs] :
         {std::pair{&rings.c2s, &rings.client_c2s}, std::pair{&rings.s2c, &rings.client_s2c}}) {
        auto made = create_memfd_ring(r);
        if (!made) {
            return made.error_value();
        }
        auto copy = made->duplicate();
        if (!copy) {
            return copy.error_value();
        }
        *mine = std::move(*made);
        *theirs = std::move(*copy);
    }
    return rings;
}

// "memfd:<inode>": the segment observers know a memfd ring by.
std::string segment_of(const unique_fd& region) {
    struct stat st {};
    return ::fstat(region.get(), &st) == 0 ? "memfd:" + std::to_string(st.st_ino) : std::string();
}

// The connection as this process's control socket reports it.
std::unique_ptr<detail::connection_registration> registered(
    const std::string& name, const char* role, const unix_socket::credentials& peer,
    std::string inbound, std::string outbound, const ring_writer& out) {
    return std::make_unique<detail::connection_registration>(
        detail::connection_record{"broker", name, role, peer, monotonic_ns(), std::move(inbound),
                                  std::move(outbound), out.max_message(), out.capacity()});
}

// Whether the six descriptors are what the welcome says: per ring, two eventfds and a memfd.
bool welcome_fds_ok(const std::vector<unique_fd>& fds) {
    return fds.size() == detail::broker_fd_count &&
           detail::is_ring_fd_set(fds[0].get(), fds[1].get(), fds[2].get()) &&
           detail::is_ring_fd_set(fds[3].get(), fds[4].get(), fds[5].get());
}

}  // namespace

result<std::string> broker_socket_path(const std::string& name, const std::string& dir) {
    if (auto ok = shm::validate_name(name); !ok) {
        return ok.error_value();
    }
    auto where = detail::dir_or_runtime(dir);
    if (!where) {
        return where.error_value();
    }
    return *where + "/libipc-broker-" + name + ".sock";
}

broker_connection::broker_connection(ring_writer to_peer, ring_reader from_peer, unique_fd socket,
                                     unix_socket::credentials peer) noexcept
    : duplex_end(std::move(to_peer), std::move(from_peer)),
      socket_(std::move(socket)),
      peer_(peer),
      connected_ns_(monotonic_ns()) {}

broker_connection::broker_connection() noexcept = default;
broker_connection::broker_connection(broker_connection&&) noexcept = default;
broker_connection& broker_connection::operator=(broker_connection&&) noexcept = default;
broker_connection::~broker_connection() {
    close();
}

void broker_connection::close() noexcept {
    close_rings();
    socket_.reset();
    registration_.reset();
}

result<broker_server> broker_server::listen(const std::string& name,
                                            const broker_options& options) {
    auto path = broker_socket_path(name, options.dir);
    if (!path) {
        return path.error_value();
    }
    // Other users reach the socket only when some are allowed: the directory then lets them
    // pass, and the socket lets them connect; SO_PEERCRED decides whom the server keeps.
    const bool shared = !options.allowed_uids.empty() || !options.allowed_gids.empty();
    if (!options.dir.empty()) {
        if (auto ok = detail::ensure_private_dir(options.dir, shared); !ok) {
            return ok.error_value();
        }
    }
    if (auto sizes = create_memfd_ring(detail::eventfd_ring_options(options)); !sizes) {
        return sizes.error_value();  // sizes no ring can have, refused before listening
    }
    // Socket files are 0600 whatever the umask; 0666 when others are allowed (SO_PEERCRED
    // decides whom the server keeps), in a directory they may pass through.
    auto listener =
        unix_socket::listen(*path, unix_socket::kind::seqpacket, 64, shared ? 0666 : 0600);
    if (!listener) {
        return listener.code() == errc::already_exists
                   ? error{errc::busy, "a live broker server already listens on this name"}
                   : listener.error_value();
    }
    if (shared && !options.dir.empty() && ::chmod(options.dir.c_str(), 0711) != 0) {
        ::unlink(path->c_str());
        return system_error("setting the broker socket's permissions failed");
    }
    if (options.control) {
        (void)control::start();  // in the runtime directory, where tools look; optional
    }
    broker_server s;
    s.listener_ = std::move(*listener);
    s.path_ = std::move(*path);
    s.name_ = name;
    s.options_ = options;
    if (options.telemetry) {
        if (auto e =
                telemetry::endpoint::open({family, layout::endpoint_role::server, name, s.path_})) {
            s.counters_ = std::move(*e);
        }
    }
    return s;
}

broker_server::~broker_server() {
    close();
}

void broker_server::close() noexcept {
    if (listener_.valid()) {
        ::unlink(path_.c_str());
        listener_.reset();
    }
    counters_.close();
}

result<broker_connection> broker_server::accept(std::chrono::nanoseconds timeout) {
    if (!listener_.valid()) {
        return error{errc::closed, "the broker server is closed"};
    }
    auto socket = unix_socket::accept(listener_.get(), timeout);
    if (!socket) {
        return socket.error_value();
    }
    auto connection = welcome(std::move(*socket));
    if (connection) {
        counters_.on_received(0);
    } else {
        counters_.on_dropped();
    }
    return connection;
}

// The handshake of one client: its hello within handshake_timeout, its credentials, the rings.
// A refusal is sent before the error is returned, so that the client learns why.
result<broker_connection> broker_server::welcome(unique_fd socket) {
    const auto refuse = [&](detail::broker_refusal why, error e) -> result<broker_connection> {
        (void)send_record(socket.get(), detail::bytes_of(detail::make_welcome(why)));
        let_refusal_arrive(socket.get(), options_.handshake_timeout);
        return e;
    };
    // Who it is, first: a user not allowed is turned away before it can hold the server.
    auto who = unix_socket::peer_credentials(socket.get());
    if (!who) {
        return who.error_value();
    }
    if (!allowed(*who, options_)) {
        return refuse(detail::broker_refusal::not_allowed,
                      error{errc::permission_denied, "a client of a user not allowed was refused"}
                          .with_subject("uid", who->uid));
    }
    if (connections_of(name_) >= options_.max_clients) {
        return refuse(detail::broker_refusal::full,
                      error{errc::busy, "a client was refused: max_clients are connected"});
    }
    std::array<std::byte, sizeof(detail::broker_hello) + 1> buf{};
    auto got = unix_socket::receive(socket.get(), buf, 0, options_.handshake_timeout);
    if (!got) {
        return got.error_value();
    }
    if (got->bytes == 0) {
        return error{errc::peer_gone, "a client hung up before its hello"};
    }
    auto hello = detail::parse_hello(std::span(buf).first(got->bytes));
    if (!hello) {
        return refuse(detail::broker_refusal::bad_hello, hello.error_value());
    }
    const ring_options r = granted(options_, *hello);
    auto rings = make_rings(r);
    if (!rings) {
        return refuse(detail::broker_refusal::server_error, rings.error_value());
    }
    std::string inbound = segment_of(rings->c2s.region);
    std::string outbound = segment_of(rings->s2c.region);
    auto reader = detail::ring_adopter::reader(family, name_, std::move(rings->c2s), r);
    if (!reader) {
        return refuse(detail::broker_refusal::server_error, reader.error_value());
    }
    auto writer = detail::ring_adopter::writer(family, name_, std::move(rings->s2c), r);
    if (!writer) {
        return refuse(detail::broker_refusal::server_error, writer.error_value());
    }
    const ring_fds& c2s = rings->client_c2s;
    const ring_fds& s2c = rings->client_s2c;
    const int fds[detail::broker_fd_count] = {c2s.data_ready.get(),  c2s.space_ready.get(),
                                              c2s.region.get(),      s2c.data_ready.get(),
                                              s2c.space_ready.get(), s2c.region.get()};
    const auto w = detail::make_welcome(detail::broker_refusal::none, writer->max_message(),
                                        writer->capacity());
    if (auto sent = send_record(socket.get(), detail::bytes_of(w), fds); !sent) {
        return sent.error_value();
    }
    detail::ring_adopter::watch(*writer, watcher_of(socket));
    detail::ring_adopter::watch(*reader, watcher_of(socket));
    auto registration =
        registered(name_, "server", *who, std::move(inbound), std::move(outbound), *writer);
    broker_connection c(std::move(*writer), std::move(*reader), std::move(socket), *who);
    c.registration_ = std::move(registration);
    return c;
}

result<broker_connection> broker_client::connect(const std::string& name,
                                                 const broker_options& options,
                                                 std::chrono::nanoseconds timeout) {
    auto path = broker_socket_path(name, options.dir);
    if (!path) {
        return path.error_value();
    }
    auto socket = unix_socket::connect(*path, unix_socket::kind::seqpacket);
    if (!socket) {
        return socket.error_value();
    }
    auto server = unix_socket::peer_credentials(socket->get());
    if (!server) {
        return server.error_value();
    }
    if (server->uid != ::geteuid() &&
        std::find(options.allowed_uids.begin(), options.allowed_uids.end(), server->uid) ==
            options.allowed_uids.end()) {
        return error{errc::permission_denied, "the broker server runs as a user not trusted"}
            .with_subject("uid", server->uid);
    }
    const auto hello = detail::make_hello(options.max_message, options.capacity);
    if (auto sent = send_record(socket->get(), detail::bytes_of(hello)); !sent) {
        return sent.error_value();
    }
    std::array<std::byte, sizeof(detail::broker_welcome) + 1> buf{};
    const auto limit = std::min(timeout, options.handshake_timeout);
    auto got = unix_socket::receive(socket->get(), buf, detail::broker_fd_count, limit);
    if (!got) {
        return got.error_value();
    }
    if (got->bytes == 0) {
        return error{errc::peer_gone, "the broker server hung up during the handshake"};
    }
    auto welcome = detail::parse_welcome(std::span(buf).first(got->bytes));
    if (!welcome) {
        return welcome.error_value();
    }
    if (!welcome_fds_ok(got->fds)) {
        return error{errc::wrong_kind,
                     "the broker welcome did not carry two eventfds and a memfd per ring"};
    }
    broker_options sized = options;
    sized.max_message = welcome->max_message;
    sized.capacity = welcome->capacity;
    const ring_options r = detail::eventfd_ring_options(sized);
    auto& fd = got->fds;
    using detail::broker_fd;
    std::string inbound = segment_of(fd[broker_fd::s2c_region]);
    std::string outbound = segment_of(fd[broker_fd::c2s_region]);
    ring_fds c2s{std::move(fd[broker_fd::c2s_region]), std::move(fd[broker_fd::c2s_data_ready]),
                 std::move(fd[broker_fd::c2s_space_ready])};
    ring_fds s2c{std::move(fd[broker_fd::s2c_region]), std::move(fd[broker_fd::s2c_data_ready]),
                 std::move(fd[broker_fd::s2c_space_ready])};
    auto writer = detail::ring_adopter::writer(family, name, std::move(c2s), r);
    if (!writer) {
        return writer.error_value();
    }
    auto reader = detail::ring_adopter::reader(family, name, std::move(s2c), r);
    if (!reader) {
        return reader.error_value();
    }
    detail::ring_adopter::watch(*writer, watcher_of(*socket));
    detail::ring_adopter::watch(*reader, watcher_of(*socket));
    auto registration =
        registered(name, "client", *server, std::move(inbound), std::move(outbound), *writer);
    broker_connection c(std::move(*writer), std::move(*reader), std::move(*socket), *server);
    c.registration_ = std::move(registration);
    return c;
}

result<broker_connection> broker_client::connect_retrying(const std::string& name,
                                                          const broker_options& options,
                                                          std::chrono::nanoseconds timeout) {
    const deadline until(timeout);
    std::uint64_t backoff_ns = 10'000'000;
    for (;;) {
        const std::uint64_t left = until.remaining_ns(monotonic_ns());
        const auto this_try = left == UINT64_MAX
                                  ? forever
                                  : std::chrono::nanoseconds(static_cast<std::int64_t>(
                                        std::min<std::uint64_t>(left, INT64_MAX)));
        auto c = connect(name, options, this_try);
        const errc code = c.code();
        if (code != errc::not_found && code != errc::peer_gone && code != errc::busy) {
            return c;
        }
        const std::uint64_t now = monotonic_ns();
        if (until.passed(now) || until.remaining_ns(now) < backoff_ns) {
            return error{errc::timeout, "no broker server answered in time"};
        }
        const timespec pause{static_cast<time_t>(backoff_ns / 1'000'000'000),
                             static_cast<long>(backoff_ns % 1'000'000'000)};
        ::nanosleep(&pause, nullptr);  // a backoff, not a synchronisation: nobody to wake us
        backoff_ns = std::min<std::uint64_t>(backoff_ns * 2, 1'000'000'000);
    }
}

}  // namespace ipc
