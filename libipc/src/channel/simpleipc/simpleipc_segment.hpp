#pragma once
// A SimpleIPC object and its semaphores (internal): made afresh by the host, found and checked
// by a guest, removed by the host.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "channel/simpleipc/simpleipc_layout.hpp"
#include "ipc/error.hpp"
#include "region/foreign_object.hpp"
#include "sync/named_semaphore.hpp"

namespace ipc::detail::simpleipc {

struct segment : foreign_object {
    geometry shape{};
    std::vector<named_semaphore> request_ready;   // per slot: "/name_slot_<i>"
    std::vector<named_semaphore> response_ready;  // per slot: "/name_slot_<i>_resp"

    // A 32-bit word of slot i's header (state, sizes, msgId, host/guest state); 4-aligned since
    // the slot size is a multiple of 4.
    template <class T = std::uint32_t>
    T& field(std::uint32_t slot, std::size_t offset) const noexcept {
        return *reinterpret_cast<T*>(map.data() + shape.slot_offset(slot) + offset);
    }
    std::byte* request(std::uint32_t slot) const noexcept {
        return map.data() + shape.payload_offset(slot);
    }
    std::byte* response(std::uint32_t slot) const noexcept { return request(slot) + shape.half; }
};

// "/name_slot_<i>", or "/name_slot_<i>_resp".
std::string semaphore_name(const std::string& name, std::uint32_t slot, bool response);

// The host's: the object made unnamed with its header, named (exclusively: busy when another
// host won), then the semaphores made afresh, then the slot count written, which tells guests
// it is ready. A leftover object of this user's that no other process maps is replaced; busy
// when one does. A failure after naming removes what was made.
result<segment> create_segment(const std::string& name, std::uint32_t slots,
                               std::uint32_t slot_size, mode_t mode);

// A guest's: waits up to `timeout` for the host's object (its header filled in, the object
// sized for it) and semaphores; the geometry is the header's, checked.
result<segment> open_segment(const std::string& name, std::span<const uid_t> trusted_owners,
                             std::chrono::milliseconds timeout);

// The host's close: the semaphores, and the object if the name is still this one.
void remove_segment(const std::string& name, const segment& seg) noexcept;

}  // namespace ipc::detail::simpleipc
