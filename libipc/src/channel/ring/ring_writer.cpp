// The writer end of a ring, over any region: reservations, drops, the reader's liveness, close.

#include <cstring>

#include "channel/ring/ring_end.hpp"
#include "ipc/detail/atomic.hpp"
#include "sync/end_holder.hpp"
#include "sync/wait_loop.hpp"

namespace ipc {

namespace detail {

// Also how the constructor sets up the bells (`peer_process` may be none).
void ring_writer_end::watch_peer(unique_fd peer_process) noexcept {
    att_.peer_process = std::move(peer_process);
    att_.peer_events = peer_events_of(att_.peer_process);
    producer_.data_bell().use_eventfd(att_.data_ready.get(), att_.peer_process.get(),
                                      att_.peer_events);
    producer_.space_bell().use_eventfd(att_.space_ready.get(), att_.peer_process.get(),
                                       att_.peer_events);
}

ring_writer_end::ring_writer_end(ring_attachment att, const ring_options& o) noexcept
    : ring_end(std::move(att)), producer_(att_.control, att_.data, att_.geometry, att_.start) {
    watch_peer(std::move(att_.peer_process));
    producer_.space_bell().publish_sleep_mode(sleep_mode_of(o));
}

result<void> ring_writer_end::start() noexcept {
    if (auto ok = producer_.recover(); !ok) {
        release_end(att_.control->writer);
        att_.claimed = nullptr;  // released: the attachment must not release it again
        att_.control = nullptr;  // the end is not ours any more: close() must not touch it
        return ok.error_value();
    }
    track_peer(att_.control->reader);
    return {};
}

result<std::span<std::byte>> ring_writer_end::reserve_until(std::size_t length,
                                                            const deadline& until) noexcept {
    if (att_.control == nullptr) {
        return error{errc::closed, "the ring writer is closed"};
    }
    // The hot path: room at once, the reader fine when last looked at, and no look due.
    std::byte* at = producer_.try_reserve(length);
    if (at != nullptr && peer_status_.code() == errc::ok && !check_due_at(last_commit_)) {
        publish_depth();
        return std::span<std::byte>(at, length);
    }
    return reserve_slowly(length, until, at);
}

result<std::span<std::byte>> ring_writer_end::reserve_slowly(std::size_t length,
                                                             const deadline& until,
                                                             std::byte* at) noexcept {
    using reservation = result<std::span<std::byte>>;
    auto attempt = [&]() -> reservation {
        if (std::byte* p = producer_.try_reserve(length)) {
            return std::span<std::byte>(p, length);
        }
        return producer_.refusal();
    };
    reservation span = at != nullptr ? reservation(std::span<std::byte>(at, length))
                                     : reservation(producer_.refusal());
    if (span.code() == errc::queue_full && !until.passed(monotonic_ns())) {
        span = wait_loop(
            att_.wait, until, peer_check_ns(producer_.space_bell()), errc::queue_full, attempt,
            producer_.space_bell(),
            [&] { return peer_check_in_wait(att_.control->reader, producer_.space_bell()); });
    }
    if (span.code() == errc::queue_full) {
        span =
            arm_and_retry(producer_.space_bell(), att_.control->reader, attempt, std::move(span));
    }
    if (span.code() == errc::queue_full && !until.immediate()) {
        // Also where the deadline passed before the first look: a timed send reports its
        // deadline, not a try-send's `queue_full`.
        span = error{errc::timeout, "no room before the deadline"};
    }
    // The reader is checked on the send path too, at most once per peer_check_interval: timed
    // by the last commit's time stamp (read anyway for the record) while sends go through, by
    // the clock once one is refused or the reader is known gone (a full ring's writer that only
    // tries must learn that the reader died; a gone reader's successor must be noticed). A
    // reservation made meanwhile is simply not used: nothing is published before commit.
    const bool flowing = span.has_value() && peer_status_.code() == errc::ok;
    if (error reader = peer_check_due(att_.control->reader, flowing ? last_commit_ : clock_.now());
        reader.code() != errc::ok) {
        producer_.cancel();  // a reservation made meanwhile must not be committed
        span = reader;
    }
    publish_depth();
    if (!span) {
        // Refused for room, time or size: the message is not sent and counts as dropped.
        const errc code = span.code();
        if (code == errc::queue_full || code == errc::timeout || code == errc::message_too_large ||
            code == errc::peer_gone || code == errc::peer_closed) {
            att_.counters.on_dropped();
        } else {
            att_.counters.on_failed();
        }
    }
    return span;
}

result<void> ring_writer_end::commit(std::size_t length) noexcept {
    if (att_.control == nullptr) {
        return error{errc::closed, "the ring writer is closed"};
    }
    const std::uint64_t now = clock_.now();
    if (!producer_.commit(length, now)) {
        return error{errc::invalid_argument, producer_.reserved()
                                                 ? "commit of more bytes than were reserved"
                                                 : "commit without a reservation"};
    }
    last_commit_ = now;
    att_.counters.on_sent(length, now);
    track_peer(att_.control->reader);
    return {};
}

result<void> ring_writer_end::send(std::span<const std::byte> message,
                                   const deadline& until) noexcept {
    auto span = reserve_until(message.size(), until);
    if (!span) {
        return span.error_value();
    }
    if (!message.empty()) {
        std::memcpy(span->data(), message.data(), message.size());
    }
    return commit(message.size());
}

bool ring_writer_end::reader_alive() const noexcept {
    return att_.control != nullptr && end_pid(att_.control->reader) != 0 &&
           end_alive(att_.control->reader);
}

std::uint64_t ring_writer_end::close() noexcept {
    if (att_.control == nullptr) {
        return 0;
    }
    layout::ring_control& c = *att_.control;
    const bool unread = holds_unread(c, att_.data, att_.geometry);
    // Unread messages stay for a reader that has not attached yet, while it still can (the
    // ring is still named). One that attached keeps its mapping while it lives; if it died or
    // closed, nobody will read them: say so and count them.
    const bool unattached = end_unattached(c.reader);
    const bool reader_coming = unread && unattached && att_.still_named();
    const bool reader_gone = unattached ? !reader_coming : peer_status(c.reader).code() != errc::ok;
    std::uint64_t lost = 0;
    if (unread && reader_gone) {
        const std::uint64_t written = producer_.written_count();
        const std::uint64_t read = load(c.read_count, std::memory_order_acquire);
        lost = written > read ? written - read : 0;
        att_.counters.on_dropped(lost);
    }
    att_.detach(c.writer, c.reader, producer_.data_bell(), att_.created && !reader_coming);
    producer_.cancel();
    return lost;
}

}  // namespace detail

// ---- the public writer: an opaque handle on its end ----

namespace {
const error writer_closed{errc::closed, "the ring writer is closed"};
}  // namespace

ring_writer::ring_writer() noexcept = default;
ring_writer::ring_writer(ring_writer&&) noexcept = default;
ring_writer::ring_writer(std::unique_ptr<detail::ring_writer_end> end) noexcept
    : end_(std::move(end)) {}

ring_writer& ring_writer::operator=(ring_writer&& other) noexcept {
    if (this != &other) {
        close();
        end_ = std::move(other.end_);
    }
    return *this;
}

ring_writer::~ring_writer() {
    close();
}

result<ring_writer> ring_writer::open(std::string_view name, const ring_options& options) {
    auto att = detail::attach_named_ring(name, options, true);
    if (!att) {
        return att.error_value();
    }
    return from(std::make_unique<detail::ring_writer_end>(std::move(*att), options));
}

result<ring_writer> ring_writer::adopt(std::string_view name, ring_fds fds,
                                       const ring_options& options) {
    return detail::ring_adopter::writer(layout::channel_kind::ring, name, std::move(fds), options);
}

void detail::ring_adopter::watch(ring_writer& end, unique_fd peer_process) noexcept {
    if (end.end_) {
        end.end_->watch_peer(std::move(peer_process));
    }
}

result<ring_writer> detail::ring_adopter::writer(layout::channel_kind kind, std::string_view name,
                                                 ring_fds fds, const ring_options& o) {
    auto att = detail::adopt_ring(name, std::move(fds), o, true, kind);
    if (!att) {
        return att.error_value();
    }
    return ring_writer::from(std::make_unique<detail::ring_writer_end>(std::move(*att), o));
}

result<ring_writer> ring_writer::from(std::unique_ptr<detail::ring_writer_end> end) {
    if (auto ok = end->start(); !ok) {
        return ok.error_value();
    }
    return ring_writer(std::move(end));
}

result<void> ring_writer::try_send(std::span<const std::byte> message) noexcept {
    return end_ ? end_->send(message, deadline(std::chrono::nanoseconds::zero()))
                : result<void>(writer_closed);
}

result<void> ring_writer::send(std::span<const std::byte> message,
                               std::chrono::nanoseconds timeout) noexcept {
    return end_ ? end_->send(message, deadline(timeout)) : result<void>(writer_closed);
}

result<std::span<std::byte>> ring_writer::try_reserve(std::size_t length) noexcept {
    return end_ ? end_->reserve_until(length, deadline(std::chrono::nanoseconds::zero()))
                : result<std::span<std::byte>>(writer_closed);
}

result<std::span<std::byte>> ring_writer::reserve(std::size_t length,
                                                  std::chrono::nanoseconds timeout) noexcept {
    return end_ ? end_->reserve_until(length, deadline(timeout))
                : result<std::span<std::byte>>(writer_closed);
}

result<void> ring_writer::commit(std::size_t length) noexcept {
    return end_ ? end_->commit(length) : result<void>(writer_closed);
}

int ring_writer::wait_fd() const noexcept {
    return end_ ? end_->wait_fd() : -1;
}

bool ring_writer::reader_alive() const noexcept {
    return end_ && end_->reader_alive();
}

std::uint64_t ring_writer::close() noexcept {
    return end_ ? end_->close() : 0;
}

std::uint32_t ring_writer::max_message() const noexcept {
    return end_ ? end_->geometry().max_message : 0;
}

std::uint64_t ring_writer::capacity() const noexcept {
    return end_ ? end_->geometry().capacity : 0;
}

bool ring_writer::is_open() const noexcept {
    return end_ && end_->is_open();
}

error ring_writer::telemetry_error() const noexcept {
    return end_ ? end_->telemetry_error() : error{};
}

}  // namespace ipc
