// inspect's side of the control sockets (ipc/control.hpp): find them, ask each for its
// connections, and keep what a well-formed answer says.

#include <dirent.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "core/runtime_dir.hpp"
#include "inspect/json_fields.hpp"
#include "inspect/kinds.hpp"
#include "ipc/clock.hpp"
#include "ipc/inspect.hpp"
#include "ipc/process.hpp"
#include "ipc/unix_socket.hpp"

namespace ipc::inspect {

namespace {

using detail::field;
using nlohmann::json;

constexpr std::size_t max_answer = 1 << 20;
constexpr std::string_view prefix = "libipc-ctl-";
constexpr std::string_view suffix = ".sock";

// The pid in "libipc-ctl-<pid>.sock", or 0.
std::int32_t pid_of(std::string_view file) {
    if (!file.starts_with(prefix) || !file.ends_with(suffix)) {
        return 0;
    }
    const std::string digits(
        file.substr(prefix.size(), file.size() - prefix.size() - suffix.size()));
    char* end = nullptr;
    const long pid = std::strtol(digits.c_str(), &end, 10);
    return !digits.empty() && *end == '\0' && pid > 0 && pid < (1L << 22)
               ? static_cast<std::int32_t>(pid)
               : 0;
}

// The reply line of the socket at `path`, or why there is none, by `until`.
result<std::string> ask(const std::string& path, const deadline& until) {
    // Never waiting: a stopped or stuck process's full backlog would block a plain connect.
    auto s = unix_socket::connect_now(path);
    if (!s) {
        return s.error_value();
    }
    const std::string request = "{\"get\":\"connections\"}\n";
    if (::send(s->get(), request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size())) {
        return system_error("sending to the control socket failed");
    }
    std::string answer;
    char buf[4096];
    while (answer.find('\n') == std::string::npos) {
        if (answer.size() > max_answer) {
            return error{errc::corrupt, "the control socket's answer is too long"};
        }
        const std::uint64_t left = until.remaining_ns(monotonic_ns());
        pollfd p{s->get(), POLLIN, 0};
        if (left == 0 || ::poll(&p, 1, static_cast<int>((left + 999'999) / 1'000'000)) != 1) {
            return error{errc::timeout, "the control socket did not answer in time"};
        }
        const ssize_t n = ::recv(s->get(), buf, sizeof buf, MSG_DONTWAIT);
        if (n <= 0) {
            return error{errc::peer_closed, "the control socket closed before a whole answer"};
        }
        answer.append(buf, static_cast<std::size_t>(n));
    }
    answer.resize(answer.find('\n'));
    return answer;
}

// A direction a connection without rings counts itself ({"messages":M,"bytes":B}); not found
// when the answer has none (a broker's: joined from its rings instead).
connection_flow counted_flow(const json& c, const char* key) {
    connection_flow f;
    const auto it = c.find(key);
    if (it != c.end() && it->is_object()) {
        f.messages = field<std::uint64_t>(*it, "messages");
        f.bytes = field<std::uint64_t>(*it, "bytes");
        f.found = true;
    }
    return f;
}

channel_kind kind_named(const std::string& word) {
    for (auto k : {channel_kind::broker, channel_kind::stream}) {
        if (word == to_string(k)) {
            return k;
        }
    }
    return channel_kind::unknown;
}

// The connections of a well-formed answer from `pid`; corrupt otherwise.
result<std::vector<connection_info>> parse_answer(const std::string& text, std::int32_t pid) {
    const json doc = json::parse(text, nullptr, false);
    if (!doc.is_object() || !doc.contains("connections") || !doc["connections"].is_array() ||
        field<std::int64_t>(doc, "pid") != pid) {
        return error{errc::corrupt, "the control socket's answer is not its connections"};
    }
    std::vector<connection_info> out;
    for (const auto& c : doc["connections"]) {
        if (!c.is_object()) {
            return error{errc::corrupt, "a connection in the control socket's answer is malformed"};
        }
        connection_info info;
        info.pid = pid;
        info.id = field<std::uint64_t>(c, "id");
        // Absent in an answer of a libipc before streams: it had broker connections only.
        info.kind = kind_named(field<std::string>(c, "kind", "broker"));
        info.name = field<std::string>(c, "name");
        info.role = field<std::string>(c, "role");
        info.peer_pid = field<std::int32_t>(c, "peer_pid");
        info.peer_uid = field<std::uint32_t>(c, "peer_uid");
        info.peer_gid = field<std::uint32_t>(c, "peer_gid");
        info.since_ns = field<std::uint64_t>(c, "since_ns");
        info.inbound_segment = field<std::string>(c, "inbound_segment");
        info.outbound_segment = field<std::string>(c, "outbound_segment");
        info.max_message = field<std::uint32_t>(c, "max_message");
        info.capacity = field<std::uint64_t>(c, "capacity");
        info.inbound = counted_flow(c, "inbound");
        info.outbound = counted_flow(c, "outbound");
        out.push_back(std::move(info));
    }
    return out;
}

}  // namespace

void query_control_sockets(snapshot& s, const std::string& dir, std::chrono::milliseconds timeout) {
    const auto private_dir = ::ipc::detail::dir_or_runtime(dir);
    if (!private_dir) {
        return;  // no private directory of ours: no control socket of ours either
    }
    const std::string& where = *private_dir;
    DIR* d = ::opendir(where.c_str());
    if (d == nullptr) {
        return;
    }
    const deadline until(timeout);  // for the whole pass: stuck sockets cannot add up
    while (const dirent* e = ::readdir(d)) {
        const std::int32_t pid = pid_of(e->d_name);
        if (pid == 0) {
            continue;
        }
        control_socket_info sock{pid, where + "/" + e->d_name, {}};
        struct stat st {};
        if (::lstat(sock.path.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode) ||
            st.st_uid != ::geteuid()) {
            sock.error = "not a socket of this user's";
        } else if (!is_alive(pid, 0)) {
            sock.error = "stale: process " + std::to_string(pid) + " is gone";
        } else if (auto answer = ask(sock.path, until); !answer) {
            sock.error = answer.error_value().message();
        } else if (auto conns = parse_answer(*answer, pid); !conns) {
            sock.error = conns.error_value().message();
        } else {
            s.connections.insert(s.connections.end(), conns->begin(), conns->end());
        }
        s.control_sockets.push_back(std::move(sock));
    }
    ::closedir(d);
    detail::join_connection_flows(s);
}

}  // namespace ipc::inspect
