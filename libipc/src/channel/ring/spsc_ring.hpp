#pragma once
// The SPSC record ring over a ring_control block and its data area, independent of where the
// region lives. Both sides keep private copies of the geometry (validated once) and of their
// own index, and a cached copy of the other side's index, so the steady state touches the
// peer's cache line only when the cached value runs out (rigtorp/SPSCQueue).
//
// Memory ordering:
// - The writer fills a record, then stores write_index with release; the reader loads
//   write_index with acquire, so the record's bytes happen-before the reader sees them.
// - The reader copies or views a record, then stores read_index with release; the writer loads
//   read_index with acquire before reusing that space, so the reader's reads of the old
//   bytes happen-before the writer overwrites them.
// - Sleeping is a Dekker handshake (sync/doorbell.hpp): the sleeper stores its *_sleeping flag,
// issues the heavy
//   fence, then re-checks the index; the waker stores the index, issues the light fence, then
//   loads the flag. Together the fences guarantee at least one side sees the other's store, so
//   a wake-up is never lost (sync/handshake.hpp: the light fence is a compiler barrier when
//   the heavy one is membarrier). The sleeper reads the futex word before announcing, so a
//   bump that lands between the re-check and futex_wait makes the wait return at once.

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>

#include "channel/ring/ring_layout.hpp"
#include "ipc/error.hpp"
#include "sync/doorbell.hpp"

namespace ipc::detail {

struct ring_geometry {
    std::uint64_t capacity;
    std::uint32_t max_message;
    std::uint32_t doorbell;  // layout::ring_doorbell_futex or _eventfd
};

// Checks a control block's geometry against the region that holds it (region_size bytes,
// data_offset counted from the start of the region). Returns the geometry to keep privately.
result<ring_geometry> validate_ring(const layout::ring_control& control,
                                    std::uint64_t region_size) noexcept;

// Where an end starts: the published indices and counts, loaded once and validated.
struct ring_start {
    std::uint64_t write_index;
    std::uint64_t read_index;
    std::uint64_t write_count;
    std::uint64_t read_count;
};

// Loads the published indices and checks them: aligned, and read <= write <= read + capacity.
// An end adopts exactly these values, never a second load that a peer could have changed.
result<ring_start> load_start(const layout::ring_control& control,
                              const ring_geometry& geometry) noexcept;

// Whether the ring holds a committed record the reader has not taken: the published indices
// differ, or a record is committed at the read index (a writer that died between its commit word
// and its index). Corrupt indices count as unread: nothing is thrown away on a guess.
bool holds_unread(const layout::ring_control& control, const std::byte* data,
                  const ring_geometry& geometry) noexcept;

// Fills a fresh control block. `data_offset` is from the start of the region.
void init_ring(layout::ring_control& control, const ring_geometry& geometry,
               std::uint64_t data_offset) noexcept;

// Smallest power-of-two capacity that holds two records of max_message (so a largest
// message always fits after a padding record) and at least min_capacity bytes.
std::uint64_t ring_capacity_for(std::uint32_t max_message, std::uint64_t min_capacity) noexcept;

class spsc_producer {
  public:
    spsc_producer() noexcept = default;
    spsc_producer(layout::ring_control* control, std::byte* data, ring_geometry geometry,
                  const ring_start& start) noexcept;

    // Moves past records a previous writer published but died before indexing (their commit
    // words are in place). corrupt if the published indices cannot be reconciled.
    result<void> recover() noexcept;

    // Room for a payload of `length` bytes: where to write it, or nullptr and refusal() says why
    // (queue_full, message_too_large, corrupt). Nothing is visible to the reader until commit().
    // A pointer, not a result: on the hot path a result copied through the layers above costs
    // store-forwarding stalls (docs/BENCHMARKS.md).
    std::byte* try_reserve(std::size_t length) noexcept;
    const error& refusal() const noexcept { return refusal_; }
    // Publishes the reserved record with `length` (<= reserved) payload bytes, and rings the
    // data doorbell if the reader sleeps. False (nothing published) without such a reservation.
    bool commit(std::size_t length, std::uint64_t send_stamp) noexcept;
    // Whether a reservation waits for its commit; cancel() drops it (nothing was published).
    bool reserved() const noexcept { return reserved_; }
    void cancel() noexcept { reserved_ = false; }

    // The writer sleeps for space on this one (announce, re-check with try_reserve, sleep).
    doorbell& space_bell() noexcept { return space_bell_; }
    // The reader sleeps for data on this one (rung by commit, and once on close).
    doorbell& data_bell() noexcept { return data_bell_; }

    // Messages published but not yet consumed, as of the last look at the reader's index. The
    // writer looks only when its cached view says the ring is full (reading the reader's line
    // on every send would cost coherence traffic), so this is exact only just after a look.
    std::uint64_t depth_messages() const noexcept {
        return count_ > read_count_cache_ ? count_ - read_count_cache_ : 0;
    }
    // Messages this producer (and those before it) published.
    std::uint64_t written_count() const noexcept { return count_; }
    // True once after each look at the reader's index: the moment depth_messages() is exact.
    bool take_fresh_depth() noexcept { return std::exchange(looked_, false); }

  private:
    // ok when `need` bytes are free; queue_full; or corrupt (the reader's index is bogus).
    errc room_for(std::uint64_t need) noexcept;
    std::byte* refuse(errc code, const char* detail) noexcept {
        refusal_ = error{code, detail};
        return nullptr;
    }
    std::uint32_t& commit_slot(std::uint64_t index) const noexcept;
    void publish_padding(std::uint64_t pos, std::uint64_t padding) noexcept;
    bool plausible_read_index(std::uint64_t read) const noexcept;

    layout::ring_control* control_ = nullptr;
    std::byte* data_ = nullptr;
    ring_geometry geometry_{};
    std::uint64_t write_ = 0;             // private copy of write_index
    std::uint64_t read_cache_ = 0;        // last read_index loaded
    std::uint64_t read_count_cache_ = 0;  // read_count loaded with read_cache_
    std::uint64_t count_ = 0;             // private copy of write_count
    bool looked_ = false;                 // read_index was loaded since take_fresh_depth()
    doorbell space_bell_;
    doorbell data_bell_;
    std::uint64_t reserved_at_ = 0;  // index where the reserved record starts (after padding)
    std::uint64_t reserved_len_ = 0;
    bool reserved_ = false;
    error refusal_;  // why the last try_reserve returned nullptr
};

struct record_view {
    const std::byte* data;
    std::size_t length;
    std::uint64_t send_stamp;
};

class spsc_consumer {
  public:
    spsc_consumer() noexcept = default;
    spsc_consumer(layout::ring_control* control, std::byte* data, ring_geometry geometry,
                  const ring_start& start) noexcept;

    // The oldest record, or nullptr and refusal() says why (empty, corrupt). The same record
    // until release(). A pointer, not a result, as try_reserve.
    const record_view* try_peek() noexcept;
    const error& refusal() const noexcept { return refusal_; }
    // Frees the peeked record, and rings the space doorbell if the writer sleeps.
    void release() noexcept;

    doorbell& data_bell() noexcept { return data_bell_; }
    doorbell& space_bell() noexcept { return space_bell_; }

    // Messages published and still waiting (a peeked one is no longer waiting), as of the last
    // look at the writer's count (every refresh_interval messages; 0 once the ring is seen empty).
    std::uint64_t depth_messages() const noexcept {
        const std::uint64_t waiting = count_ + (has_peeked_ ? 1 : 0);
        return write_count_cache_ > waiting ? write_count_cache_ - waiting : 0;
    }

    // Messages between two reloads of the writer's index by the reader.
    static constexpr std::uint64_t refresh_interval = 64;

  private:
    // The header at read_ + pending_, validated, into `header`; or a refusal (also stored).
    errc next_header(layout::record_header& header) noexcept;
    errc refuse(errc code, const char* detail) noexcept {
        refusal_ = error{code, detail};
        return code;
    }
    result<void> refresh_writer_view() noexcept;

    layout::ring_control* control_ = nullptr;
    std::byte* data_ = nullptr;
    ring_geometry geometry_{};
    std::uint64_t read_ = 0;               // private copy of read_index
    std::uint64_t write_count_cache_ = 0;  // write_count as of the last refresh
    std::uint64_t count_ = 0;              // private copy of read_count
    std::uint64_t hwm_ = 0;                // private copy of occupancy_hwm
    std::uint64_t pending_ = 0;            // bytes the peeked record (and padding before it) covers
    record_view peeked_{};
    bool has_peeked_ = false;
    bool broken_ = false;  // the last refresh found the writer's index out of range
    doorbell data_bell_;
    doorbell space_bell_;
    error refusal_;  // why the last try_peek returned nullptr
};

}  // namespace ipc::detail
