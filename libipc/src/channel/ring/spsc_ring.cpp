#include "channel/ring/spsc_ring.hpp"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstring>

#include "ipc/detail/atomic.hpp"

namespace ipc::detail {

using layout::commit_word;
using layout::record_header;
using layout::record_size;
using std::memory_order_acquire;
using std::memory_order_relaxed;
using std::memory_order_release;
using std::memory_order_seq_cst;

namespace {
constexpr std::uint64_t max_capacity = std::uint64_t{1} << 40;
constexpr std::uint32_t max_message_limit = 1u << 30;
}  // namespace

std::uint64_t ring_capacity_for(std::uint32_t max_message, std::uint64_t min_capacity) noexcept {
    const std::uint64_t need = std::max(2 * record_size(max_message), min_capacity);
    return std::bit_ceil(need);
}

result<ring_geometry> validate_ring(const layout::ring_control& control,
                                    std::uint64_t region_size) noexcept {
    const std::uint64_t capacity = load(control.capacity, memory_order_relaxed);
    const std::uint64_t data_offset = load(control.data_offset, memory_order_relaxed);
    const std::uint32_t max_message = load(control.max_message, memory_order_relaxed);
    const std::uint32_t doorbell = load(control.doorbell, memory_order_relaxed);
    if (doorbell != layout::ring_doorbell_futex && doorbell != layout::ring_doorbell_eventfd) {
        return error{errc::corrupt, "ring doorbell kind is unknown"};
    }
    if (capacity == 0 || capacity > max_capacity || !std::has_single_bit(capacity)) {
        return error{errc::corrupt, "ring capacity is not a power of two in range"};
    }
    if (max_message == 0 || max_message > max_message_limit ||
        2 * record_size(max_message) > capacity) {
        return error{errc::corrupt, "ring max_message does not fit its capacity"};
    }
    if (data_offset % layout::cache_line != 0 || data_offset > region_size ||
        capacity > region_size - data_offset) {
        return error{errc::corrupt, "ring data area lies outside the region"};
    }
    return ring_geometry{capacity, max_message, doorbell};
}

result<ring_start> load_start(const layout::ring_control& control,
                              const ring_geometry& geometry) noexcept {
    ring_start s{};
    // Acquire: pairs with the releases of a previous holder of either end.
    s.write_index = load(control.write_index, memory_order_acquire);
    s.read_index = load(control.read_index, memory_order_acquire);
    s.write_count = load(control.write_count, memory_order_relaxed);
    s.read_count = load(control.read_count, memory_order_relaxed);
    // write_index may trail what the reader consumed: the writer stores it after the commit
    // word, and may have died in between (spsc_producer::recover rolls forward). That lag is at
    // most one record and its padding.
    const bool ahead = s.write_index >= s.read_index;
    const std::uint64_t gap = ahead ? s.write_index - s.read_index : s.read_index - s.write_index;
    if (gap > (ahead ? geometry.capacity : 2 * record_size(geometry.max_message)) ||
        s.write_index % layout::record_alignment != 0 ||
        s.read_index % layout::record_alignment != 0) {
        return error{errc::corrupt, "ring indices are out of range"};
    }
    return s;
}

bool holds_unread(const layout::ring_control& control, const std::byte* data,
                  const ring_geometry& geometry) noexcept {
    auto start = load_start(control, geometry);
    if (!start) {
        return true;
    }
    if (start->write_index > start->read_index) {
        return true;
    }
    const auto* header = reinterpret_cast<const record_header*>(
        data + (start->read_index & (geometry.capacity - 1)));
    // Acquire: pairs with the writer's release of the commit word.
    const std::uint32_t commit = load(header->commit, memory_order_acquire);
    return commit == commit_word(start->read_index, false) ||
           commit == commit_word(start->read_index, true);
}

void init_ring(layout::ring_control& control, const ring_geometry& geometry,
               std::uint64_t data_offset) noexcept {
    std::memset(&control, 0, sizeof control);
    control.capacity = geometry.capacity;
    control.data_offset = data_offset;
    control.max_message = geometry.max_message;
    control.doorbell = geometry.doorbell;
}

// ---- producer ----

spsc_producer::spsc_producer(layout::ring_control* control, std::byte* data, ring_geometry geometry,
                             const ring_start& start) noexcept
    : control_(control),
      data_(data),
      geometry_(geometry),
      write_(start.write_index),
      read_cache_(start.read_index),
      read_count_cache_(start.read_count),
      count_(start.write_count),
      space_bell_(&control->writer_sleeping, &control->space_seq, &control->writer_uses_membarrier),
      data_bell_(&control->reader_sleeping, &control->data_seq, &control->reader_uses_membarrier) {}

result<void> spsc_producer::recover() noexcept {
    const std::uint64_t mask = geometry_.capacity - 1;
    for (;;) {
        const std::uint64_t pos = write_ & mask;
        const auto* header = reinterpret_cast<const record_header*>(data_ + pos);
        const std::uint32_t commit = load(header->commit, memory_order_acquire);
        const std::uint32_t length = load(header->length, memory_order_relaxed);
        const std::uint64_t tail_room = geometry_.capacity - pos;
        std::uint64_t step = 0;
        const bool message = commit == commit_word(write_, false);
        if (commit == commit_word(write_, true) && length == tail_room - sizeof(record_header)) {
            step = tail_room;
        } else if (message && length <= geometry_.max_message && record_size(length) <= tail_room) {
            step = record_size(length);
        }
        // Stop at the zeroed slot after the newest record, and never run past the reader.
        if (step == 0 || write_ + step + sizeof(record_header) > read_cache_ + geometry_.capacity) {
            break;
        }
        write_ += step;
        count_ += message ? 1 : 0;
    }
    if (write_ < read_cache_) {
        return error{errc::corrupt, "ring write index is behind the reader"};
    }
    return {};
}

// The reader's index is untrusted: it must be aligned and lie in [write - capacity, write].
bool spsc_producer::plausible_read_index(std::uint64_t read) const noexcept {
    return read <= write_ && write_ - read <= geometry_.capacity &&
           read % layout::record_alignment == 0;
}

errc spsc_producer::room_for(std::uint64_t need) noexcept {
    if (write_ + need - read_cache_ <= geometry_.capacity) {
        return errc::ok;
    }
    // Acquire: the reader's reads of the space it freed happen-before our writes into it.
    const std::uint64_t read = load(control_->read_index, memory_order_acquire);
    read_count_cache_ = load(control_->read_count, memory_order_relaxed);
    looked_ = true;
    if (!plausible_read_index(read)) {
        return errc::corrupt;
    }
    read_cache_ = read;
    return write_ + need - read_cache_ <= geometry_.capacity ? errc::ok : errc::queue_full;
}

std::byte* spsc_producer::try_reserve(std::size_t length) noexcept {
    if (length > geometry_.max_message) {
        return refuse(errc::message_too_large, "message is longer than the ring's max_message");
    }
    const std::uint64_t size = record_size(length);
    const std::uint64_t pos = write_ & (geometry_.capacity - 1);
    const std::uint64_t tail_room = geometry_.capacity - pos;
    const std::uint64_t padding = size <= tail_room ? 0 : tail_room;
    // + one slot after the record, whose commit word commit() zeroes.
    switch (room_for(padding + size + sizeof(record_header))) {
        case errc::ok:
            break;
        case errc::corrupt:
            return refuse(errc::corrupt, "ring read index is out of range");
        default:
            return refuse(errc::queue_full, "ring is full");
    }
    if (padding != 0) {
        publish_padding(pos, padding);
    }
    reserved_at_ = write_;
    reserved_len_ = length;
    reserved_ = true;
    return data_ + (reserved_at_ & (geometry_.capacity - 1)) + sizeof(record_header);
}

std::uint32_t& spsc_producer::commit_slot(std::uint64_t index) const noexcept {
    return reinterpret_cast<record_header*>(data_ + (index & (geometry_.capacity - 1)))->commit;
}

// Padding is published at once (the reader then waits at the start of the area), and the
// index moves past it, so a writer that takes over after a crash never writes over it.
void spsc_producer::publish_padding(std::uint64_t pos, std::uint64_t padding) noexcept {
    store(commit_slot(write_ + padding), std::uint32_t{0}, memory_order_relaxed);
    auto* header = reinterpret_cast<record_header*>(data_ + pos);
    header->length = static_cast<std::uint32_t>(padding - sizeof(record_header));
    header->send_stamp = 0;
    // Release: the zeroed next slot and the length happen-before a reader that acquires this.
    store(header->commit, commit_word(write_, true), memory_order_release);
    write_ += padding;
    store(control_->write_index, write_, memory_order_release);
}

bool spsc_producer::commit(std::size_t length, std::uint64_t send_stamp) noexcept {
    if (!reserved_ || length > reserved_len_) {
        return false;
    }
    reserved_ = false;
    auto* header =
        reinterpret_cast<record_header*>(data_ + (reserved_at_ & (geometry_.capacity - 1)));
    header->length = static_cast<std::uint32_t>(length);
    header->send_stamp = send_stamp;
    write_ = reserved_at_ + record_size(length);
    // The slot after this record reads "not written" before this record becomes visible.
    store(commit_slot(write_), std::uint32_t{0}, memory_order_relaxed);
    // Release: payload, length, send time and the zeroed next slot happen-before a reader
    // that acquires this commit word.
    store(header->commit, commit_word(reserved_at_, false), memory_order_release);
    ++count_;
    // The index and count are for observers, the reader's periodic check and takeovers; the
    // reader learns of new records from the commit word. Count first, so that a reader that
    // acquires the index sees a count covering every message the index covers.
    store(control_->write_count, count_, memory_order_relaxed);
    store(control_->write_index, write_, memory_order_release);
    if (data_bell_.sleeper_waiting()) {
        data_bell_.ring();
    }
    if (count_ % traffic_note_interval == 0) {
        space_bell_.note_traffic();  // after the ring: a switch's membarrier delays no wake-up
    }
    return true;
}

// ---- consumer ----

spsc_consumer::spsc_consumer(layout::ring_control* control, std::byte* data, ring_geometry geometry,
                             const ring_start& start) noexcept
    : control_(control),
      data_(data),
      geometry_(geometry),
      read_(start.read_index),
      write_count_cache_(start.write_count),
      count_(start.read_count),
      hwm_(std::min(load(control->occupancy_hwm, memory_order_relaxed), geometry.capacity)),
      data_bell_(&control->reader_sleeping, &control->data_seq, &control->reader_uses_membarrier),
      space_bell_(&control->writer_sleeping, &control->space_seq,
                  &control->writer_uses_membarrier) {}

// Reloads the writer's published index and count: for the high-water mark, queue depth and a
// sanity check of the writer. Done every refresh_interval messages, not per message, so the
// reader does not pull the writer's line across on the hot path.
result<void> spsc_consumer::refresh_writer_view() noexcept {
    const std::uint64_t write = load(control_->write_index, memory_order_acquire);
    const std::uint64_t count = load(control_->write_count, memory_order_relaxed);
    if (write % layout::record_alignment != 0 ||
        (write >= read_ && write - read_ > geometry_.capacity)) {
        return error{errc::corrupt, "ring write index is out of range"};
    }
    if (write < read_) {
        return {};  // the writer published the record's commit word but not yet its index
    }
    write_count_cache_ = count;
    if (write - read_ > hwm_) {
        hwm_ = write - read_;
        store(control_->occupancy_hwm, hwm_, memory_order_relaxed);
    }
    return {};
}

errc spsc_consumer::next_header(record_header& header) noexcept {
    const std::uint64_t at = read_ + pending_;
    const std::uint64_t pos = at & (geometry_.capacity - 1);
    const auto* slot = reinterpret_cast<const record_header*>(data_ + pos);
    // Acquire: pairs with the writer's release of this commit word.
    const std::uint32_t commit = load(slot->commit, memory_order_acquire);
    if (commit == 0) {
        write_count_cache_ = std::max(write_count_cache_, count_);  // nothing waits: depth 0
        return refuse(errc::empty, "ring is empty");
    }
    header.commit = commit;
    // Read once, then validated: the writer is untrusted and could change them under us.
    header.length = load(slot->length, memory_order_relaxed);
    header.send_stamp = load(slot->send_stamp, memory_order_relaxed);
    const std::uint64_t tail_room = geometry_.capacity - pos;
    if (commit == commit_word(at, true)) {
        return header.length == tail_room - sizeof(record_header)
                   ? errc::ok
                   : refuse(errc::corrupt, "ring padding record is malformed");
    }
    if (commit != commit_word(at, false)) {
        return refuse(errc::corrupt, "ring commit word does not match the record's position");
    }
    if (header.length > geometry_.max_message || record_size(header.length) > tail_room) {
        return refuse(errc::corrupt, "ring record header is malformed");
    }
    return errc::ok;
}

const record_view* spsc_consumer::try_peek() noexcept {
    if (has_peeked_) {
        return &peeked_;
    }
    if (broken_) {
        refuse(errc::corrupt, "ring write index is out of range");
        return nullptr;
    }
    record_header header;
    errc found = next_header(header);
    if (found == errc::ok && (header.commit & layout::commit_padding_bit) != 0) {
        pending_ += sizeof(record_header) + header.length;
        found = next_header(header);
        if (found == errc::ok && (header.commit & layout::commit_padding_bit) != 0) {
            found = refuse(errc::corrupt, "ring has two padding records in a row");
        }
    }
    if (found != errc::ok) {
        pending_ = 0;  // a skipped padding record is read again next time
        return nullptr;
    }
    const std::uint64_t pos = (read_ + pending_) & (geometry_.capacity - 1);
    peeked_ = record_view{data_ + pos + sizeof(record_header), header.length, header.send_stamp};
    pending_ += record_size(header.length);
    has_peeked_ = true;
    return &peeked_;
}

void spsc_consumer::release() noexcept {
    if (!has_peeked_) {
        return;
    }
    has_peeked_ = false;
    read_ += pending_;
    pending_ = 0;
    ++count_;
    // Release: our reads of the record happen-before the writer reuses its bytes.
    store(control_->read_index, read_, memory_order_release);
    store(control_->read_count, count_, memory_order_relaxed);
    if (count_ % refresh_interval == 0) {
        broken_ = !refresh_writer_view();
    }
    if (count_ % traffic_note_interval == 0) {
        data_bell_.note_traffic();
    }
    if (space_bell_.sleeper_waiting()) {
        space_bell_.ring();
    }
}

}  // namespace ipc::detail
