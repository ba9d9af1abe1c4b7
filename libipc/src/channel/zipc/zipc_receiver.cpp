// ZIPC receiver (ipc/zipc.hpp): hands out each message in its slot, giving the slot back at
// once as the spec's consumer does (the ring's one spare slot is the one just read, so the
// sender cannot reach it before the next receive); sleeps on the tail word between slices of
// under a second, as the format's futex protocol has it.

#include "channel/zipc/zipc_end.hpp"
#include "ipc/detail/atomic.hpp"
#include "ipc/futex.hpp"
#include "sync/wait_loop.hpp"

namespace ipc {

namespace {

// The sender wakes the tail word after every message: sleep on it against the value seen.
struct tail_bell {
    std::uint32_t* tail;
    // The spec's receivers wait with a timeout below one second; so does this one.
    static constexpr std::uint64_t longest_sleep_ns = 999'000'000;
    std::uint32_t announce() const noexcept {
        return detail::load(*tail, std::memory_order_acquire);
    }
    void sleep(std::uint32_t seen, std::uint64_t timeout_ns) const noexcept {
        (void)futex::wait(tail, seen, std::min(timeout_ns, longest_sleep_ns));
    }
    void end() const noexcept {}
    bool wakes_for_peer() const noexcept { return false; }
};

}  // namespace

struct zipc_receiver::state : detail::zipc::end {
    result<std::span<const std::byte>> attempt() noexcept;
    error corrupt(const char* what) noexcept {
        ++stats.corrupt;
        counters.on_failed();
        return error{errc::corrupt, what};
    }
};

result<std::span<const std::byte>> zipc_receiver::state::attempt() noexcept {
    const std::uint32_t head = detail::load(seg.head(), std::memory_order_relaxed);  // ours
    // Acquire: the slot and length the sender wrote before it moved tail past them.
    const std::uint32_t tail = detail::load(seg.tail(), std::memory_order_acquire);
    if (!in_range(head) || !in_range(tail)) {
        return corrupt("the ZIPC indices are out of range");
    }
    if (tail == head) {
        return error{errc::empty, "the ZIPC ring is empty"};
    }
    const std::uint64_t length = detail::load(seg.length(head), std::memory_order_relaxed);
    // Release: the sender that sees the new head may reuse the slot before this one (the spare
    // slot), never this one until head moves again.
    detail::store(seg.head(), (head + 1) % seg.shape.slots, std::memory_order_release);
    if (length > seg.shape.message_size) {
        return corrupt("a ZIPC message's length is above the slot size");  // that slot skipped
    }
    note_work();
    ++stats.received;
    counters.on_received_at(length, clock.now());
    return std::span<const std::byte>(seg.slot(head), static_cast<std::size_t>(length));
}

zipc_receiver::zipc_receiver() noexcept = default;
zipc_receiver::zipc_receiver(zipc_receiver&&) noexcept = default;
zipc_receiver& zipc_receiver::operator=(zipc_receiver&&) noexcept = default;
zipc_receiver::~zipc_receiver() {
    close();
}

result<zipc_receiver> zipc_receiver::open(const std::string& name, const zipc_options& options) {
    auto e = detail::zipc::open_end(name, options, layout::endpoint_role::reader);
    if (!e) {
        return e.error_value();
    }
    zipc_receiver r;
    r.state_ = std::make_unique<state>(state{std::move(*e)});
    return r;
}

result<std::span<const std::byte>> zipc_receiver::try_receive() {
    if (!state_) {
        return error{errc::closed, "the ZIPC receiver is closed"};
    }
    return state_->attempt();
}

result<std::span<const std::byte>> zipc_receiver::receive(std::chrono::nanoseconds timeout) {
    if (!state_) {
        return error{errc::closed, "the ZIPC receiver is closed"};
    }
    auto& s = *state_;
    const deadline until(timeout);
    if (until.immediate()) {
        return s.attempt();
    }
    return detail::wait_loop(
        s.options.strategy, until,
        static_cast<std::uint64_t>(s.options.peer_check_interval.count()), errc::empty,
        [&] { return s.attempt(); }, tail_bell{&s.seg.tail()}, [&] { return s.peer_check(); });
}

zipc_stats zipc_receiver::stats() const noexcept {
    return state_ ? state_->stats : zipc_stats{};
}

void* zipc_receiver::base() const noexcept {
    return state_ ? state_->seg.map.data() : nullptr;
}

void zipc_receiver::close() noexcept {
    if (state_) {
        state_->counters.close();
        state_.reset();
    }
}

}  // namespace ipc
