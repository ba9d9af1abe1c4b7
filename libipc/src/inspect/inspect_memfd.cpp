// Rings over memfds have no name in the shm directory. Observers find them through the
// telemetry records of the processes that hold them (region "memfd:<pid>/<fd>#<inode>") and
// copy them through /proc/<pid>/fd/<fd>: read-only, never mapped, and only after checking that
// the fd is still a memfd with the inode the record names. Where the kernel refuses (another
// user's process, ptrace restrictions) the ring is listed with the reason instead of its state.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <cstring>
#include <optional>
#include <set>

#include "channel/ring/ring_layout.hpp"
#include "inspect/inspect_support.hpp"

namespace ipc::inspect::detail {

namespace {

struct memfd_locator {
    std::int32_t pid = 0;
    int fd = -1;
    std::uint64_t inode = 0;
};

template <class T>
bool parse_number(std::string_view& text, T& out, char stop) {
    const auto* end = text.data() + text.size();
    auto [next, ec] = std::from_chars(text.data(), end, out);
    if (ec != std::errc{} || (stop != '\0' && (next == end || *next != stop)) ||
        (stop == '\0' && next != end)) {
        return false;
    }
    text.remove_prefix(static_cast<std::size_t>(next - text.data()) + (stop != '\0' ? 1 : 0));
    return true;
}

std::optional<memfd_locator> parse_locator(std::string_view region) {
    if (!region.starts_with(memfd_prefix)) {
        return std::nullopt;
    }
    region.remove_prefix(memfd_prefix.size());
    memfd_locator l;
    if (!parse_number(region, l.pid, '/') || !parse_number(region, l.fd, '#') ||
        !parse_number(region, l.inode, '\0') || l.pid <= 0 || l.fd < 0) {
        return std::nullopt;
    }
    return l;
}

// The region's fd in its holder, opened anew through /proc and checked to be that memfd.
result<unique_fd> open_held(const memfd_locator& l) {
    const std::string path = "/proc/" + std::to_string(l.pid) + "/fd/" + std::to_string(l.fd);
    unique_fd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
    if (!fd.valid()) {
        return system_error("cannot open the holder's fd through /proc");
    }
    char target[64] = {};
    struct stat st {};
    if (::readlink(path.c_str(), target, sizeof target - 1) < 0 ||
        !std::string_view(target).starts_with("/memfd:") || ::fstat(fd.get(), &st) != 0 ||
        !S_ISREG(st.st_mode) || st.st_ino != l.inode) {
        return error{errc::not_found, "the holder's fd is no longer this ring's memfd"};
    }
    return fd;
}

ring_info read_memfd_ring(const std::string& name, const std::string& segment,
                          const std::vector<memfd_locator>& holders) {
    ring_info r;
    r.error = "no holder of the ring named its fd";
    for (const auto& l : holders) {
        auto fd = open_held(l);
        if (!fd) {
            r.error = fd.error_value().message();
            continue;
        }
        auto copy = segment_copy::of_fd(std::move(*fd), sizeof(layout::ring_segment));
        auto decoded = copy ? decode_ring(*copy, segment) : result<ring_info>(copy.error_value());
        if (decoded) {
            r = std::move(*decoded);
            break;
        }
        r.error = decoded.error_value().message();
    }
    r.name = name;
    r.segment = segment;
    return r;
}

}  // namespace

std::string segment_of(const std::string& region) {
    if (auto l = parse_locator(region)) {
        return std::string(memfd_prefix) + std::to_string(l->inode);
    }
    return with_slash(region).substr(1);
}

void add_memfd_rings(snapshot& s) {
    std::set<std::string> done;
    for (const auto& p : s.processes) {
        for (const auto& e : p.endpoints) {
            const auto l = parse_locator(e.region);
            // Only a record's own process can name its fds: a spoofed segment does not lead
            // this observer into somebody else's.
            if (e.kind != channel_kind::ring || !l || l->pid != p.pid || p.spoofed ||
                !done.insert(e.segment).second) {
                continue;
            }
            // Every live holder of the same inode, the record's own first.
            std::vector<memfd_locator> holders{*l};
            for (const auto& q : s.processes) {
                for (const auto& other : q.endpoints) {
                    const auto ol = parse_locator(other.region);
                    if (&other != &e && other.segment == e.segment && ol && ol->pid == q.pid &&
                        !q.spoofed) {
                        holders.push_back(*ol);
                    }
                }
            }
            s.rings.push_back(read_memfd_ring(e.name, e.segment, holders));
        }
    }
}

}  // namespace ipc::inspect::detail
