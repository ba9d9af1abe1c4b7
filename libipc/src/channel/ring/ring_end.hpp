#pragma once
// One end of a ring over any region (internal). ring_writer and ring_reader hold one of these
// behind an opaque pointer; duplex and broker channels use the same ends over their memfds.
//
// An attachment is what the openers (ring_attach.cpp) hand over: the mapped region, where it
// came from (a name, or nothing for an adopted memfd), the doorbell fds, the validated geometry
// and start indices, and telemetry. The ends add the waiting, drop counting, liveness checks and
// counters, the same whatever the region's source.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "channel/ring/ring_layout.hpp"
#include "channel/ring/spsc_ring.hpp"
#include "core/stamp_clock.hpp"
#include "ipc/error.hpp"
#include "ipc/fd.hpp"
#include "ipc/mapping.hpp"
#include "ipc/ring.hpp"
#include "ipc/telemetry.hpp"
#include "ipc/wait_strategy.hpp"
#include "sync/end_holder.hpp"

namespace ipc::detail {

inline constexpr std::uint64_t latency_sample_interval = 16;

inline constexpr std::uint64_t ring_peer_check_ns =
    std::chrono::nanoseconds(peer_check_interval).count();
// A blocked call whose sleeps end when the peer exits (its pidfd) checks the peer, and beats
// the process's heartbeat, this often: only a peer that closed without a ring needs a look.
inline constexpr std::uint64_t watched_peer_check_ns = 1'000'000'000;

struct ring_attachment {
    ring_attachment() noexcept = default;
    ring_attachment(ring_attachment&& other) noexcept;
    ring_attachment& operator=(ring_attachment&& other) noexcept;
    // Gives the claimed end back unless detach() did: an open that fails after its claim
    // (an allocation that throws, a start that fails) never leaves the end held by a live pid.
    ~ring_attachment();
    void give_back_claim() noexcept;

    unique_fd fd;
    mapping map;
    unique_fd data_ready;    // eventfd doorbell: the writer wakes the reader through it
    unique_fd space_ready;   // eventfd doorbell: the reader wakes the writer through it
    unique_fd peer_process;  // the peer's pidfd, or its connection's socket (ring_adopter)
    short peer_events = 0;   // what says the peer went: POLLIN (pidfd), POLLRDHUP (socket)
    std::string object;      // the shm object name; empty for an adopted region
    std::string name;
    bool created = false;
    bool keep_segment = false;
    wait_strategy wait = wait_strategy::adaptive;
    telemetry::endpoint counters;
    error telemetry_error;  // why counters is empty although telemetry was wanted
    // The end this attachment claimed, in `map`; set once map holds the mapping, cleared when
    // released.
    layout::end_holder* claimed = nullptr;
    layout::ring_control* control = nullptr;
    std::byte* data = nullptr;
    // Validated once at attach; never re-read from the shared (untrusted) control block.
    ring_geometry geometry{};
    ring_start start{};  // validated indices the end starts from

    // Marks `mine` closed, rings the peer's doorbell so a sleeping peer notices at once, removes
    // the name when `remove_name` (and keep_segment is off), and unmaps.
    void detach(layout::end_holder& mine, const layout::end_holder& peer, doorbell& peer_bell,
                bool remove_name) noexcept;
    // Whether the name still refers to this segment (always, for an adopted region).
    bool still_named() const noexcept;
};

// The openers (ring_attach.cpp): the named segment, created or attached, or a handed-over
// region; either way with `writer`'s end claimed and telemetry registered.
result<ring_attachment> attach_named_ring(std::string_view name, const ring_options& o,
                                          bool writer);
result<ring_attachment> adopt_ring(std::string_view name, ring_fds fds, const ring_options& o,
                                   bool writer, layout::channel_kind kind);

// The ends of handed-over rings that serve another channel family (duplex): a ring's ends in
// every way, registered in telemetry as `kind`'s, so that observers show the family.
struct ring_adopter {
    static result<ring_writer> writer(layout::channel_kind kind, std::string_view name,
                                      ring_fds fds, const ring_options& o);
    static result<ring_reader> reader(layout::channel_kind kind, std::string_view name,
                                      ring_fds fds, const ring_options& o);
    // Watches `peer_process` (a pidfd), as ring_fds::peer_process would have, for an end that
    // was adopted before its peer's process existed.
    static void watch(ring_writer& end, unique_fd peer_process) noexcept;
    static void watch(ring_reader& end, unique_fd peer_process) noexcept;
};

// What both ends do about the attachment and the peer.
class ring_end {
  public:
    explicit ring_end(ring_attachment att) noexcept : att_(std::move(att)) {}
    ring_end(const ring_end&) = delete;
    ring_end& operator=(const ring_end&) = delete;

    const ring_geometry& geometry() const noexcept { return att_.geometry; }
    bool is_open() const noexcept { return att_.control != nullptr; }
    const error& telemetry_error() const noexcept { return att_.telemetry_error; }

  protected:
    // Whether the watched peer process (ring_fds::peer_process) has exited: one poll.
    bool peer_process_exited() const noexcept;
    // How often a call blocked on `bell` checks the peer: each peer_check_interval, or, when
    // `bell`'s sleeps watch the peer's pidfd, watched_peer_check_ns (a busy-spinning waiter never
    // sleeps, so it keeps checking).
    std::uint64_t peer_check_ns(const doorbell& bell) const noexcept {
        return bell.watches_peer() && att_.wait != wait_strategy::busy_spin ? watched_peer_check_ns
                                                                            : ring_peer_check_ns;
    }
    // Records the peer's pid in telemetry once it has attached (it may attach after us). Until
    // then each call is one load of the peer's owner word; afterwards a compare.
    void track_peer(const layout::end_holder& peer) noexcept;
    // The peer check of a blocked call (wait_loop): ok, peer_closed or peer_gone. A peer that
    // never attached is waited for only while the name still refers to this segment: once it is
    // removed or replaced, nobody can attach any more (peer_gone). A dead peer is forgotten so a
    // successor is tracked in its place.
    error peer_check(const layout::end_holder& peer) noexcept;
    // The peer check of a blocked call, made after each sleep that found nothing: such a sleep
    // may have been the peer's close (one load tells) or its exit (the watched fd fired), and is
    // more often a stale ring; the costly look at the peer's process (/proc) is made only then,
    // or when one is due (peer_check_due).
    error peer_check_in_wait(const layout::end_holder& peer, const doorbell& bell) noexcept {
        if (end_closed(peer) || bell.peer_exited()) {
            last_peer_check_ = clock_.now();
            peer_status_ = peer_check(peer);
            return peer_status_;
        }
        return peer_check_due(peer, clock_.now());
    }
    // peer_check at most once per peer_check_interval of `now` (a stamp of clock_; 0, as
    // before the first commit, checks nothing); the last answer in between.
    error peer_check_due(const layout::end_holder& peer, std::uint64_t now) noexcept {
        if (check_due_at(now)) {
            last_peer_check_ = now;
            peer_status_ = peer_check(peer);
        }
        return peer_status_;
    }
    // Whether peer_check_due(now) would look at the peer: a compare of raw stamps (a stamp that
    // seems older than the last check, from another core's TSC, makes it due: harmless).
    bool check_due_at(std::uint64_t now) const noexcept {
        return now != 0 && (last_peer_check_ == 0 || now - last_peer_check_ >= peer_check_span_);
    }
    // After a try found `nothing` (empty, queue_full): with the eventfd doorbell, arms `bell`
    // and tries once more. A re-arm follows a ring, which may have been the peer's close (a
    // killed peer never rings): its state word is looked at then, one load, and a closed peer
    // is reported at once.
    template <class Attempt, class Result>
    Result arm_and_retry(doorbell& bell, const layout::end_holder& peer, Attempt&& attempt,
                         Result nothing) noexcept;

    ring_attachment att_;
    const stamp_clock clock_ = process_stamp_clock();  // a copy: no load of the shared one
    const std::uint64_t peer_check_span_ = clock_.stamps_in(ring_peer_check_ns);
    std::int32_t peer_pid_ = 0;
    std::uint64_t last_peer_check_ = 0;  // stamp; 0: never checked
    error peer_status_;
};

class ring_writer_end : public ring_end {
  public:
    explicit ring_writer_end(ring_attachment att, const ring_options& o) noexcept;
    // recover() of the producer: corrupt when the published indices cannot be reconciled.
    result<void> start() noexcept;

    result<std::span<std::byte>> reserve_until(std::size_t length, const deadline& until) noexcept;
    result<void> commit(std::size_t length) noexcept;
    result<void> send(std::span<const std::byte> message, const deadline& until) noexcept;
    bool reader_alive() const noexcept;
    void watch_peer(unique_fd peer_process) noexcept;
    int wait_fd() const noexcept { return att_.space_ready.get(); }
    std::uint64_t close() noexcept;

  private:
    // reserve_until past its hot path: waits, the reader's liveness, refusals counted. `at` is
    // what the first try gave.
    result<std::span<std::byte>> reserve_slowly(std::size_t length, const deadline& until,
                                                std::byte* at) noexcept;
    // The queue depth, each time the producer has just looked at the reader's index (the only
    // moment it knows it exactly).
    void publish_depth() noexcept {
        if (producer_.take_fresh_depth()) {
            att_.counters.set_queue_depth(producer_.depth_messages());
        }
    }

    spsc_producer producer_;
    std::uint64_t last_commit_ = 0;  // stamp of the last commit
};

class ring_reader_end : public ring_end {
  public:
    explicit ring_reader_end(ring_attachment att, const ring_options& o) noexcept;

    result<message_view> read(const deadline& until) noexcept;
    void release() noexcept;
    result<std::size_t> receive(std::span<std::byte> buffer, const deadline& until) noexcept;
    bool writer_alive() const noexcept;
    void watch_peer(unique_fd peer_process) noexcept;
    int wait_fd() const noexcept { return att_.data_ready.get(); }
    void close() noexcept;

  private:
    // read() past its hot path: waits, the writer's liveness, refusals counted.
    result<message_view> read_slowly(const deadline& until) noexcept;
    // Hands out a peeked record, counting it the first time.
    message_view take(const record_view& record) noexcept;
    // The queue depth when it changed (never, while the reader keeps up).
    void publish_depth() noexcept {
        const std::uint64_t depth = consumer_.depth_messages();
        if (depth != published_depth_) {
            published_depth_ = depth;
            att_.counters.set_queue_depth(depth);
        }
    }

    spsc_consumer consumer_;
    std::uint64_t published_depth_ = 0;
    // Messages taken since a read last found the ring empty. Every message that follows such a
    // read (a wait, or a try that found nothing) is timed; in a backlog, one in
    // latency_sample_interval is (the others queued behind it), so that a reader catching up does
    // not spend a clock read on each message (docs/LAYOUT.md 5.3).
    std::uint64_t backlog_run_ = 0;
    bool holding_ = false;
};

// What says a watched peer went (ring_attachment::peer_events): a pidfd turns readable when its
// process exits; a socket is watched for its hang-up alone.
short peer_events_of(const unique_fd& watched) noexcept;

// The rings of a family that hands them over (duplex, broker): eventfd doorbells, and the
// sizes, wait strategy and telemetry of the family's options.
template <class FamilyOptions>
ring_options eventfd_ring_options(const FamilyOptions& o) {
    ring_options r;
    r.max_message = o.max_message;
    r.capacity = o.capacity;
    r.wait = o.wait;
    r.doorbell = doorbell_kind::eventfd;
    r.telemetry = o.telemetry;
    return r;
}

// How often an end sleeps (doorbell.hpp): a blocking waiter on every wait, an eventfd end on
// every wait an event loop makes, an adaptive one as its traffic's pace says.
inline sleep_mode sleep_mode_of(const ring_options& o) noexcept {
    return sleep_mode_for(o.wait, o.doorbell == doorbell_kind::eventfd);
}

template <class Attempt, class Result>
Result ring_end::arm_and_retry(doorbell& bell, const layout::end_holder& peer, Attempt&& attempt,
                               Result nothing) noexcept {
    if (bell.event_fd() < 0 || !bell.arm()) {
        return nothing;
    }
    auto r = attempt();
    if (r.code() == nothing.code() && end_closed(peer)) {
        last_peer_check_ = clock_.now();
        peer_status_ = peer_check(peer);
    }
    return r;
}

}  // namespace ipc::detail
