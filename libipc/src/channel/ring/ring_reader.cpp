// The reader end of a ring, over any region: reads (zero-copy or copying), latency, the
// writer's liveness, close.

#include <cstring>

#include "channel/ring/ring_end.hpp"
#include "sync/end_holder.hpp"
#include "sync/wait_loop.hpp"

namespace ipc {

namespace detail {

// Also how the constructor sets up the bells (`peer_process` may be none).
void ring_reader_end::watch_peer(unique_fd peer_process) noexcept {
    att_.peer_process = std::move(peer_process);
    att_.peer_events = peer_events_of(att_.peer_process);
    consumer_.data_bell().use_eventfd(att_.data_ready.get(), att_.peer_process.get(),
                                      att_.peer_events);
    consumer_.space_bell().use_eventfd(att_.space_ready.get(), att_.peer_process.get(),
                                       att_.peer_events);
}

ring_reader_end::ring_reader_end(ring_attachment att, const ring_options& o) noexcept
    : ring_end(std::move(att)), consumer_(att_.control, att_.data, att_.geometry, att_.start) {
    watch_peer(std::move(att_.peer_process));
    consumer_.data_bell().publish_sleep_mode(sleep_mode_of(o));
    track_peer(att_.control->writer);
}

result<message_view> ring_reader_end::read(const deadline& until) noexcept {
    if (att_.control == nullptr) {
        return error{errc::closed, "the ring reader is closed"};
    }
    if (const record_view* record = consumer_.try_peek()) {
        return take(*record);
    }
    return read_slowly(until);
}

result<message_view> ring_reader_end::read_slowly(const deadline& until) noexcept {
    using peeked = result<const record_view*>;
    auto attempt = [&]() -> peeked {
        if (const record_view* r = consumer_.try_peek()) {
            return r;
        }
        return consumer_.refusal();
    };
    peeked record = consumer_.refusal();  // what read()'s try found
    if (record.code() == errc::empty) {
        backlog_run_ = 0;  // whatever comes next, waited for or not, follows an empty ring
    }
    if (record.code() == errc::empty && !until.passed(monotonic_ns())) {
        record = wait_loop(
            att_.wait, until, peer_check_ns(consumer_.data_bell()), errc::empty, attempt,
            consumer_.data_bell(),
            [&] { return peer_check_in_wait(att_.control->writer, consumer_.data_bell()); });
    }
    if (record.code() == errc::empty) {
        record =
            arm_and_retry(consumer_.data_bell(), att_.control->writer, attempt, std::move(record));
    }
    if (record.code() == errc::empty) {
        publish_depth();  // 0 now
        // Even a reader that only polls learns that the writer closed or died, once it has
        // received everything the writer sent.
        if (const error writer = peer_check_due(att_.control->writer, clock_.now());
            writer.code() != errc::ok) {
            record = attempt();
            if (record.code() == errc::empty) {
                return writer;
            }
        }
        if (record.code() == errc::empty && !until.immediate()) {
            // Also where the deadline passed before the first look (a short timeout on a slow
            // machine): a timed call reports its deadline, not a try-call's `empty`.
            return error{errc::timeout, "no message before the deadline"};
        }
    }
    if (!record) {
        if (record.code() == errc::corrupt) {
            att_.counters.on_failed();
        }
        return record.error_value();
    }
    return take(**record);
}

message_view ring_reader_end::take(const record_view& record) noexcept {
    if (!holding_) {
        holding_ = true;
        if (att_.counters.active()) {
            // A stamp of 0 is none (no writer stamps 0): counted, not timed.
            if (backlog_run_++ % latency_sample_interval == 0 && record.send_stamp != 0) {
                const std::uint64_t now = clock_.now();
                att_.counters.on_received(record.length, now,
                                          clock_.elapsed_ns(record.send_stamp, now));
                track_peer(att_.control->writer);
            } else {
                att_.counters.on_received(record.length);
            }
            publish_depth();
        }
    }
    return message_view{{record.data, record.length}, timestamp(record.send_stamp)};
}

void ring_reader_end::release() noexcept {
    if (att_.control != nullptr && holding_) {
        holding_ = false;
        consumer_.release();
    }
}

result<std::size_t> ring_reader_end::receive(std::span<std::byte> buffer,
                                             const deadline& until) noexcept {
    auto view = read(until);
    if (!view) {
        return view.error_value();
    }
    if (buffer.size() < view->payload.size()) {
        return error{errc::invalid_argument, "receive buffer is smaller than the message"};
    }
    if (!view->payload.empty()) {
        std::memcpy(buffer.data(), view->payload.data(), view->payload.size());
    }
    release();
    return view->payload.size();
}

bool ring_reader_end::writer_alive() const noexcept {
    return att_.control != nullptr && end_pid(att_.control->writer) != 0 &&
           end_alive(att_.control->writer);
}

void ring_reader_end::close() noexcept {
    if (att_.control != nullptr) {
        layout::ring_control& c = *att_.control;
        // The last end out removes the name: the creator, or the reader of a ring whose writer
        // closed or died after leaving messages for it.
        const bool writer_done =
            !end_unattached(c.writer) && peer_status(c.writer).code() != errc::ok;
        att_.detach(c.reader, c.writer, consumer_.space_bell(), att_.created || writer_done);
        holding_ = false;
    }
}

}  // namespace detail

// ---- the public reader: an opaque handle on its end ----

namespace {
const error reader_closed{errc::closed, "the ring reader is closed"};
}  // namespace

ring_reader::ring_reader() noexcept = default;
ring_reader::ring_reader(ring_reader&&) noexcept = default;
ring_reader::ring_reader(std::unique_ptr<detail::ring_reader_end> end) noexcept
    : end_(std::move(end)) {}

ring_reader& ring_reader::operator=(ring_reader&& other) noexcept {
    if (this != &other) {
        close();
        end_ = std::move(other.end_);
    }
    return *this;
}

ring_reader::~ring_reader() {
    close();
}

result<ring_reader> ring_reader::open(std::string_view name, const ring_options& options) {
    auto att = detail::attach_named_ring(name, options, false);
    if (!att) {
        return att.error_value();
    }
    return ring_reader(std::make_unique<detail::ring_reader_end>(std::move(*att), options));
}

result<ring_reader> ring_reader::adopt(std::string_view name, ring_fds fds,
                                       const ring_options& options) {
    return detail::ring_adopter::reader(layout::channel_kind::ring, name, std::move(fds), options);
}

void detail::ring_adopter::watch(ring_reader& end, unique_fd peer_process) noexcept {
    if (end.end_) {
        end.end_->watch_peer(std::move(peer_process));
    }
}

result<ring_reader> detail::ring_adopter::reader(layout::channel_kind kind, std::string_view name,
                                                 ring_fds fds, const ring_options& o) {
    auto att = detail::adopt_ring(name, std::move(fds), o, false, kind);
    if (!att) {
        return att.error_value();
    }
    return ring_reader(std::make_unique<detail::ring_reader_end>(std::move(*att), o));
}

result<message_view> ring_reader::try_read() noexcept {
    return end_ ? end_->read(deadline(std::chrono::nanoseconds::zero()))
                : result<message_view>(reader_closed);
}

result<message_view> ring_reader::read(std::chrono::nanoseconds timeout) noexcept {
    return end_ ? end_->read(deadline(timeout)) : result<message_view>(reader_closed);
}

void ring_reader::release() noexcept {
    if (end_) {
        end_->release();
    }
}

result<std::size_t> ring_reader::try_receive(std::span<std::byte> buffer) noexcept {
    return end_ ? end_->receive(buffer, deadline(std::chrono::nanoseconds::zero()))
                : result<std::size_t>(reader_closed);
}

result<std::size_t> ring_reader::receive(std::span<std::byte> buffer,
                                         std::chrono::nanoseconds timeout) noexcept {
    return end_ ? end_->receive(buffer, deadline(timeout)) : result<std::size_t>(reader_closed);
}

int ring_reader::wait_fd() const noexcept {
    return end_ ? end_->wait_fd() : -1;
}

bool ring_reader::writer_alive() const noexcept {
    return end_ && end_->writer_alive();
}

void ring_reader::close() noexcept {
    if (end_) {
        end_->close();
    }
}

std::uint32_t ring_reader::max_message() const noexcept {
    return end_ ? end_->geometry().max_message : 0;
}

std::uint64_t ring_reader::capacity() const noexcept {
    return end_ ? end_->geometry().capacity : 0;
}

bool ring_reader::is_open() const noexcept {
    return end_ && end_->is_open();
}

error ring_reader::telemetry_error() const noexcept {
    return end_ ? end_->telemetry_error() : error{};
}

}  // namespace ipc
