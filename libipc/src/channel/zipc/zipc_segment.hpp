#pragma once
// A ZIPC object opened by one of its two sides (internal): found or made in the shm directory
// (either side may come first, as with the reference's O_CREAT), sized, mapped, checked, and
// initialised when its flag is not yet set.

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <string>

#include "channel/zipc/zipc_layout.hpp"
#include "ipc/error.hpp"
#include "region/foreign_object.hpp"

namespace ipc::detail::zipc {

struct segment : foreign_object {
    geometry shape{};

    std::uint32_t& head() const noexcept { return word(head_offset); }
    std::uint32_t& tail() const noexcept { return word(tail_offset); }
    std::uint64_t& length(std::uint32_t slot) const noexcept {
        return *reinterpret_cast<std::uint64_t*>(map.data() + lengths_offset +
                                                 8 * std::size_t{slot});
    }
    std::byte* slot(std::uint32_t i) const noexcept { return map.data() + shape.slot_offset(i); }
    // The flag sits right after the slots, 4-aligned only when M * Q is: read and written as
    // bytes, ordered by fences (an atomic access to a misaligned word is undefined).
    std::int32_t init_flag() const noexcept {
        std::int32_t v;
        std::memcpy(&v, map.data() + shape.flag_offset, sizeof v);
        std::atomic_thread_fence(std::memory_order_acquire);
        return v;
    }
    void set_init_flag(std::int32_t v) const noexcept {
        std::atomic_thread_fence(std::memory_order_release);
        std::memcpy(map.data() + shape.flag_offset, &v, sizeof v);
    }

  private:
    std::uint32_t& word(std::size_t offset) const noexcept {
        return *reinterpret_cast<std::uint32_t*>(map.data() + offset);
    }
};

// invalid_argument for a name the format does not allow ('/' then 1..38 characters, no other
// '/') or sizes it cannot hold; wrong_kind, permission_denied for an object that is not a
// regular file of this user's; invalid_argument when the object is too small for this
// geometry (made by a side with other sizes).
result<segment> open_segment(const std::string& name, std::uint32_t slots,
                             std::uint32_t message_size);

}  // namespace ipc::detail::zipc
