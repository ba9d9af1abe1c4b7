#pragma once
// Sanitizer builds run many times slower; long streams are shortened there so that the whole
// suite fits the CI budget (the protocol is the same at any length).

#include <cstdint>

namespace ipc::test {

#ifdef IPC_TEST_SANITIZED
inline constexpr std::uint64_t stream_divisor = 20;
// Deadlines that a normal build must meet are stretched by this much: a sanitized process runs
// several times slower, and the point there is the memory checking, not the speed.
inline constexpr int deadline_factor = 5;
#else
inline constexpr std::uint64_t stream_divisor = 1;
inline constexpr int deadline_factor = 1;
#endif

}  // namespace ipc::test
