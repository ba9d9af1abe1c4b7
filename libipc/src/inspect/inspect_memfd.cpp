// Rings over memfds have no name in the shm directory. Observers find them through the open
// telemetry records of the live processes that hold them (region "memfd:<pid>/<fd>#<inode>")
// and copy them through /proc/<pid>/fd/<fd>: read-only, never mapped, and only after checking
// that the fd is still a memfd with the inode the record names. Where the kernel refuses (another
// user's process, ptrace restrictions) the ring is listed with the reason instead of its state.

#include <fcntl.h>
#include <sys/mman.h>
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

// The device every memfd lives on (the kernel's internal tmpfs), learnt from one of our own.
std::optional<dev_t> memfd_device() {
    static const std::optional<dev_t> device = []() -> std::optional<dev_t> {
        unique_fd probe(::memfd_create("libipc-inspect-probe", MFD_CLOEXEC));
        struct stat st {};
        return probe.valid() && ::fstat(probe.get(), &st) == 0 ? std::optional(st.st_dev)
                                                               : std::nullopt;
    }();
    return device;
}

// The region's fd in its holder, reached through /proc and checked to be that memfd before
// anything opens it: an O_PATH open runs no file's open (a holder could point its fd at a
// FUSE file that blocks, or at a device), the checks look at that very file, and only then is
// it opened for reading, through our own O_PATH fd (the holder may swap its fd meanwhile).
result<unique_fd> open_held(const memfd_locator& l) {
    const std::string path = "/proc/" + std::to_string(l.pid) + "/fd/" + std::to_string(l.fd);
    unique_fd where(::open(path.c_str(), O_PATH | O_CLOEXEC));
    if (!where.valid()) {
        return system_error("cannot open the holder's fd through /proc");
    }
    const std::string mine = "/proc/self/fd/" + std::to_string(where.get());
    char target[64] = {};
    struct stat st {};
    const auto device = memfd_device();
    if (::readlink(mine.c_str(), target, sizeof target - 1) < 0 ||
        !std::string_view(target).starts_with("/memfd:") || ::fstat(where.get(), &st) != 0 ||
        !S_ISREG(st.st_mode) || st.st_ino != l.inode || !device || st.st_dev != *device) {
        return error{errc::not_found, "the holder's fd is no longer this ring's memfd"};
    }
    unique_fd fd(::open(mine.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
    if (!fd.valid()) {
        return system_error("cannot open the holder's memfd for reading");
    }
    return fd;
}

struct holder {
    memfd_locator at;
    std::int32_t pid;
    endpoint_role role;
};

ring_info read_memfd_ring(const std::string& name, const std::string& segment,
                          const std::vector<holder>& holders) {
    ring_info r;
    r.error = "no holder of the ring named its fd";
    r.unreadable = true;
    for (const auto& h : holders) {
        auto fd = open_held(h.at);
        if (!fd) {
            r.error = fd.error_value().message();
            r.unreadable = true;
            continue;
        }
        auto copy = segment_copy::of_fd(std::move(*fd), sizeof(layout::ring_segment));
        auto decoded = copy ? decode_ring(*copy, segment) : result<ring_info>(copy.error_value());
        if (decoded) {
            r = std::move(*decoded);
            break;
        }
        r.error = decoded.error_value().message();
        r.unreadable = false;  // read, and found broken
    }
    if (!r.error.empty()) {
        // Its state unknown, its ends are still known from their records (for --pid filters).
        for (const auto& h : holders) {
            (h.role == endpoint_role::writer ? r.writer : r.reader).pid = h.pid;
        }
    }
    r.name = name;
    r.segment = segment;
    return r;
}

// The locator of an endpoint that may lead this observer to a memfd: a live, unspoofed
// process's own ring record, still open. A dead process's pid may belong to another process by
// now, and a segment that claims somebody else's pid must not lead the observer into that one's
// fds.
std::optional<memfd_locator> trusted_locator(const process_info& p, const endpoint_info& e) {
    if (e.state != endpoint_state::active) {
        // Kept for its final counts, its fd closed with it: a ring both ends closed is gone, as
        // a named ring whose name was removed.
        return std::nullopt;
    }
    auto l = parse_locator(e.region);
    // A ring's end, whichever family it serves (a duplex's rings are rings).
    const bool ring_end = e.role == endpoint_role::writer || e.role == endpoint_role::reader;
    if (!l || !ring_end || l->pid != p.pid || !p.alive || p.spoofed) {
        return std::nullopt;
    }
    return l;
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
            const auto l = trusted_locator(p, e);
            if (!l || !done.insert(e.segment).second) {
                continue;
            }
            // Every trusted holder of the same inode, this record first.
            std::vector<holder> holders{{*l, p.pid, e.role}};
            for (const auto& q : s.processes) {
                for (const auto& other : q.endpoints) {
                    const auto ol = trusted_locator(q, other);
                    if (&other != &e && ol && other.segment == e.segment) {
                        holders.push_back({*ol, q.pid, other.role});
                    }
                }
            }
            s.rings.push_back(read_memfd_ring(e.name, e.segment, holders));
        }
    }
}

}  // namespace ipc::inspect::detail
