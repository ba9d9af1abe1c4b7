#pragma once
// What host, guest and inspect share about a slots segment: its geometry checks and typed access
// to its parts (internal).

#include <cstddef>
#include <cstdint>

#include "channel/slots/slots_layout.hpp"
#include "ipc/error.hpp"
#include "region/segment.hpp"
#include "sync/doorbell.hpp"

namespace ipc::detail {

extern const segment_spec slots_spec;

// Bytes a slots segment may take in all; larger geometries are refused.
inline constexpr std::uint64_t max_slots_segment_size = std::uint64_t{16} << 30;

// A caller's geometry, checked (invalid_argument).
result<layout::slots_geometry> checked_geometry(std::uint32_t slots, std::uint32_t request_capacity,
                                                std::uint32_t response_capacity) noexcept;

// The geometry stored in a mapped segment, checked against the layout it implies and the
// object's real size (corrupt). Validate once, then use the returned copy, never the shared one.
result<layout::slots_geometry> validate_slots(const layout::slots_control& control,
                                              std::uint64_t mapped_size) noexcept;

// Fills the control block of a segment being created (not yet ready).
void init_slots(layout::slots_control& control, const layout::slots_geometry& g) noexcept;

// Typed access to a mapped segment, by a geometry validated beforehand.
class slots_view {
  public:
    slots_view() noexcept = default;
    slots_view(std::byte* base, const layout::slots_geometry& g) noexcept : base_(base), g_(g) {}

    const layout::slots_geometry& geometry() const noexcept { return g_; }
    std::uint32_t count() const noexcept { return g_.slot_count; }
    layout::slots_control& control() const noexcept {
        return reinterpret_cast<layout::slots_segment*>(base_)->control;
    }
    layout::slot_request& request(std::uint32_t i) const noexcept {
        return *reinterpret_cast<layout::slot_request*>(record(i));
    }
    std::byte* request_area(std::uint32_t i) const noexcept {
        return record(i) + g_.request_area_offset();
    }
    layout::slot_response& response(std::uint32_t i) const noexcept {
        return *reinterpret_cast<layout::slot_response*>(record(i) + g_.response_offset());
    }
    std::byte* response_area(std::uint32_t i) const noexcept {
        return record(i) + g_.response_area_offset();
    }
    layout::slot_serving& serving(std::uint32_t i) const noexcept {
        return *reinterpret_cast<layout::slot_serving*>(record(i) + g_.serving_offset());
    }
    layout::slot_control& slot_control(std::uint32_t i) const noexcept {
        return *reinterpret_cast<layout::slot_control*>(record(i) + g_.control_offset());
    }
    layout::slot_stats& stats(std::uint32_t i) const noexcept {
        return reinterpret_cast<layout::slot_stats*>(base_ + g_.stats_offset())[i];
    }
    // Where the host sleeps for slot i's response.
    doorbell host_bell(std::uint32_t i) const noexcept;
    // Where the worker serving slot i sleeps (slot i's guest_bell_slot, checked: a value out of
    // range reads as i itself).
    doorbell guest_bell_of(std::uint32_t i) const noexcept;
    // Slot i's own guest bell (the one its worker announces on when it owns the bell).
    doorbell own_guest_bell(std::uint32_t i) const noexcept;

  private:
    std::byte* record(std::uint32_t i) const noexcept {
        return base_ + g_.slots_offset() + std::uint64_t{i} * g_.slot_stride();
    }

    std::byte* base_ = nullptr;
    layout::slots_geometry g_{};
};

}  // namespace ipc::detail
