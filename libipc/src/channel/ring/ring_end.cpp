#include "channel/ring/ring_end.hpp"

#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <utility>

#include "core/fd_kind.hpp"
#include "ipc/detail/atomic.hpp"
#include "ipc/shm.hpp"
#include "region/segment.hpp"
#include "sync/end_holder.hpp"

namespace ipc::detail {

ring_attachment::ring_attachment(ring_attachment&& other) noexcept
    : fd(std::move(other.fd)),
      map(std::move(other.map)),
      data_ready(std::move(other.data_ready)),
      space_ready(std::move(other.space_ready)),
      peer_process(std::move(other.peer_process)),
      peer_events(other.peer_events),
      object(std::move(other.object)),
      name(std::move(other.name)),
      created(other.created),
      keep_segment(other.keep_segment),
      wait(other.wait),
      counters(std::move(other.counters)),
      telemetry_error(other.telemetry_error),
      claimed(std::exchange(other.claimed, nullptr)),
      control(std::exchange(other.control, nullptr)),
      data(std::exchange(other.data, nullptr)),
      geometry(other.geometry),
      start(other.start) {}

// Only while this process still holds it: an end released elsewhere may have a new holder.
void ring_attachment::give_back_claim() noexcept {
    if (claimed != nullptr &&
        layout::owner_pid(load(claimed->owner, std::memory_order_acquire)) == ::getpid()) {
        release_end(*claimed);
    }
    claimed = nullptr;
}

ring_attachment::~ring_attachment() {
    give_back_claim();
}

ring_attachment& ring_attachment::operator=(ring_attachment&& other) noexcept {
    if (this != &other) {
        give_back_claim();
        fd = std::move(other.fd);
        map = std::move(other.map);
        data_ready = std::move(other.data_ready);
        space_ready = std::move(other.space_ready);
        peer_process = std::move(other.peer_process);
        peer_events = other.peer_events;
        object = std::move(other.object);
        name = std::move(other.name);
        created = other.created;
        keep_segment = other.keep_segment;
        wait = other.wait;
        counters = std::move(other.counters);
        telemetry_error = other.telemetry_error;
        claimed = std::exchange(other.claimed, nullptr);
        control = std::exchange(other.control, nullptr);
        data = std::exchange(other.data, nullptr);
        geometry = other.geometry;
        start = other.start;
    }
    return *this;
}

void ring_attachment::detach(layout::end_holder& mine, const layout::end_holder& peer,
                             doorbell& peer_bell, bool remove_name) noexcept {
    release_end(mine);
    claimed = nullptr;
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
    data = nullptr;
    map.reset();
    fd.reset();
    data_ready.reset();
    space_ready.reset();
    peer_process.reset();  // a connection's socket duplicate: its close is the peer's hang-up
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

short peer_events_of(const unique_fd& watched) noexcept {
    if (!watched.valid()) {
        return 0;
    }
    return is_pidfd(watched.get()) ? POLLIN : POLLRDHUP;
}

bool ring_end::peer_process_exited() const noexcept {
    if (!att_.peer_process.valid()) {
        return false;
    }
    pollfd p{att_.peer_process.get(), att_.peer_events, 0};
    return ::poll(&p, 1, 0) == 1;
}

void ring_end::track_peer(const layout::end_holder& peer) noexcept {
    if (peer_pid_ == 0 && att_.counters.active()) {
        peer_pid_ = end_pid(peer);
        att_.counters.set_peer(peer_pid_);
    }
}

error ring_end::peer_check(const layout::end_holder& peer) noexcept {
    error status = peer_status(peer);
    if (status.code() == errc::ok && end_unattached(peer) && !att_.still_named()) {
        status = error{errc::peer_gone, "the ring was removed or replaced before a peer attached"};
    }
    if (status.code() == errc::ok && end_unattached(peer) && peer_process_exited()) {
        status = error{errc::peer_gone, "the peer process exited before it attached"};
    }
    if (status.code() != errc::ok) {
        peer_pid_ = 0;
    }
    return status;
}

}  // namespace ipc::detail
