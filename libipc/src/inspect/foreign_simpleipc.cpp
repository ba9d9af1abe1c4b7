// SimpleIPC objects (../shared/specs/simpleipc.md), recognised by a header that gives their
// exact size (slot count and size in range, the payload offsets the spec's split gives),
// decoded as slots of kind simpleipc: each slot's state, request size, message id, and which
// side sleeps on its semaphore.

#include <cstring>

#include "channel/simpleipc/simpleipc_layout.hpp"
#include "inspect/foreign.hpp"
#include "inspect/kinds.hpp"

namespace ipc::inspect::detail {

namespace {

namespace sl = ipc::detail::simpleipc;

std::uint32_t word(const std::byte* bytes, std::size_t offset) {
    std::uint32_t v = 0;
    std::memcpy(&v, bytes + offset, sizeof v);
    return v;
}

std::optional<sl::geometry> shape_of(const segment_copy& copy) {
    const std::byte* h = copy.data();
    const auto shape =
        sl::geometry_of(word(h, sl::num_slots_offset), word(h, sl::slot_size_offset));
    if (!shape || shape->object_bytes != copy.file_size() || word(h, sl::req_offset_offset) != 0 ||
        word(h, sl::resp_offset_offset) != shape->half) {
        return std::nullopt;
    }
    return shape;
}

result<slot_state> state_of(std::uint32_t raw) {
    switch (raw) {
        case sl::free:
        case sl::done:
            return slot_state::free;
        case sl::busy:  // the host claimed it and writes its request
        case sl::req_ready:
            return slot_state::request_ready;
        case sl::resp_ready:
            return slot_state::response_ready;
        default:
            return error{errc::corrupt, "a SimpleIPC slot's state is none of the spec's"};
    }
}

result<slot_info> read_slot(const segment_copy& copy, const sl::geometry& shape, std::uint32_t i) {
    std::byte header[sl::slot_header_bytes];
    if (auto ok = copy.read(shape.slot_offset(i), header, sizeof header); !ok) {
        return ok.error_value();
    }
    auto state = state_of(word(header, sl::state_offset));
    if (!state) {
        return state.error_value();
    }
    std::int32_t req_size = 0;
    std::memcpy(&req_size, header + sl::req_size_offset, sizeof req_size);
    const auto request = sl::place(req_size, shape.half);
    const std::uint32_t host = word(header, sl::host_state_offset);
    const std::uint32_t guest = word(header, sl::guest_state_offset);
    if (!request || host > sl::waiting || guest > sl::waiting) {
        return error{errc::corrupt, "a SimpleIPC slot's size or wait word is out of range"};
    }
    slot_info s;
    s.index = i;
    s.state = *state;
    s.request_length = request->length;
    s.message_id = word(header, sl::msg_id_offset);
    s.host_sleeping = host == sl::waiting;
    s.guest.sleeping = guest == sl::waiting;
    return s;
}

std::optional<result<bool>> recognise(segment_copy& copy, const std::string& object,
                                      snapshot* sink) {
    const auto shape = shape_of(copy);
    if (!shape) {
        return std::nullopt;
    }
    slots_info s;
    s.kind = channel_kind::simpleipc;
    s.name = printable(object);
    s.segment = s.name;
    s.slot_count = shape->slots;
    s.request_capacity = shape->half;
    s.response_capacity = shape->half;
    for (std::uint32_t i = 0; i < shape->slots; ++i) {
        auto slot = read_slot(copy, *shape, i);
        if (!slot) {
            return result<bool>{slot.error_value()};
        }
        s.slots.push_back(*slot);
    }
    s.stale = unmapped(copy);
    return keep_decoded(result<slots_info>{std::move(s)}, sink, &snapshot::slots,
                        [](const slots_info& g) { return g.stale; });
}

}  // namespace

const foreign_parts& simpleipc_parts() {
    static const foreign_parts parts{segment_kind::simpleipc, recognise};
    return parts;
}

}  // namespace ipc::inspect::detail
