#pragma once
// Claiming, releasing and checking one end (writer or reader) of a ring (internal).

#include "ipc/error.hpp"
#include "ipc/layout/ring_layout.hpp"

namespace ipc::detail {

// Takes the end for the calling process: busy if a live process holds it.
result<void> claim_end(layout::ring_end& end) noexcept;

// Whether the end's holder may still act: true when nobody attached yet, false once the holder
// closed it or died.
bool end_alive(const layout::ring_end& end) noexcept;

// Takes an end of a segment that is still being created (not yet ready, so unshared).
void take_fresh_end(layout::ring_end& end) noexcept;

// Marks the end closed by its holder (the pid stays for observers).
void release_end(layout::ring_end& end) noexcept;

// The holder's pid when attached or claiming, else 0.
std::int32_t end_pid(const layout::ring_end& end) noexcept;

}  // namespace ipc::detail
