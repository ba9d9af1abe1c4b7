#pragma once
// Claiming, releasing and checking one end of a channel: a ring writer or reader, a slots host
// or a slot's guest (internal).

#include "ipc/error.hpp"
#include "sync/end_holder_layout.hpp"

namespace ipc::detail {

// Takes the end for the calling process: busy if a live process holds it.
result<void> claim_end(layout::end_holder& end) noexcept;

// Whether the end's holder may still act: true when nobody attached yet, false once the holder
// closed it or died.
bool end_alive(const layout::end_holder& end) noexcept;

// The peer check of an end's holder (wait_loop): ok while it may still act (attached and alive,
// or nobody attached yet), peer_closed once it detached cleanly, peer_gone once it died.
error peer_status(const layout::end_holder& end) noexcept;

// Whether nobody ever attached to the end.
bool end_unattached(const layout::end_holder& end) noexcept;
// Whether the end was closed cleanly (one load of its owner word).
bool end_closed(const layout::end_holder& end) noexcept;

// Takes an end of a segment that is still being created (not yet ready, so unshared).
void take_fresh_end(layout::end_holder& end) noexcept;

// Marks the end closed by its holder (the pid stays for observers).
void release_end(layout::end_holder& end) noexcept;

// Who held the end at one moment, and whether that holder was alive: a caller that records a
// dead holder records exactly the one it judged (a successor may claim the end right after).
struct end_view {
    std::uint64_t owner;
    std::uint64_t start_time;
    bool alive;
};
end_view examine_end(const layout::end_holder& end) noexcept;

// The holder's pid when attached or claiming, else 0.
std::int32_t end_pid(const layout::end_holder& end) noexcept;

}  // namespace ipc::detail
