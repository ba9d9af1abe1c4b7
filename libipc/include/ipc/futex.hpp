#pragma once
// Process-shared futex wait and wake on a 32-bit word in shared memory.

#include <cstdint>

#include "ipc/error.hpp"

namespace ipc::futex {

// Sleeps while *word == expected, at most timeout_ns. Returns ok when woken, when the value
// already differed, or on a signal (callers re-check their condition); timeout at the limit.
result<void> wait(std::uint32_t* word, std::uint32_t expected, std::uint64_t timeout_ns) noexcept;

// Wakes up to `count` waiters on the word.
void wake(std::uint32_t* word, int count) noexcept;

}  // namespace ipc::futex
