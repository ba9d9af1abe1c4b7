// efdstream (ipc/efdstream.hpp, ../shared/specs/efdstream.md): the protocol's six descriptors,
// its one-message-in-flight exchange, and the deadlines and peer watch it lacks.

#include "ipc/efdstream.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cstring>
#include <string_view>

#include "core/fd_kind.hpp"
#include "core/pidfd.hpp"
#include "ipc/shm.hpp"
#include "sync/wait_loop.hpp"

namespace ipc {

namespace {

constexpr std::uint64_t largest_region = std::uint64_t{1} << 30;
// The descriptors' numbers in the child, in the order of the protocol's table.
constexpr std::array<int, 6> child_fds = {3, 4, 5, 6, 7, 8};
constexpr const char* child_flags[6] = {"-fd-p2c-send", "-fd-p2c-ack", "-fd-p2c-shm",
                                        "-fd-c2p-send", "-fd-c2p-ack", "-fd-c2p-shm"};

result<void> checked_size(std::uint64_t size) {
    if (size == 0 || size > largest_region) {
        return error{errc::invalid_argument, "efdstream shm_size must be 1 byte to 1 GiB"};
    }
    return {};
}

result<unique_fd> new_eventfd() {
    const int fd = ::eventfd(0, EFD_CLOEXEC);  // counter mode, blocking, as the spec makes them
    if (fd < 0) {
        return system_error("eventfd failed");
    }
    return unique_fd(fd);
}

bool is_memfd_of(int fd, std::uint64_t size) {
    struct stat st {};
    return detail::is_memfd(fd) && ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
           static_cast<std::uint64_t>(st.st_size) >= size;
}

// Whether the three descriptors of a direction are what the protocol puts there.
bool direction_ok(int send, int ack, int shm, std::uint64_t size) {
    return detail::is_eventfd(send) && detail::is_eventfd(ack) && is_memfd_of(shm, size);
}

// A direction's three descriptors, checked, and its region mapped (read-only when receiving).
result<detail::efdstream_direction> adopt_direction(unique_fd send, unique_fd ack, unique_fd shm,
                                                    std::uint64_t size, access mode) {
    if (!direction_ok(send.get(), ack.get(), shm.get(), size)) {
        return error{errc::wrong_kind,
                     "efdstream descriptors must be two eventfds and a memfd of shm_size bytes"};
    }
    auto region = mapping::map(shm.get(), size, mode);
    if (!region) {
        return region.error_value();
    }
    return detail::efdstream_direction{std::move(send), std::move(ack), std::move(shm),
                                       std::move(*region)};
}

result<detail::efdstream_direction> new_direction(const char* memfd_name, std::uint64_t size,
                                                  access mode) {
    auto send = new_eventfd();
    auto ack = send ? new_eventfd() : result<unique_fd>(send.error_value());
    if (!ack) {
        return ack.error_value();
    }
    // Sealed against resizing: a child cannot shrink a region under the parent's mapping.
    auto region = shm::create_sealed_memfd(memfd_name, size);
    if (!region) {
        return region.error_value();
    }
    return adopt_direction(std::move(*send), std::move(*ack), std::move(*region), size, mode);
}

std::vector<std::string> child_command_line(const std::string& program, std::uint64_t size) {
    std::vector<std::string> argv = {program, "-mode", "child"};
    for (std::size_t i = 0; i < child_fds.size(); ++i) {
        argv.insert(argv.end(), {child_flags[i], std::to_string(child_fds[i])});
    }
    argv.insert(argv.end(), {"-shm-size", std::to_string(size)});
    return argv;
}

// -shm-size N from a child's command line; `fallback` without it. invalid_argument for a value
// that is not a size.
result<std::uint64_t> shm_size_of(int argc, const char* const* argv, std::uint64_t fallback) {
    for (int i = 1; i + 1 < argc; ++i) {
        if (std::string_view(argv[i]) == "-shm-size") {
            char* end = nullptr;
            errno = 0;
            const unsigned long long v = std::strtoull(argv[i + 1], &end, 10);
            if (errno != 0 || end == argv[i + 1] || *end != '\0') {
                return error{errc::invalid_argument, "-shm-size is not a number"};
            }
            return static_cast<std::uint64_t>(v);
        }
    }
    return fallback;
}

// Registered with the peer's pid, which observers pair the two ends by (and a foreign peer,
// with no record of its own, is known by).
telemetry::endpoint counters_for(const efdstream_options& o, bool parent, pid_t peer) {
    if (!o.telemetry) {
        return {};
    }
    auto e = telemetry::endpoint::open(
        {layout::channel_kind::duplex,
         parent ? layout::endpoint_role::parent : layout::endpoint_role::child, o.name,
         "efdstream"});
    if (!e) {
        return {};
    }
    e->set_peer(peer);
    return std::move(*e);
}

}  // namespace

efdstream_end::efdstream_end(detail::efdstream_direction out, detail::efdstream_direction in,
                             std::uint64_t size, unique_fd peer_pidfd, telemetry::endpoint counters,
                             wait_strategy wait) noexcept
    : out_(std::move(out)),
      in_(std::move(in)),
      size_(size),
      peer_pidfd_(std::move(peer_pidfd)),
      counters_(std::move(counters)),
      wait_(wait) {}

void efdstream_end::close_descriptors() noexcept {
    out_ = {};
    in_ = {};
    peer_pidfd_ = {};
    counters_.close();
    awaiting_ack_ = false;
    holding_ = false;
}

result<void> efdstream_end::look(int fd, std::uint64_t sleep_ns, bool at_peer) const noexcept {
    pollfd p[2] = {{fd, POLLIN, 0}, {peer_pidfd_.get(), POLLIN, 0}};
    const timespec slice{static_cast<time_t>(sleep_ns / 1'000'000'000),
                         static_cast<long>(sleep_ns % 1'000'000'000)};
    const int ready = ::ppoll(p, at_peer && peer_pidfd_.valid() ? 2 : 1, &slice, nullptr);
    if (ready < 0 && errno != EINTR) {
        return system_error("waiting on an efdstream eventfd failed");
    }
    if (ready > 0 && (p[0].revents & POLLIN) != 0) {
        return {};
    }
    if (ready > 0 && p[1].revents != 0) {  // exited (POLLIN, POLLHUP); an error would repeat
        return error{errc::peer_gone, "the efdstream peer exited"};
    }
    if (ready > 0 && (p[0].revents & (POLLERR | POLLNVAL)) != 0) {
        return error{errc::closed, "the efdstream descriptor is not open"};
    }
    return error{errc::timeout, "the efdstream peer did not answer in time"};
}

// A sleeping wait watches the peer's pidfd beside `fd`, so a dead peer is seen at once, with no
// periodic check; a message it announced before dying still comes first. adaptive and busy_spin
// look without sleeping first (wait_phases decides for how long): a wake-up through ppoll is most
// of a blocking round trip on the VM of docs/BENCHMARKS.md. Those looks take in the pidfd only
// every looks_per_peer_look-th time, since a second fd makes a look half as dear again (0.75
// against 0.5 us on that VM), and once more when the deadline passes, so that even a try (timeout
// 0) tells a dead peer from a slow one.
result<void> efdstream_end::wait_readable(int fd, const deadline& until) const noexcept {
    constexpr std::uint64_t looks_per_peer_look = 32;
    detail::wait_phases phase(wait_, monotonic_ns());
    for (std::uint64_t looks = 1; !phase.sleeping(); ++looks) {
        if (auto seen = look(fd, 0, looks % looks_per_peer_look == 0);
            seen.code() != errc::timeout) {
            return seen;
        }
        (void)phase.pause(looks);                  // a yield, or a pause instruction
        const std::uint64_t now = monotonic_ns();  // cheap beside a look, a system call
        if (until.passed(now)) {
            return look(fd, 0);
        }
        phase.advance(now);
    }
    for (;;) {
        // Up to a second at a time, only so that the deadline is read again: the peer's end
        // is seen through its pidfd, at once.
        const std::uint64_t slice =
            std::min<std::uint64_t>(until.remaining_ns(monotonic_ns()), 1'000'000'000);
        if (auto seen = look(fd, slice);
            seen.code() != errc::timeout || until.passed(monotonic_ns())) {
            return seen;
        }
    }
}

result<std::uint64_t> efdstream_end::read_counter(int fd) noexcept {
    std::uint64_t value = 0;
    ssize_t n;
    do {
        n = ::read(fd, &value, sizeof value);
    } while (n < 0 && errno == EINTR);
    if (n != static_cast<ssize_t>(sizeof value)) {
        return system_error("reading an efdstream eventfd failed");
    }
    return value;
}

result<void> efdstream_end::flush(std::chrono::nanoseconds timeout) noexcept {
    if (!out_.ack.valid()) {
        return error{errc::closed, "the efdstream end is closed"};
    }
    if (!awaiting_ack_) {
        return {};
    }
    if (auto ready = wait_readable(out_.ack.get(), deadline(timeout)); !ready) {
        return ready;
    }
    auto ack = read_counter(out_.ack.get());
    if (!ack) {
        counters_.on_failed();
        return ack.error_value();
    }
    awaiting_ack_ = false;
    counters_.set_queue_depth(0);
    return {};
}

result<void> efdstream_end::send(std::span<const std::byte> message,
                                 std::chrono::nanoseconds timeout) noexcept {
    if (!out_.send.valid()) {
        return error{errc::closed, "the efdstream end is closed"};
    }
    if (message.empty() || message.size() > size_) {
        counters_.on_dropped();
        return message.empty()
                   ? error{errc::invalid_argument, "efdstream cannot carry an empty message"}
                   : error{errc::message_too_large, "the message is larger than shm_size"};
    }
    if (auto acked = flush(timeout); !acked) {
        counters_.on_dropped();
        return acked;
    }
    std::memcpy(out_.region.data(), message.data(), message.size());
    // The eventfd value is the length as a little-endian u64: a host-order u64 here.
    static_assert(std::endian::native == std::endian::little);
    const std::uint64_t length = message.size();
    if (::write(out_.send.get(), &length, sizeof length) != static_cast<ssize_t>(sizeof length)) {
        counters_.on_failed();
        return system_error("announcing an efdstream message failed");
    }
    awaiting_ack_ = true;
    sent_at_ = timestamp::now().raw();
    counters_.on_sent(message.size(), sent_at_);
    counters_.set_queue_depth(1);
    return {};
}

result<std::span<const std::byte>> efdstream_end::read(std::chrono::nanoseconds timeout) noexcept {
    if (!in_.send.valid()) {
        return error{errc::closed, "the efdstream end is closed"};
    }
    if (holding_) {
        return std::span<const std::byte>(in_.region.data(), held_);
    }
    if (auto ready = wait_readable(in_.send.get(), deadline(timeout)); !ready) {
        return ready.error_value();
    }
    auto length = read_counter(in_.send.get());
    if (!length) {
        counters_.on_failed();
        return length.error_value();
    }
    if (*length > size_) {
        counters_.on_failed();
        return error{errc::corrupt, "the efdstream peer announced more bytes than its region"};
    }
    held_ = *length;
    holding_ = true;
    const std::uint64_t now = timestamp::now().raw();
    counters_.on_received_at(held_, now);
    // A request's round trip: from this end's last send to the first message after it. (The
    // ack cannot time it: it is read only when the next send needs it, and would count the
    // sender's own pause.)
    if (sent_at_ != 0) {
        counters_.on_round_trip(timestamp(sent_at_).ns_until(timestamp(now)));
        sent_at_ = 0;
    }
    return std::span<const std::byte>(in_.region.data(), held_);
}

void efdstream_end::release() noexcept {
    if (!holding_) {
        return;
    }
    holding_ = false;
    const std::uint64_t one = 1;
    if (::write(in_.ack.get(), &one, sizeof one) != static_cast<ssize_t>(sizeof one)) {
        counters_.on_failed();
    }
}

result<std::size_t> efdstream_end::receive(std::span<std::byte> buffer,
                                           std::chrono::nanoseconds timeout) noexcept {
    auto message = read(timeout);
    if (!message) {
        return message.error_value();
    }
    if (message->size() > buffer.size()) {
        return error{errc::invalid_argument, "the buffer is smaller than the message"};
    }
    std::memcpy(buffer.data(), message->data(), message->size());
    release();
    return message->size();
}

result<efdstream_parent> efdstream_parent::spawn(const std::string& program,
                                                 const efdstream_options& options) {
    if (auto ok = checked_size(options.shm_size); !ok) {
        return ok.error_value();
    }
    auto to_child = new_direction("efdstream_shm_p2c", options.shm_size, access::read_write);
    if (!to_child) {
        return to_child.error_value();
    }
    auto from_child = new_direction("efdstream_shm_c2p", options.shm_size, access::read_only);
    if (!from_child) {
        return from_child.error_value();
    }
    const int parent_fds[6] = {to_child->send.get(),  to_child->ack.get(),
                               to_child->shm.get(),   from_child->send.get(),
                               from_child->ack.get(), from_child->shm.get()};
    spawn_options how;
    for (std::size_t i = 0; i < child_fds.size(); ++i) {
        how.fds.push_back({parent_fds[i], child_fds[i]});
    }
    auto started = child::spawn(program, child_command_line(program, options.shm_size), how);
    if (!started) {
        return started.error_value();
    }
    unique_fd watch(::fcntl(started->pidfd(), F_DUPFD_CLOEXEC, 0));  // the end's own copy
    telemetry::endpoint counters = counters_for(options, true, started->pid());
    return efdstream_parent(std::move(*to_child), std::move(*from_child), options.shm_size,
                            std::move(watch), std::move(counters), options.wait,
                            supervised_child(std::move(*started), options.stop_timeout));
}

efdstream_parent& efdstream_parent::operator=(efdstream_parent&& other) noexcept {
    if (this != &other) {
        (void)close();
        static_cast<efdstream_end&>(*this) = std::move(static_cast<efdstream_end&>(other));
        child_ = std::move(other.child_);
    }
    return *this;
}

efdstream_parent::~efdstream_parent() {
    (void)close();  // SIGTERM first: child_'s own destructor would only wait, then kill
}

// The protocol has no message that asks a child to stop, and the reference parents kill it:
// SIGTERM, then SIGKILL after stop_timeout.
result<exit_status> efdstream_parent::close() {
    close_descriptors();
    (void)child_.kill(SIGTERM);
    return child_.stop();
}

result<efdstream_child> efdstream_child::inherit(int argc, const char* const* argv,
                                                 const efdstream_options& options) {
    auto size = shm_size_of(argc, argv, options.shm_size);
    if (!size) {
        return size.error_value();
    }
    if (auto ok = checked_size(*size); !ok) {
        return ok.error_value();
    }
    auto parent_pidfd = detail::open_parent_pidfd();
    if (!parent_pidfd) {
        return error{errc::peer_gone, "the efdstream parent is gone"};
    }
    if (!direction_ok(3, 4, 5, *size) || !direction_ok(6, 7, 8, *size)) {
        return error{errc::wrong_kind,
                     "fds 3..8 are not the efdstream descriptors (eventfd, eventfd, memfd of "
                     "shm_size bytes, twice)"};
    }
    const auto taken = detail::take_inherited;
    auto from_parent = adopt_direction(taken(3), taken(4), taken(5), *size, access::read_only);
    auto to_parent = adopt_direction(taken(6), taken(7), taken(8), *size, access::read_write);
    if (!from_parent || !to_parent) {
        return from_parent ? to_parent.error_value() : from_parent.error_value();
    }
    return efdstream_child(std::move(*to_parent), std::move(*from_parent), *size,
                           std::move(*parent_pidfd), counters_for(options, false, ::getppid()),
                           options.wait);
}

efdstream_child::~efdstream_child() {
    close();
}

void efdstream_child::close() noexcept {
    close_descriptors();
}

}  // namespace ipc
