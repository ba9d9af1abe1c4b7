#include "ipc/ring.hpp"

#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fcntl.h>
#include <algorithm>
#include <cstring>

#include "end_holder.hpp"
#include "ipc/detail/atomic.hpp"
#include "ipc/detail/handshake.hpp"
#include "ipc/futex.hpp"
#include "ipc/process.hpp"
#include "ipc/shm.hpp"
#include "segment.hpp"
#include "wait_loop.hpp"

namespace ipc {

using detail::ring_attachment;
using layout::ring_control;
using layout::ring_segment;

namespace {

constexpr std::uint32_t max_message_limit = 1u << 30;
constexpr std::uint64_t max_capacity = std::uint64_t{1} << 40;
constexpr std::uint64_t min_default_capacity = 64 * 1024;
constexpr std::uint32_t attach_attempts = 4;

const detail::segment_spec ring_spec{layout::segment_kind::ring, layout::ring_layout_version,
                                     sizeof(ring_segment)};

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

ring_control& control_of(const detail::named_segment& seg) noexcept {
    return reinterpret_cast<ring_segment*>(seg.map.data())->control;
}

constexpr auto peer_check_ns = std::chrono::nanoseconds(peer_check_interval).count();

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
        object, data_offset + capacity, o.permissions, ring_spec, [&](std::byte* base) {
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
        auto seg = detail::open_segment(object, access::read_write, ring_spec, o.trusted_owners);
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
                                      const std::string& region) {
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
    att.control = &control;
    att.keep_segment = o.keep_segment;
    att.wait = o.wait;
    att.geometry = {capacity, o.max_message, doorbell_word(o.doorbell)};
    if (o.telemetry) {
        auto counters = telemetry::endpoint::open(
            {layout::channel_kind::ring,
             writer ? layout::endpoint_role::writer : layout::endpoint_role::reader, att.name,
             region});
        if (counters) {
            att.counters = std::move(*counters);
        } else {
            att.telemetry_error = counters.error_value();
        }
    }
    return att;
}

// Opens the named segment, claims `end` and registers telemetry.
result<ring_attachment> attach(std::string_view name, const ring_options& o, bool writer) {
    if (auto ok = shm::validate_name(name); !ok) {
        return ok.error_value();
    }
    auto capacity = checked_capacity(o);
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
    auto seg = attach_ring(att.object, *capacity, o, writer);
    if (!seg) {
        return seg.error_value();
    }
    const std::string region = att.object;
    return finish_attach(std::move(att), std::move(*seg), *capacity, o, writer, region);
}

// Whether `fd` is an eventfd (the kernel names its anonymous inode so).
bool is_eventfd(int fd) {
    char link[64] = {};
    const std::string path = "/proc/self/fd/" + std::to_string(fd);
    const ssize_t n = ::readlink(path.c_str(), link, sizeof link - 1);
    return n > 0 && std::string_view(link, static_cast<std::size_t>(n)) == "anon_inode:[eventfd]";
}

// The eventfds an adopting end needs: both present and eventfds with that doorbell, none with
// the futex. Made non-blocking: each is drained by one end only, which must never block on it.
result<void> check_doorbell_fds(const ring_fds& fds, const ring_options& o) {
    if (o.doorbell == doorbell_kind::futex) {
        if (fds.data_ready.valid() || fds.space_ready.valid()) {
            return error{errc::invalid_argument, "eventfds were given for a futex-doorbell ring"};
        }
        return {};
    }
    for (const unique_fd* fd : {&fds.data_ready, &fds.space_ready}) {
        if (!fd->valid() || !is_eventfd(fd->get())) {
            return error{errc::wrong_kind, "the eventfd doorbell needs two eventfds"};
        }
        const int flags = ::fcntl(fd->get(), F_GETFL);
        if (flags < 0 || ::fcntl(fd->get(), F_SETFL, flags | O_NONBLOCK) != 0) {
            return system_error("fcntl(eventfd, O_NONBLOCK)");
        }
    }
    return {};
}

// Maps a ring region handed to this process and claims `end`. The region has no name: nothing
// to create, replace or remove; the memfd goes when its last holder closes it.
result<ring_attachment> adopt(std::string_view name, ring_fds fds, const ring_options& o,
                              bool writer) {
    if (auto ok = shm::validate_name(name); !ok) {
        return ok.error_value();
    }
    auto capacity = checked_capacity(o);
    if (!capacity) {
        return capacity.error_value();
    }
    if (auto ok = check_doorbell_fds(fds, o); !ok) {
        return ok.error_value();
    }
    detail::register_for_asymmetric_fences();
    struct stat st {};
    const bool known = ::fstat(fds.region.get(), &st) == 0;
    auto seg = detail::adopt_segment(std::move(fds.region), ring_spec);
    if (!seg) {
        return seg.error_value();
    }
    if (auto ok = check_geometry(*seg, *capacity, o); !ok) {
        return ok.error_value();
    }
    if (auto claimed =
            detail::claim_end(writer ? control_of(*seg).writer : control_of(*seg).reader);
        !claimed) {
        return claimed.error_value();
    }
    ring_attachment att;
    att.name = std::string(name);
    att.data_ready = std::move(fds.data_ready);
    att.space_ready = std::move(fds.space_ready);
    // Where an observer finds the region: this process's fd (it keeps it while the end is
    // open), and the inode that both ends share, to check that the fd still is this region.
    const std::string locator = "memfd:" + std::to_string(::getpid()) + "/" +
                                std::to_string(seg->fd.get()) + "#" +
                                (known ? std::to_string(st.st_ino) : std::string("?"));
    return finish_attach(std::move(att), std::move(*seg), *capacity, o, writer, locator);
}

// Whether an end announces sleeps often enough that membarrier would cost more than it saves
// (handshake.hpp): a blocking waiter sleeps on every wait; an eventfd end arms on every wait
// that an event loop makes.
bool sleeps_often(const ring_options& o) noexcept {
    return o.wait == wait_strategy::blocking || o.doorbell == doorbell_kind::eventfd;
}

std::byte* data_of(const ring_attachment& att) noexcept {
    return att.map.data() + layout::ring_segment_data_offset;
}

}  // namespace

// ---- attachment ----

namespace detail {

ring_attachment::ring_attachment(ring_attachment&& other) noexcept
    : fd(std::move(other.fd)),
      map(std::move(other.map)),
      data_ready(std::move(other.data_ready)),
      space_ready(std::move(other.space_ready)),
      object(std::move(other.object)),
      name(std::move(other.name)),
      created(other.created),
      keep_segment(other.keep_segment),
      wait(other.wait),
      counters(std::move(other.counters)),
      telemetry_error(other.telemetry_error),
      control(std::exchange(other.control, nullptr)),
      geometry(other.geometry),
      start(other.start) {}

ring_attachment& ring_attachment::operator=(ring_attachment&& other) noexcept {
    if (this != &other) {
        fd = std::move(other.fd);
        map = std::move(other.map);
        data_ready = std::move(other.data_ready);
        space_ready = std::move(other.space_ready);
        object = std::move(other.object);
        name = std::move(other.name);
        created = other.created;
        keep_segment = other.keep_segment;
        wait = other.wait;
        counters = std::move(other.counters);
        telemetry_error = other.telemetry_error;
        control = std::exchange(other.control, nullptr);
        geometry = other.geometry;
        start = other.start;
    }
    return *this;
}

void ring_attachment::detach(layout::end_holder& mine, const layout::end_holder& peer,
                             doorbell& peer_bell, bool remove_name) noexcept {
    release_end(mine);
    peer_bell.ring_always();  // a sleeping peer notices now, not at its next liveness check
    if (remove_name && !keep_segment && !object.empty()) {
        // Removed unless a newcomer claimed an end meanwhile (its pid replaces the holder's;
        // the holders closing or dying does not count).
        const std::int32_t my_pid = layout::owner_pid(load(mine.owner, std::memory_order_acquire));
        const std::int32_t peer_pid =
            layout::owner_pid(load(peer.owner, std::memory_order_acquire));
        auto& header = *reinterpret_cast<layout::segment_header*>(map.data());
        (void)remove_if_unused(object, fd.get(), header, [&] {
            return layout::owner_pid(load(mine.owner, std::memory_order_acquire)) == my_pid &&
                   layout::owner_pid(load(peer.owner, std::memory_order_acquire)) == peer_pid;
        });
    }
    counters.close();
    control = nullptr;
    map.reset();
    fd.reset();
    data_ready.reset();
    space_ready.reset();
}

bool ring_attachment::still_named() const noexcept {
    if (object.empty()) {
        return true;  // an adopted region: it lives as long as somebody holds it
    }
    auto named = shm::open(object, access::read_only);
    struct stat mine {};
    struct stat now {};
    return named && ::fstat(fd.get(), &mine) == 0 && ::fstat(named->get(), &now) == 0 &&
           mine.st_ino == now.st_ino && mine.st_dev == now.st_dev;
}

void ring_end_base::track_peer(const layout::end_holder& peer) noexcept {
    if (peer_pid_ == 0 && att_.counters.active()) {
        peer_pid_ = end_pid(peer);
        att_.counters.set_peer(peer_pid_);
    }
}

error ring_end_base::peer_check(const layout::end_holder& peer) noexcept {
    error status = peer_status(peer);
    if (status.code() == errc::ok && end_unattached(peer) && !att_.still_named()) {
        status = error{errc::peer_gone, "the ring was removed or replaced before a peer attached"};
    }
    if (status.code() != errc::ok) {
        peer_pid_ = 0;
    }
    return status;
}

error ring_end_base::peer_check_due(const layout::end_holder& peer, std::uint64_t now) noexcept {
    if (now - last_peer_check_ns_ >= static_cast<std::uint64_t>(peer_check_ns)) {
        last_peer_check_ns_ = now;
        peer_status_ = peer_check(peer);
    }
    return peer_status_;
}

template <class Attempt, class Result>
Result ring_end_base::arm_and_retry(doorbell& bell, const layout::end_holder& peer,
                                    Attempt&& attempt, Result nothing) noexcept {
    if (bell.event_fd() < 0 || !bell.arm()) {
        return nothing;
    }
    auto r = attempt();
    if (r.code() == nothing.code()) {
        last_peer_check_ns_ = monotonic_ns();
        peer_status_ = peer_check(peer);
    }
    return r;
}

}  // namespace detail

// ---- writer ----

ring_writer& ring_writer::operator=(ring_writer&& other) noexcept {
    if (this != &other) {
        close();
        att_ = std::move(other.att_);
        peer_pid_ = other.peer_pid_;
        last_peer_check_ns_ = other.last_peer_check_ns_;
        peer_status_ = other.peer_status_;
        producer_ = other.producer_;
        last_commit_ns_ = other.last_commit_ns_;
        reserved_length_ = other.reserved_length_;
        has_reservation_ = other.has_reservation_;
    }
    return *this;
}

namespace {

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

result<ring_fds> ring_fds::duplicate() const {
    ring_fds copy;
    for (auto [from, to] :
         {std::pair{&region, &copy.region}, std::pair{&data_ready, &copy.data_ready},
          std::pair{&space_ready, &copy.space_ready}}) {
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
        "libipc-ring", data_offset + *capacity, ring_spec, [&](std::byte* base) {
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

result<ring_writer> ring_writer::open(std::string_view name, const ring_options& options) {
    return from(attach(name, options, true), options);
}

result<ring_writer> ring_writer::adopt(std::string_view name, ring_fds fds,
                                       const ring_options& options) {
    return from(ipc::adopt(name, std::move(fds), options, true), options);
}

result<ring_writer> ring_writer::from(result<detail::ring_attachment> att,
                                      const ring_options& options) {
    if (!att) {
        return att.error_value();
    }
    ring_writer w;
    w.att_ = std::move(*att);
    w.producer_ =
        detail::spsc_producer(w.att_.control, data_of(w.att_), w.att_.geometry, w.att_.start);
    if (auto ok = w.producer_.recover(); !ok) {
        detail::release_end(w.att_.control->writer);
        return ok.error_value();
    }
    w.producer_.data_bell().use_eventfd(w.att_.data_ready.get());
    w.producer_.space_bell().use_eventfd(w.att_.space_ready.get());
    w.producer_.space_bell().publish_sleep_mode(sleeps_often(options));
    w.track_peer(w.att_.control->reader);
    return w;
}

result<std::span<std::byte>> ring_writer::try_reserve(std::size_t length) noexcept {
    return reserve_until(length, deadline(std::chrono::nanoseconds::zero()));
}

result<std::span<std::byte>> ring_writer::reserve(std::size_t length,
                                                  std::chrono::nanoseconds timeout) noexcept {
    return reserve_until(length, deadline(timeout));
}

result<std::span<std::byte>> ring_writer::reserve_until(std::size_t length,
                                                        const deadline& until) noexcept {
    if (att_.control == nullptr) {
        return error{errc::closed, "the ring writer is closed"};
    }
    auto attempt = [&] { return producer_.try_reserve(length); };
    auto span = attempt();
    if (span.code() == errc::queue_full && !until.passed(monotonic_ns())) {
        span = detail::wait_loop(att_.wait, until, peer_check_ns, errc::queue_full, attempt,
                                 producer_.space_bell(),
                                 [&] { return peer_check(att_.control->reader); });
    }
    if (span.code() == errc::queue_full) {
        span =
            arm_and_retry(producer_.space_bell(), att_.control->reader, attempt, std::move(span));
    }
    // The reader is checked on the send path too, at most once per peer_check_interval: timed
    // by the last commit's time stamp (read anyway for the record) while sends go through, by
    // the clock once one is refused or the reader is known gone (a full ring's writer that only
    // tries must learn that the reader died; a gone reader's successor must be noticed). A
    // reservation made meanwhile is simply not used: nothing is published before commit.
    const bool flowing = span.has_value() && peer_status_.code() == errc::ok;
    if (error reader =
            peer_check_due(att_.control->reader, flowing ? last_commit_ns_ : monotonic_ns());
        reader.code() != errc::ok) {
        span = reader;
    }
    if (producer_.take_fresh_depth()) {
        att_.counters.set_queue_depth(producer_.depth_messages());
    }
    if (!span) {
        // Refused for room, time or size: the message is not sent and counts as dropped.
        const errc code = span.code();
        if (code == errc::queue_full || code == errc::timeout || code == errc::message_too_large ||
            code == errc::peer_gone || code == errc::peer_closed) {
            att_.counters.on_dropped();
        } else {
            att_.counters.on_failed();
        }
        return span;
    }
    reserved_length_ = length;
    has_reservation_ = true;
    return span;
}

result<void> ring_writer::commit(std::size_t length) noexcept {
    if (att_.control == nullptr) {
        return error{errc::closed, "the ring writer is closed"};
    }
    if (!has_reservation_) {
        return error{errc::invalid_argument, "commit without a reservation"};
    }
    if (length > reserved_length_) {
        return error{errc::invalid_argument, "commit of more bytes than were reserved"};
    }
    has_reservation_ = false;
    const std::uint64_t now = monotonic_ns();
    producer_.commit(length, now);
    last_commit_ns_ = now;
    att_.counters.on_sent(length, now);
    track_peer(att_.control->reader);
    return {};
}

result<void> ring_writer::try_send(std::span<const std::byte> message) noexcept {
    return send(message, std::chrono::nanoseconds::zero());
}

result<void> ring_writer::send(std::span<const std::byte> message,
                               std::chrono::nanoseconds timeout) noexcept {
    auto span = reserve_until(message.size(), deadline(timeout));
    if (!span) {
        return span.error_value();
    }
    if (!message.empty()) {
        std::memcpy(span->data(), message.data(), message.size());
    }
    return commit(message.size());
}

bool ring_writer::reader_alive() const noexcept {
    return att_.control != nullptr && detail::end_pid(att_.control->reader) != 0 &&
           detail::end_alive(att_.control->reader);
}

std::uint64_t ring_writer::close() noexcept {
    if (att_.control == nullptr) {
        return 0;
    }
    ring_control& c = *att_.control;
    const bool unread = detail::holds_unread(c, data_of(att_), att_.geometry);
    // Unread messages stay for a reader that has not attached yet, while it still can (the
    // ring is still named). One that attached keeps its mapping while it lives; if it died or
    // closed, nobody will read them: say so and count them.
    const bool unattached = detail::end_unattached(c.reader);
    const bool reader_coming = unread && unattached && att_.still_named();
    const bool reader_gone =
        unattached ? !reader_coming : detail::peer_status(c.reader).code() != errc::ok;
    std::uint64_t lost = 0;
    if (unread && reader_gone) {
        const std::uint64_t written = producer_.written_count();
        const std::uint64_t read = detail::load(c.read_count, std::memory_order_acquire);
        lost = written > read ? written - read : 0;
        att_.counters.on_dropped(lost);
    }
    att_.detach(c.writer, c.reader, producer_.data_bell(), att_.created && !reader_coming);
    has_reservation_ = false;
    return lost;
}

// ---- reader ----

ring_reader& ring_reader::operator=(ring_reader&& other) noexcept {
    if (this != &other) {
        close();
        att_ = std::move(other.att_);
        peer_pid_ = other.peer_pid_;
        last_peer_check_ns_ = other.last_peer_check_ns_;
        peer_status_ = other.peer_status_;
        consumer_ = other.consumer_;
        holding_ = other.holding_;
    }
    return *this;
}

result<ring_reader> ring_reader::open(std::string_view name, const ring_options& options) {
    return from(attach(name, options, false), options);
}

result<ring_reader> ring_reader::adopt(std::string_view name, ring_fds fds,
                                       const ring_options& options) {
    return from(ipc::adopt(name, std::move(fds), options, false), options);
}

result<ring_reader> ring_reader::from(result<detail::ring_attachment> att,
                                      const ring_options& options) {
    if (!att) {
        return att.error_value();
    }
    ring_reader r;
    r.att_ = std::move(*att);
    r.consumer_ =
        detail::spsc_consumer(r.att_.control, data_of(r.att_), r.att_.geometry, r.att_.start);
    r.consumer_.data_bell().use_eventfd(r.att_.data_ready.get());
    r.consumer_.space_bell().use_eventfd(r.att_.space_ready.get());
    r.consumer_.data_bell().publish_sleep_mode(sleeps_often(options));
    r.track_peer(r.att_.control->writer);
    return r;
}

result<message_view> ring_reader::try_read() noexcept {
    return read(std::chrono::nanoseconds::zero());
}

result<message_view> ring_reader::read(std::chrono::nanoseconds timeout) noexcept {
    if (att_.control == nullptr) {
        return error{errc::closed, "the ring reader is closed"};
    }
    auto attempt = [&] { return consumer_.try_peek(); };
    auto record = attempt();
    const deadline until(timeout);
    if (record.code() == errc::empty && !until.passed(monotonic_ns())) {
        record = detail::wait_loop(att_.wait, until, peer_check_ns, errc::empty, attempt,
                                   consumer_.data_bell(),
                                   [&] { return peer_check(att_.control->writer); });
    }
    if (record.code() == errc::empty) {
        record =
            arm_and_retry(consumer_.data_bell(), att_.control->writer, attempt, std::move(record));
    }
    if (record.code() == errc::empty) {
        // Even a reader that only polls learns that the writer closed or died, once it has
        // received everything the writer sent.
        if (const error writer = peer_check_due(att_.control->writer, monotonic_ns());
            writer.code() != errc::ok) {
            record = attempt();
            if (record.code() == errc::empty) {
                return writer;
            }
        }
    }
    if (!record) {
        if (record.code() == errc::corrupt) {
            att_.counters.on_failed();
        }
        return record.error_value();
    }
    if (!holding_) {
        holding_ = true;
        if (att_.counters.active()) {
            const std::uint64_t now = monotonic_ns();
            const std::uint64_t latency = now > record->send_ns ? now - record->send_ns : 0;
            att_.counters.on_received(record->length, now, latency);
            track_peer(att_.control->writer);
            att_.counters.set_queue_depth(consumer_.depth_messages());
        }
    }
    return message_view{{record->data, record->length}, record->send_ns};
}

void ring_reader::release() noexcept {
    if (att_.control != nullptr && holding_) {
        holding_ = false;
        consumer_.release();
    }
}

result<std::size_t> ring_reader::copy_out(const message_view& view,
                                          std::span<std::byte> buffer) noexcept {
    if (buffer.size() < view.payload.size()) {
        return error{errc::invalid_argument, "receive buffer is smaller than the message"};
    }
    if (!view.payload.empty()) {
        std::memcpy(buffer.data(), view.payload.data(), view.payload.size());
    }
    release();
    return view.payload.size();
}

result<std::size_t> ring_reader::try_receive(std::span<std::byte> buffer) noexcept {
    return receive(buffer, std::chrono::nanoseconds::zero());
}

result<std::size_t> ring_reader::receive(std::span<std::byte> buffer,
                                         std::chrono::nanoseconds timeout) noexcept {
    auto view = read(timeout);
    if (!view) {
        return view.error_value();
    }
    return copy_out(*view, buffer);
}

bool ring_reader::writer_alive() const noexcept {
    return att_.control != nullptr && detail::end_pid(att_.control->writer) != 0 &&
           detail::end_alive(att_.control->writer);
}

void ring_reader::close() noexcept {
    if (att_.control != nullptr) {
        ring_control& c = *att_.control;
        // The last end out removes the name: the creator, or the reader of a ring whose writer
        // closed or died after leaving messages for it.
        const bool writer_done =
            !detail::end_unattached(c.writer) && detail::peer_status(c.writer).code() != errc::ok;
        att_.detach(c.reader, c.writer, consumer_.space_bell(), att_.created || writer_done);
        holding_ = false;
    }
}

}  // namespace ipc
