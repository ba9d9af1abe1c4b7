// One epoll set over a broker server and its connections (ipc/broker_poller.hpp).

#include "ipc/broker_poller.hpp"

#include <sys/epoll.h>

#include <algorithm>
#include <cerrno>

namespace ipc {

namespace {

constexpr int batch = 64;

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
    p.watch(server.wait_fd(), EPOLLIN, 0);
    return p;
}

void broker_poller::watch(int fd, std::uint32_t events, std::uint64_t tag) noexcept {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = tag;
    (void)::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev);
}

// Takes every client waiting now, each listed as ready: a ring's wait_fd is armed only by a
// receive that found it empty, so until the first one it would never fire.
void broker_poller::accept_waiting() {
    for (;;) {
        auto c = server_->accept(std::chrono::nanoseconds(0));
        if (c.code() == errc::timeout) {
            return;  // nobody else is waiting
        }
        if (!c) {
            continue;  // that client was refused or left: counted by the server
        }
        auto free = std::find(connections_.begin(), connections_.end(), nullptr);
        if (free == connections_.end()) {
            free = connections_.insert(free, nullptr);
        }
        *free = std::make_unique<broker_connection>(std::move(*c));
        ++accepted_;
        const auto tag = static_cast<std::uint64_t>(free - connections_.begin()) + 1;
        // The socket for its hang-up alone: bytes a misbehaving client writes are not its end.
        watch((*free)->from_peer().wait_fd(), EPOLLIN, tag);
        watch((*free)->socket_fd(), EPOLLRDHUP, tag);
        ready_.push_back(free->get());
    }
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
            accept_waiting();
        } else if (tag <= connections_.size() && connections_[tag - 1] != nullptr) {
            ready_.push_back(connections_[tag - 1].get());
        }
    }
    // A connection whose ring and socket both fired is listed once.
    std::sort(ready_.begin(), ready_.end());
    ready_.erase(std::unique(ready_.begin(), ready_.end()), ready_.end());
    return std::span<broker_connection* const>(ready_);
}

void broker_poller::drop(broker_connection& c) noexcept {
    for (auto& held : connections_) {
        if (held.get() == &c) {
            (void)::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, c.from_peer().wait_fd(), nullptr);
            (void)::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, c.socket_fd(), nullptr);
            c.close();
            // Kept until the next wait(): the caller may be walking the list that names it.
            retired_.push_back(std::move(held));
        }
    }
}

std::size_t broker_poller::size() const noexcept {
    return static_cast<std::size_t>(std::count_if(connections_.begin(), connections_.end(),
                                                  [](const auto& c) { return c != nullptr; }));
}

void broker_poller::close() noexcept {
    connections_.clear();
    retired_.clear();
    ready_.clear();
    epoll_.reset();
    server_ = nullptr;
}

}  // namespace ipc
