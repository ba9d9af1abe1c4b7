#pragma once
// What the decoders of each segment kind share: read-only mapping, the ready check, end holders
// and latency summaries (internal to inspect).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/stamp_clock.hpp"
#include "ipc/error.hpp"
#include "ipc/fd.hpp"
#include "ipc/inspect.hpp"
#include "region/segment.hpp"
#include "sync/end_holder_layout.hpp"

namespace ipc::inspect::detail {

// How many times a record or control block that changes under an observer's copy is copied
// again before it is skipped (a record) or called corrupt (a ring's indices).
inline constexpr int reread_attempts = 3;

// "/name" for "name" or "/name".
std::string with_slash(const std::string& object);
// The object name without its leading '/' and without `kind_prefix` ("libipc-ring-").
std::string strip_prefix(std::string_view object, std::string_view kind_prefix);

// Zeroed bytes aligned for layout structs, which are read in place from them.
class aligned_bytes {
  public:
    explicit aligned_bytes(std::size_t n = 0) : lines_((n + 63) / 64) {}
    std::byte* data() noexcept { return reinterpret_cast<std::byte*>(lines_.data()); }
    const std::byte* data() const noexcept {
        return reinterpret_cast<const std::byte*>(lines_.data());
    }

  private:
    struct alignas(64) line {
        std::byte bytes[64];
    };
    std::vector<line> lines_;
};

// A private copy of (a part of) a segment, read with pread. Observers never map a segment: its
// owner, or anyone who can write it, may truncate the file under a mapping, and a read of a page
// past the new end would kill the observer with SIGBUS. A short read is an error instead.
class segment_copy {
  public:
    // Opens `object` in `dir` read-only (regular files only, never blocking) and copies its
    // first min(prefix, size) bytes. not_ready when it is smaller than the common header (a
    // leftover that nobody finished).
    static result<segment_copy> open(const std::string& dir, const std::string& object,
                                     std::uint64_t prefix);
    // The same over a file the caller opened (a memfd reached through /proc).
    static result<segment_copy> of_fd(unique_fd fd, std::uint64_t prefix);

    const std::byte* data() const noexcept { return buffer_.data(); }
    std::uint64_t copied() const noexcept { return copied_; }
    // The file's size when opened: what the header's total_size must equal.
    std::uint64_t file_size() const noexcept { return file_size_; }
    int fd() const noexcept { return fd_.get(); }
    template <class T>
    const T& as(std::uint64_t offset = 0) const noexcept {
        return *reinterpret_cast<const T*>(data() + offset);
    }
    // Copies `n` bytes of the file at `offset` to `to` again (for re-reads and for parts past
    // the prefix): corrupt if they lie past the size or the file shrank.
    result<void> read(std::uint64_t offset, void* to, std::size_t n) const noexcept;
    // Copies the prefix again.
    result<void> refresh() noexcept;
    // Copies a longer prefix, min(prefix, size), from the same open file (never reopening the
    // name, which someone may have pointed at another file meanwhile).
    result<void> extend(std::uint64_t prefix);

  private:
    unique_fd fd_;
    aligned_bytes buffer_;
    std::uint64_t copied_ = 0;
    std::uint64_t file_size_ = 0;
};

// Acquires the ready word, then checks the common header against `spec` and the file's size,
// and that the copy holds the kind's whole header (the file may have changed between reads).
result<void> check_ready(const segment_copy& copy, const ipc::detail::segment_spec& spec);

// An end's holder, decoded; `sleeping_flag` is the end's announced-sleep word.
end_info read_end(const layout::end_holder& end, std::uint32_t sleeping_flag);

// Turns the stamps a segment's writer took (core/stamp_clock.hpp) into CLOCK_MONOTONIC ns, with
// the TSC rate that writer recorded (0 for a writer on CLOCK_MONOTONIC, whose stamps are ns
// already): a stamp's age in ticks, converted, counted back from a reference read now.
class stamp_reader {
  public:
    explicit stamp_reader(std::uint64_t ticks_per_second) noexcept
        : rate_(::ipc::detail::rate_of(ticks_per_second, 1'000'000'000)),
          now_(::ipc::detail::read_clock_reference()) {}
    // 0 for a TSC stamp when the recorded rate is not a plausible one.
    std::uint64_t monotonic_ns(std::uint64_t stamp) const noexcept {
        return ::ipc::detail::stamp_to_monotonic_ns(stamp, rate_, now_);
    }

  private:
    ::ipc::detail::tsc_rate rate_;
    ::ipc::detail::clock_reference now_;
};

// Why a histogram cannot be real ("" when it can): more samples than max_plausible_total.
std::string implausible(const latency_summary& latency);

latency_summary summarise(const std::vector<std::uint64_t>& buckets, std::uint64_t count,
                          std::uint64_t sum_ns, std::uint64_t max_ns);

// The ring decoder; `object` names the segment (inspect.cpp).
result<ring_info> decode_ring(segment_copy& copy, const std::string& object);

// How a telemetry region names a ring over a memfd: "memfd:<pid>/<fd>#<inode>"
// (inspect_memfd.cpp). Such a ring's segment in a snapshot is "memfd:<inode>".
inline constexpr std::string_view memfd_prefix = "memfd:";
// The segment (ring_info/slots_info::segment) that an endpoint's region refers to.
std::string segment_of(const std::string& region);
// Adds the rings over memfds that the snapshot's endpoints hold, read through /proc.
void add_memfd_rings(snapshot& s);

// The slots decoder (inspect_slots.cpp).
result<slots_info> decode_slots(segment_copy& copy, const std::string& object);
// Folds each slots host's per-slot counters into its endpoint record in `s`.
void fold_slot_counters(snapshot& s);

}  // namespace ipc::inspect::detail
