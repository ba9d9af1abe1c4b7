// The ring's openers: a named segment (created, attached, or a dead pair's replaced), or a region
// handed to this process (a sealed memfd, and eventfds with that doorbell), and the maker of new
// memfd rings. Each gives an attachment with one end claimed; ring_end does the rest.

#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <string>
#include <utility>

#include "channel/ring/ring_end.hpp"
#include "channel/ring/ring_spec.hpp"
#include "core/fd_kind.hpp"
#include "ipc/shm.hpp"
#include "region/segment.hpp"
#include "sync/end_holder.hpp"
#include "sync/handshake.hpp"

namespace ipc {

namespace {

using detail::ring_attachment;
using layout::ring_control;
using layout::ring_segment;

constexpr std::uint32_t max_message_limit = 1u << 30;
constexpr std::uint64_t max_capacity = std::uint64_t{1} << 40;
constexpr std::uint64_t min_default_capacity = 64 * 1024;
constexpr std::uint32_t attach_attempts = 4;

std::uint32_t doorbell_word(doorbell_kind kind) noexcept {
    return kind == doorbell_kind::eventfd ? layout::ring_doorbell_eventfd
                                          : layout::ring_doorbell_futex;
}

result<std::uint64_t> checked_capacity(const ring_options& o) noexcept {
    if (o.max_message == 0 || o.max_message > max_message_limit) {
        return error{errc::invalid_argument, "max_message must be between 1 and 1 GiB"};
    }
    if (o.capacity > max_capacity) {
        return error{errc::invalid_argument, "capacity must be at most 1 TiB"};
    }
    return detail::ring_capacity_for(o.max_message,
                                     o.capacity == 0 ? min_default_capacity : o.capacity);
}

// The name and sizes a caller asked for, checked: the ring's capacity.
result<std::uint64_t> checked_request(std::string_view name, const ring_options& o) noexcept {
    if (auto ok = shm::validate_name(name); !ok) {
        return ok.error_value();
    }
    return checked_capacity(o);
}

ring_control& control_of(const detail::named_segment& seg) noexcept {
    return reinterpret_cast<ring_segment*>(seg.map.data())->control;
}

// A segment left by a pair that crashed: some end died while attached and no end is alive.
bool abandoned(const ring_control& c) noexcept {
    const auto crashed = [](const layout::end_holder& end) {
        return detail::end_pid(end) != 0 && !detail::end_alive(end);
    };
    const auto live = [](const layout::end_holder& end) { return detail::end_pid(end) != 0; };
    const bool any_crashed = crashed(c.writer) || crashed(c.reader);
    const bool any_live = (live(c.writer) && detail::end_alive(c.writer)) ||
                          (live(c.reader) && detail::end_alive(c.reader));
    return any_crashed && !any_live;
}

// The creator takes its own end while initialising, before the segment is named: no other
// process can attach yet, so the creator never loses its end to a racer.
result<detail::named_segment> create_ring(const std::string& object, std::uint64_t capacity,
                                          const ring_options& o, bool writer) {
    const std::uint64_t data_offset = layout::ring_segment_data_offset;
    return detail::create_segment(
        object, data_offset + capacity, o.permissions, detail::ring_spec, [&](std::byte* base) {
            auto& control = reinterpret_cast<ring_segment*>(base)->control;
            detail::init_ring(control, {capacity, o.max_message, layout::ring_doorbell_futex},
                              data_offset);
            detail::take_fresh_end(writer ? control.writer : control.reader);
        });
}

// A dead pair's ring is replaced only when nothing committed waits in it: otherwise the
// newcomer attaches, a reader to receive what was sent, a writer to take over.
bool replaced_if_abandoned(const std::string& object, const detail::named_segment& seg) {
    const ring_control& c = control_of(seg);
    if (!abandoned(c)) {
        return false;
    }
    auto geometry = detail::validate_ring(c, seg.map.size());
    const auto* data = seg.map.data() + layout::ring_segment_data_offset;
    const auto unused = [&] {
        return abandoned(c) && geometry && !detail::holds_unread(c, data, *geometry);
    };
    return unused() && detail::remove_if_unused(object, seg.fd.get(), seg.header(), unused);
}

result<void> check_geometry(const detail::named_segment& seg, std::uint64_t capacity,
                            const ring_options& o) {
    auto geometry = detail::validate_ring(control_of(seg), seg.map.size());
    if (!geometry) {
        return geometry.error_value();
    }
    // Checked against the constant that every access uses, not a second read of the field: a
    // peer that changed data_offset between the two reads must not stretch the data area.
    if (control_of(seg).data_offset != layout::ring_segment_data_offset ||
        seg.map.size() < layout::ring_segment_data_offset ||
        geometry->capacity > seg.map.size() - layout::ring_segment_data_offset) {
        return error{errc::corrupt, "ring data_offset is not the named-segment layout's"};
    }
    if (geometry->max_message != o.max_message || geometry->capacity != capacity) {
        return error{errc::geometry_mismatch,
                     "the ring exists with another max_message or capacity"};
    }
    if (geometry->doorbell != doorbell_word(o.doorbell)) {
        return error{errc::geometry_mismatch, "the ring was made with the other doorbell kind"};
    }
    return {};
}

// Creates the ring, or attaches to the existing one and claims `writer`'s end. A leftover that
// nobody finished, or a dead pair's empty ring, is removed and the name tried again.
result<detail::named_segment> attach_ring(const std::string& object, std::uint64_t capacity,
                                          const ring_options& o, bool writer) {
    for (std::uint32_t attempt = 0; attempt < attach_attempts; ++attempt) {
        if (o.mode != open_mode::open_only) {
            auto created = create_ring(object, capacity, o, writer);
            if (created || created.code() != errc::already_exists ||
                o.mode == open_mode::create_only) {
                return created;
            }
        }
        auto seg =
            detail::open_segment(object, access::read_write, detail::ring_spec, o.trusted_owners);
        if (!seg) {
            if (seg.code() == errc::not_found && o.mode != open_mode::open_only) {
                continue;  // removed between our create and open: create again
            }
            if (seg.code() == errc::not_ready && o.mode == open_mode::open_or_create) {
                (void)detail::remove_leftover(object);
                continue;
            }
            return seg;
        }
        if (o.mode == open_mode::open_or_create && replaced_if_abandoned(object, *seg)) {
            continue;
        }
        if (auto ok = check_geometry(*seg, capacity, o); !ok) {
            return ok.error_value();
        }
        layout::end_holder& end = writer ? control_of(*seg).writer : control_of(*seg).reader;
        if (auto claimed = detail::claim_end(end); !claimed) {
            return claimed.error_value();
        }
        if (detail::being_removed(seg->header())) {
            detail::release_end(end);  // a remover judged it unused just before our claim
            continue;
        }
        return seg;
    }
    return error{errc::busy, "the ring segment kept changing while attaching"};
}

// What both ends do once the segment is mapped and their end is claimed: load and check the
// starting indices, keep the geometry privately, register telemetry under `region`.
result<ring_attachment> finish_attach(ring_attachment att, detail::named_segment seg,
                                      std::uint64_t capacity, const ring_options& o, bool writer,
                                      const std::string& region,
                                      layout::channel_kind kind = layout::channel_kind::ring) {
    ring_control& control = control_of(seg);
    // Loaded once the end is ours: a previous holder of this end can no longer move them.
    auto start = detail::load_start(control, {capacity, o.max_message, doorbell_word(o.doorbell)});
    if (!start) {
        detail::release_end(writer ? control.writer : control.reader);
        return start.error_value();
    }
    att.start = *start;
    att.created = seg.created;
    att.fd = std::move(seg.fd);
    att.map = std::move(seg.map);
    att.claimed = writer ? &control.writer : &control.reader;  // from here, att gives it back
    att.control = &control;
    att.data = att.map.data() + layout::ring_segment_data_offset;
    att.keep_segment = o.keep_segment;
    att.wait = o.wait;
    att.geometry = {capacity, o.max_message, doorbell_word(o.doorbell)};
    if (o.telemetry) {
        auto counters = telemetry::endpoint::open(
            {kind, writer ? layout::endpoint_role::writer : layout::endpoint_role::reader, att.name,
             region});
        if (counters) {
            att.counters = std::move(*counters);
        } else {
            att.telemetry_error = counters.error_value();
        }
    }
    return att;
}

// What the kernel says of an eventfd in /proc/self/fdinfo; nullopt when `fd` is not one.
struct eventfd_facts {
    bool nonblocking = false;
    bool semaphore = false;
    std::optional<std::uint64_t> id;  // unique per eventfd (kernels that print it)
};

std::optional<eventfd_facts> facts_of(int fd) {
    char link[64] = {};
    const std::string path = "/proc/self/fd/" + std::to_string(fd);
    const ssize_t n = ::readlink(path.c_str(), link, sizeof link - 1);
    if (n <= 0 || std::string_view(link, static_cast<std::size_t>(n)) != "anon_inode:[eventfd]") {
        return std::nullopt;
    }
    unique_fd info(
        ::open(("/proc/self/fdinfo/" + std::to_string(fd)).c_str(), O_RDONLY | O_CLOEXEC));
    char text[512] = {};
    if (!info.valid() || ::read(info.get(), text, sizeof text - 1) <= 0) {
        return std::nullopt;
    }
    eventfd_facts facts;
    const std::string_view all(text);
    const auto field = [&](std::string_view key) -> std::optional<std::string_view> {
        const auto at = all.find(key);
        if (at == std::string_view::npos) {
            return std::nullopt;
        }
        auto value = all.substr(at + key.size());
        value.remove_prefix(std::min(value.find_first_not_of(" \t"), value.size()));
        return value.substr(0, value.find('\n'));
    };
    if (auto flags = field("flags:")) {
        unsigned long bits = 0;
        std::from_chars(flags->data(), flags->data() + flags->size(), bits, 8);
        facts.nonblocking = (bits & O_NONBLOCK) != 0;
    }
    if (auto semaphore = field("eventfd-semaphore:")) {
        facts.semaphore = *semaphore == "1";
    }
    if (auto id = field("eventfd-id:")) {
        std::uint64_t value = 0;
        if (std::from_chars(id->data(), id->data() + id->size(), value).ec == std::errc{}) {
            facts.id = value;
        }
    }
    return facts;
}

// The eventfds an adopting end needs: with that doorbell two distinct, non-blocking, counting
// eventfds (each is drained by one end only, which must never block on it, and one drain must
// empty it); none with the futex. Nothing about them is changed: they are shared with the
// other holders.
result<void> check_doorbell_fds(const ring_fds& fds, const ring_options& o) {
    if (fds.peer_process.valid() && !detail::is_pidfd(fds.peer_process.get())) {
        return error{errc::wrong_kind, "ring_fds::peer_process is not a pidfd"};
    }
    if (o.doorbell == doorbell_kind::futex) {
        if (fds.data_ready.valid() || fds.space_ready.valid() || fds.peer_process.valid()) {
            return error{errc::invalid_argument,
                         fds.peer_process.valid()
                             ? "a peer process is watched only with the eventfd doorbell"
                             : "eventfds were given for a futex-doorbell ring"};
        }
        return {};
    }
    std::optional<eventfd_facts> facts[2];
    for (int i = 0; i < 2; ++i) {
        const unique_fd& fd = i == 0 ? fds.data_ready : fds.space_ready;
        facts[i] = fd.valid() ? facts_of(fd.get()) : std::nullopt;
        if (!facts[i]) {
            return error{errc::wrong_kind, "the eventfd doorbell needs two eventfds"};
        }
        if (!facts[i]->nonblocking || facts[i]->semaphore) {
            return error{errc::invalid_argument,
                         "a doorbell eventfd must be non-blocking and counting (EFD_NONBLOCK, "
                         "not EFD_SEMAPHORE), as create_memfd_ring makes them"};
        }
    }
    if (facts[0]->id && facts[0]->id == facts[1]->id) {
        return error{errc::invalid_argument, "the two doorbell eventfds are the same eventfd"};
    }
    return {};
}

result<unique_fd> duplicate_fd(const unique_fd& fd) {
    if (!fd.valid()) {
        return unique_fd{};
    }
    unique_fd copy(::fcntl(fd.get(), F_DUPFD_CLOEXEC, 0));
    if (!copy.valid()) {
        return system_error("fcntl(F_DUPFD_CLOEXEC)");
    }
    return copy;
}

result<unique_fd> new_eventfd() {
    unique_fd fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!fd.valid()) {
        return system_error("eventfd");
    }
    return fd;
}

}  // namespace

namespace detail {

// Opens the named segment, claims `end` and registers telemetry.
result<ring_attachment> attach_named_ring(std::string_view name, const ring_options& o,
                                          bool writer) {
    auto capacity = checked_request(name, o);
    if (!capacity) {
        return capacity.error_value();
    }
    if (o.doorbell != doorbell_kind::futex) {
        return error{errc::invalid_argument,
                     "a named ring uses the futex doorbell: the eventfd doorbell needs a ring "
                     "handed over with its fds (create_memfd_ring)"};
    }
    // Before this process publishes anything: lets it skip the hot-path fence (handshake.hpp).
    detail::register_for_asymmetric_fences();
    ring_attachment att;
    att.name = std::string(name);
    att.object = shm::object_name("ring", name);
    const std::string region = att.object;  // before the claim: nothing allocates after it
    auto seg = attach_ring(att.object, *capacity, o, writer);
    if (!seg) {
        return seg.error_value();
    }
    return finish_attach(std::move(att), std::move(*seg), *capacity, o, writer, region);
}

// Maps a ring region handed to this process and claims `end`. The region has no name: nothing
// to create, replace or remove; the memfd goes when its last holder closes it.
result<ring_attachment> adopt_ring(std::string_view name, ring_fds fds, const ring_options& o,
                                   bool writer, layout::channel_kind kind) {
    auto capacity = checked_request(name, o);
    if (!capacity) {
        return capacity.error_value();
    }
    if (auto ok = check_doorbell_fds(fds, o); !ok) {
        return ok.error_value();
    }
    detail::register_for_asymmetric_fences();
    struct stat st {};
    const bool known = ::fstat(fds.region.get(), &st) == 0;
    auto seg = detail::adopt_segment(std::move(fds.region), detail::ring_spec);
    if (!seg) {
        return seg.error_value();
    }
    if (auto ok = check_geometry(*seg, *capacity, o); !ok) {
        return ok.error_value();
    }
    ring_attachment att;
    att.name = std::string(name);
    // Where an observer finds the region: this process's fd (it keeps it while the end is
    // open), and the inode that both ends share, to check that the fd still is this region.
    const std::string locator = "memfd:" + std::to_string(::getpid()) + "/" +
                                std::to_string(seg->fd.get()) + "#" +
                                (known ? std::to_string(st.st_ino) : std::string("?"));
    // Claimed last: nothing allocates between the claim and the attachment that gives it back.
    if (auto claimed =
            detail::claim_end(writer ? control_of(*seg).writer : control_of(*seg).reader);
        !claimed) {
        return claimed.error_value();
    }
    att.data_ready = std::move(fds.data_ready);
    att.space_ready = std::move(fds.space_ready);
    att.peer_process = std::move(fds.peer_process);
    return finish_attach(std::move(att), std::move(*seg), *capacity, o, writer, locator, kind);
}

}  // namespace detail

result<ring_fds> ring_fds::duplicate() const {
    ring_fds copy;
    for (auto [from, to] :
         {std::pair{&region, &copy.region}, std::pair{&data_ready, &copy.data_ready},
          std::pair{&space_ready, &copy.space_ready},
          std::pair{&peer_process, &copy.peer_process}}) {
        auto fd = duplicate_fd(*from);
        if (!fd) {
            return fd.error_value();
        }
        *to = std::move(*fd);
    }
    return copy;
}

result<ring_fds> create_memfd_ring(const ring_options& o) {
    auto capacity = checked_capacity(o);
    if (!capacity) {
        return capacity.error_value();
    }
    const std::uint64_t data_offset = layout::ring_segment_data_offset;
    auto seg = detail::create_memfd_segment(
        "libipc-ring", data_offset + *capacity, detail::ring_spec, [&](std::byte* base) {
            detail::init_ring(reinterpret_cast<ring_segment*>(base)->control,
                              {*capacity, o.max_message, doorbell_word(o.doorbell)}, data_offset);
        });
    if (!seg) {
        return seg.error_value();
    }
    ring_fds fds;
    fds.region = std::move(seg->fd);
    if (o.doorbell == doorbell_kind::eventfd) {
        for (unique_fd* bell : {&fds.data_ready, &fds.space_ready}) {
            auto fd = new_eventfd();
            if (!fd) {
                return fd.error_value();
            }
            *bell = std::move(*fd);
        }
    }
    return fds;
}

}  // namespace ipc
