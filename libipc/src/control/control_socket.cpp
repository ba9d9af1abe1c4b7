// The control socket's thread (ipc/control.hpp).

#include "ipc/control.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "control/connection_registry.hpp"
#include "core/runtime_dir.hpp"
#include "ipc/clock.hpp"
#include "ipc/fd.hpp"
#include "ipc/inspect.hpp"
#include "ipc/unix_socket.hpp"

namespace ipc::control {

namespace {

constexpr std::size_t max_request = 4096;
constexpr std::uint64_t client_time_ns = 1'000'000'000;

// Whether two paths name one file, however each is spelt ("dir/", "./dir", a link).
bool same_file(const std::string& a, const std::string& b) {
    struct stat sa {};
    struct stat sb {};
    return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

using nlohmann::json;

json connections_json() {
    json list = json::array();
    for (const auto& [id, c, counted, counts] : detail::registered_connections()) {
        json entry = {{"id", id},
                      {"kind", c.kind},
                      {"name", c.name},
                      {"role", c.role},
                      {"peer_pid", c.peer.pid},
                      {"peer_uid", c.peer.uid},
                      {"peer_gid", c.peer.gid},
                      {"since_ns", c.since_ns},
                      {"inbound_segment", c.inbound_segment},
                      {"outbound_segment", c.outbound_segment},
                      {"max_message", c.max_message},
                      {"capacity", c.capacity}};
        if (counted) {  // a connection without rings: its own counts
            entry["inbound"] = {{"messages", counts.messages_in}, {"bytes", counts.bytes_in}};
            entry["outbound"] = {{"messages", counts.messages_out}, {"bytes", counts.bytes_out}};
        }
        list.push_back(std::move(entry));
    }
    return {{"pid", ::getpid()}, {"connections", std::move(list)}};
}

std::string answer(const std::string& line) {
    const json request = json::parse(line, nullptr, false);
    if (!request.is_object() || !request.contains("get") || !request["get"].is_string()) {
        return json{{"error", "a request is one JSON object with \"get\""}}.dump();
    }
    const auto what = request["get"].get<std::string>();
    if (what == "connections") {
        return connections_json().dump();
    }
    if (what == "snapshot") {
        // Without asking the control sockets: this thread is the one that would answer its own.
        const auto s = inspect::take_snapshot(inspect::default_shm_dir(), false);
        return inspect::to_json(inspect::filtered(s, {.pid = ::getpid()}));
    }
    return json{{"error", "unknown request: \"get\" is connections or snapshot"}}.dump();
}

// Waits until `fd` is ready for `events`, at most until `until_ns`.
bool ready(int fd, short events, std::uint64_t until_ns) {
    const std::uint64_t now = monotonic_ns();
    if (now >= until_ns) {
        return false;
    }
    pollfd p{fd, events, 0};
    const int ms = static_cast<int>((until_ns - now + 999'999) / 1'000'000);
    return ::poll(&p, 1, ms) == 1 && (p.revents & events) != 0;
}

// One client: its line, then the reply, each within the client's time.
void serve(int client) {
    const std::uint64_t until = monotonic_ns() + client_time_ns;
    std::string line;
    char buf[512];
    while (line.find('\n') == std::string::npos) {
        if (line.size() > max_request || !ready(client, POLLIN, until)) {
            return;  // too long, or silent: dropped
        }
        const ssize_t n = ::recv(client, buf, sizeof buf, MSG_DONTWAIT);
        if (n <= 0) {
            return;
        }
        line.append(buf, static_cast<std::size_t>(n));
    }
    line.resize(line.find('\n'));
    const std::string reply = answer(line) + "\n";
    for (std::size_t sent = 0; sent < reply.size();) {
        if (!ready(client, POLLOUT, until)) {
            return;  // not reading: dropped
        }
        const ssize_t n =
            ::send(client, reply.data() + sent, reply.size() - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n <= 0) {
            return;
        }
        sent += static_cast<std::size_t>(n);
    }
}

class control_thread {
  public:
    ~control_thread() { stop(); }

    result<void> start(const std::string& dir) {
        const std::lock_guard guard(lock_);
        forget_if_inherited();
        if (thread_ && dir.empty()) {
            return {};  // a channel asking for it wherever it is
        }
        auto path = socket_path(::getpid(), dir);
        if (!path) {
            return path.error_value();
        }
        if (thread_) {
            // A caller that named a directory would otherwise be told yes and find no socket
            // there: one socket per process, so another directory is refused.
            if (*path != path_ && !same_file(*path, path_)) {
                return error{errc::busy, "the control socket is already open in another directory"};
            }
            return {};
        }
        if (!dir.empty()) {
            if (auto ok = detail::ensure_private_dir(dir); !ok) {
                return ok.error_value();
            }
        }
        // 0600 whatever the umask: only this user may ask.
        auto listener = unix_socket::listen(*path, unix_socket::kind::stream, 16, 0600);
        if (!listener) {
            return listener.error_value();
        }
        stop_ = unique_fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
        if (!stop_.valid()) {
            ::unlink(path->c_str());
            return system_error("eventfd for the control socket failed");
        }
        path_ = *path;
        listener_ = std::move(*listener);
        owner_ = ::getpid();
        thread_ = std::make_unique<std::thread>([this] { run(); });
        return {};
    }

    void stop() noexcept {
        const std::lock_guard guard(lock_);
        forget_if_inherited();
        if (!thread_) {
            return;
        }
        const std::uint64_t one = 1;
        (void)!::write(stop_.get(), &one, sizeof one);
        thread_->join();
        thread_.reset();
        ::unlink(path_.c_str());
        listener_.reset();
        stop_.reset();
    }

  private:
    // In a forked child the thread does not exist, and the socket, its file and the stop
    // eventfd are the parent's: the child lets go of them without touching any (a write to the
    // eventfd would stop the parent's thread), leaks the thread object (joining it would wait
    // for ever), and may start a socket of its own.
    void forget_if_inherited() noexcept {
        if (thread_ && owner_ != ::getpid()) {
            (void)thread_.release();
            (void)listener_.release();
            (void)stop_.release();
        }
    }

    void run() {
        for (;;) {
            pollfd p[2] = {{listener_.get(), POLLIN, 0}, {stop_.get(), POLLIN, 0}};
            const int n = ::poll(p, 2, -1);  // EINTR: polls again
            if (n > 0 && (p[1].revents & POLLIN) != 0) {
                return;
            }
            if (n > 0 && (p[0].revents & POLLIN) != 0) {
                if (auto client =
                        unix_socket::accept(listener_.get(), std::chrono::nanoseconds(0))) {
                    serve(client->get());
                }
            }
        }
    }

    std::mutex lock_;
    std::unique_ptr<std::thread> thread_;
    pid_t owner_ = 0;
    unique_fd listener_;
    unique_fd stop_;
    std::string path_;
};

control_thread& the_thread() {
    static control_thread t;
    return t;
}

}  // namespace

result<std::string> socket_path(int pid, const std::string& dir) {
    auto where = detail::dir_or_runtime(dir);
    if (!where) {
        return where.error_value();
    }
    return *where + "/libipc-ctl-" + std::to_string(pid) + ".sock";
}

result<void> start(const std::string& dir) {
    return the_thread().start(dir);
}

void stop() noexcept {
    the_thread().stop();
}

}  // namespace ipc::control
