// ZIPC sender (ipc/zipc.hpp): checks before it writes, publishes with a release store of tail,
// and always wakes (the format has no "someone sleeps" word, so a reference receiver in
// FUTEX_WAIT is woken only this way).

#include <cstring>

#include "channel/zipc/zipc_end.hpp"
#include "ipc/detail/atomic.hpp"
#include "ipc/futex.hpp"
#include "sync/polling_bell.hpp"
#include "sync/wait_loop.hpp"

namespace ipc {

struct zipc_sender::state : detail::zipc::end {
    std::uint32_t first_head = 0;  // head when this sender opened: a move means a receiver
    result<void> attempt(std::span<const std::byte> message) noexcept;
};

result<void> zipc_sender::state::attempt(std::span<const std::byte> message) noexcept {
    // tail is ours alone: relaxed. head (acquire): the receiver's release of the slots it
    // freed, so that the copy below cannot overwrite a slot it still reads.
    const std::uint32_t tail = detail::load(seg.tail(), std::memory_order_relaxed);
    const std::uint32_t head = detail::load(seg.head(), std::memory_order_acquire);
    if (!in_range(tail) || !in_range(head)) {  // counted dropped by send(), as every refusal
        return error{errc::corrupt, "the ZIPC indices are out of range"};
    }
    if (head != first_head) {
        note_work();  // a receiver gave slots back
    }
    const std::uint32_t next = (tail + 1) % seg.shape.slots;
    if (next == head) {
        return error{errc::queue_full, "the ZIPC ring is full"};
    }
    if (!message.empty()) {  // a zero-length message may come with no buffer at all
        std::memcpy(seg.slot(tail), message.data(), message.size());
    }
    detail::store(seg.length(tail), std::uint64_t{message.size()}, std::memory_order_relaxed);
    // Release: the receiver that sees the new tail sees the slot and its length.
    detail::store(seg.tail(), next, std::memory_order_release);
    futex::wake(&seg.tail(), 1);
    ++stats.sent;
    counters.on_sent(message.size(), clock.now());
    return {};
}

zipc_sender::zipc_sender() noexcept = default;
zipc_sender::zipc_sender(zipc_sender&&) noexcept = default;
zipc_sender& zipc_sender::operator=(zipc_sender&&) noexcept = default;
zipc_sender::~zipc_sender() {
    close();
}

result<zipc_sender> zipc_sender::open(const std::string& name, const zipc_options& options) {
    auto e = detail::zipc::open_end(name, options, layout::endpoint_role::writer);
    if (!e) {
        return e.error_value();
    }
    zipc_sender s;
    const std::uint32_t head = detail::load(e->seg.head(), std::memory_order_relaxed);
    s.state_ = std::make_unique<state>(state{std::move(*e), head});
    return s;
}

result<void> zipc_sender::try_send(std::span<const std::byte> message) {
    return send(message, std::chrono::nanoseconds(0));
}

result<void> zipc_sender::send(std::span<const std::byte> message,
                               std::chrono::nanoseconds timeout) {
    if (!state_) {
        return error{errc::closed, "the ZIPC sender is closed"};
    }
    auto& s = *state_;
    if (message.size() > s.seg.shape.message_size) {
        ++s.stats.dropped;
        s.counters.on_dropped();
        return error{errc::message_too_large, "the message is longer than the ZIPC slot"};
    }
    const deadline until(timeout);
    auto r = until.immediate()
                 ? s.attempt(message)
                 : detail::wait_loop(
                       s.options.strategy, until,
                       static_cast<std::uint64_t>(s.options.peer_check_interval.count()),
                       errc::queue_full, [&] { return s.attempt(message); }, detail::polling_bell{},
                       [&] { return s.peer_check(); });
    if (!r) {
        ++s.stats.dropped;
        s.counters.on_dropped();
    }
    return r;
}

zipc_stats zipc_sender::stats() const noexcept {
    return state_ ? state_->stats : zipc_stats{};
}

void* zipc_sender::base() const noexcept {
    return state_ ? state_->seg.map.data() : nullptr;
}

void zipc_sender::close() noexcept {
    if (state_) {
        state_->counters.close();
        state_.reset();
    }
}

}  // namespace ipc
