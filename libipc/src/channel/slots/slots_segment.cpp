#include "channel/slots/slots_segment.hpp"

#include "ipc/detail/atomic.hpp"

namespace ipc::detail {

using layout::max_slot_area;
using layout::max_slot_count;
using layout::slots_geometry;

const segment_spec slots_spec{layout::segment_kind::slots, layout::slots_layout_version,
                              sizeof(layout::slots_segment)};

namespace {

bool in_range(std::uint32_t value, std::uint32_t max) noexcept {
    return value >= 1 && value <= max;
}

}  // namespace

result<slots_geometry> checked_geometry(std::uint32_t slots, std::uint32_t request_capacity,
                                        std::uint32_t response_capacity) noexcept {
    if (!in_range(slots, max_slot_count)) {
        return error{errc::invalid_argument, "slots must be between 1 and 256"};
    }
    if (!in_range(request_capacity, max_slot_area) || !in_range(response_capacity, max_slot_area)) {
        return error{errc::invalid_argument,
                     "request and response capacities must be between 1 byte and 64 MiB"};
    }
    const slots_geometry g{slots, request_capacity, response_capacity};
    if (g.total_size() > max_slots_segment_size) {
        return error{errc::invalid_argument, "slots x (request + response) exceeds 16 GiB"};
    }
    return g;
}

result<slots_geometry> validate_slots(const layout::slots_control& c,
                                      std::uint64_t mapped_size) noexcept {
    // The geometry is written once before ready; relaxed loads after the caller's acquire of
    // ready see the creator's values (a hostile writer can change them, hence the checks).
    const slots_geometry g{load(c.slot_count, std::memory_order_relaxed),
                           load(c.request_capacity, std::memory_order_relaxed),
                           load(c.response_capacity, std::memory_order_relaxed)};
    if (!in_range(g.slot_count, max_slot_count) || !in_range(g.request_capacity, max_slot_area) ||
        !in_range(g.response_capacity, max_slot_area)) {
        return error{errc::corrupt, "slots geometry is out of range"};
    }
    if (load(c.slot_stride, std::memory_order_relaxed) != g.slot_stride() ||
        load(c.slots_offset, std::memory_order_relaxed) != g.slots_offset() ||
        load(c.stats_offset, std::memory_order_relaxed) != g.stats_offset()) {
        return error{errc::corrupt, "slots layout disagrees with its geometry"};
    }
    if (g.total_size() != mapped_size) {
        return error{errc::corrupt, "slots segment size disagrees with its geometry"};
    }
    return g;
}

void init_slots(layout::slots_control& c, const slots_geometry& g) noexcept {
    c.slot_count = g.slot_count;
    c.request_capacity = g.request_capacity;
    c.response_capacity = g.response_capacity;
    c.slot_stride = static_cast<std::uint32_t>(g.slot_stride());
    c.slots_offset = g.slots_offset();
    c.stats_offset = g.stats_offset();
    c.host_epoch = 1;
}

doorbell slots_view::host_bell(std::uint32_t i) const noexcept {
    auto& bell = slot_control(i).host_bell;
    return doorbell(&bell.sleeping, &bell.seq, &bell.uses_membarrier);
}

doorbell slots_view::guest_bell_of(std::uint32_t i) const noexcept {
    std::uint32_t owner = load(slot_control(i).guest_bell_slot, std::memory_order_relaxed);
    if (owner >= count()) {
        owner = i;
    }
    return own_guest_bell(owner);
}

doorbell slots_view::own_guest_bell(std::uint32_t i) const noexcept {
    auto& bell = slot_control(i).guest_bell;
    return doorbell(&bell.sleeping, &bell.seq, &bell.uses_membarrier);
}

}  // namespace ipc::detail
