// One epoll set over a broker server and its connections (ipc/broker_poller.hpp).

#include "ipc/broker_poller.hpp"

#include <sys/epoll.h>

#include <algorithm>
#include <cerrno>

namespace ipc {

namespace {

constexpr int batch = 64;

// An accept error that stops the server, not just one client: the process is out of
// descriptors or memory (the listening socket stays readable: retrying at once would spin), or
// the server was closed.
bool stops_the_server(const error& e) {
    const int n = e.sys_errno();
    return e.code() == errc::closed || (e.code() == errc::system && (n == EMFILE || n == ENFILE ||
                                                                     n == ENOBUFS || n == ENOMEM));
}

}  // namespace

broker_poller::~broker_poller() {
    close();
}

result<broker_poller> broker_poller::open(broker_server& server) {
    broker_poller p;
    p.epoll_ = unique_fd(::epoll_create1(EPOLL_CLOEXEC));
    if (!p.epoll_.valid()) {
        return system_error("epoll_create1 failed");
    }
    p.server_ = &server;
    if (!p.watch(server.wait_fd(), EPOLLIN, 0)) {
        return system_error("watching the listening socket failed");
    }
    return p;
}

bool broker_poller::watch(int fd, std::uint32_t events, std::uint64_t tag) noexcept {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = tag;
    return ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) == 0;
}

// Takes the clients waiting now (at most `batch`, so that a flood of them cannot starve the
// connections), each listed as ready: a ring's wait_fd is armed only by a receive that found it
// empty, so until the first one it would never fire.
result<void> broker_poller::accept_waiting() {
    for (int taken = 0; taken < batch; ++taken) {
        auto c = server_->accept(std::chrono::nanoseconds(0));
        if (c.code() == errc::timeout) {
            return {};  // nobody else is waiting (or one said nothing in time: counted)
        }
        if (!c) {
            if (stops_the_server(c.error_value())) {
                return c.error_value();
            }
            continue;  // that client was refused or left: counted by the server
        }
        auto free = std::find(slots_.begin(), slots_.end(), nullptr);
        if (free == slots_.end()) {
            slots_.emplace_back();
            free = slots_.end() - 1;
        }
        retired_.reserve(slots_.size());  // so that drop() never allocates
        auto& slot = *free;
        slot = std::make_unique<slot_state>();
        slot->connection = std::move(*c);
        const auto tag = static_cast<std::uint64_t>(free - slots_.begin()) + 1;
        // The socket for its hang-up alone: bytes a misbehaving client writes are not its end.
        if (!watch(slot->connection.from_peer().wait_fd(), EPOLLIN, tag) ||
            !watch(slot->connection.socket_fd(), EPOLLRDHUP, tag)) {
            slot.reset();  // cannot be watched (no memory, or max_user_watches): closed
            continue;
        }
        ++accepted_;
        ready_.push_back(&slot->connection);
    }
    return {};
}

result<std::span<broker_connection* const>> broker_poller::wait(std::chrono::nanoseconds timeout) {
    ready_.clear();
    retired_.clear();
    if (!epoll_.valid()) {
        return error{errc::closed, "the broker poller is closed"};
    }
    epoll_event events[batch];
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(timeout).count();
    const int n = ::epoll_wait(
        epoll_.get(), events, batch,
        timeout == forever ? -1 : static_cast<int>(std::clamp<long long>(ms, 0, 1 << 30)));
    if (n < 0 && errno != EINTR) {
        return system_error("epoll_wait failed");
    }
    for (int i = 0; i < n; ++i) {
        const std::uint64_t tag = events[i].data.u64;
        if (tag == 0) {
            if (auto ok = accept_waiting(); !ok) {
                return ok.error_value();
            }
        } else if (tag <= slots_.size() && slots_[tag - 1] != nullptr) {
            auto& slot = *slots_[tag - 1];
            if ((events[i].events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) {
                // Level-triggered, it would fire at every wait until the connection is
                // dropped: remembered instead, for hung_up().
                slot.hung_up = true;
                (void)::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, slot.connection.socket_fd(),
                                  nullptr);
            }
            ready_.push_back(&slot.connection);
        }
    }
    // A connection whose ring and socket both fired is listed once.
    std::sort(ready_.begin(), ready_.end());
    ready_.erase(std::unique(ready_.begin(), ready_.end()), ready_.end());
    return std::span<broker_connection* const>(ready_);
}

bool broker_poller::hung_up(const broker_connection& c) const noexcept {
    for (const auto& slot : slots_) {
        if (slot != nullptr && &slot->connection == &c) {
            return slot->hung_up;
        }
    }
    return true;  // dropped, or not this poller's
}

void broker_poller::drop(broker_connection& c) noexcept {
    for (auto& slot : slots_) {
        if (slot != nullptr && &slot->connection == &c) {
            (void)::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, c.from_peer().wait_fd(), nullptr);
            (void)::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, c.socket_fd(), nullptr);
            c.close();
            // Kept until the next wait(): the caller may be walking the list that names it.
            retired_.push_back(std::move(slot));  // capacity reserved at accept
            return;
        }
    }
}

std::size_t broker_poller::size() const noexcept {
    return static_cast<std::size_t>(
        std::count_if(slots_.begin(), slots_.end(), [](const auto& s) { return s != nullptr; }));
}

void broker_poller::close() noexcept {
    slots_.clear();
    retired_.clear();
    ready_.clear();
    epoll_.reset();
    server_ = nullptr;
}

}  // namespace ipc
