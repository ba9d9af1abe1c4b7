#pragma once
// Human-readable numbers for ipcstat tables and the monitor.

#include <cstdint>
#include <string>

namespace units {

// 950 ns, 12.3 us, 4.56 ms, 1.20 s
std::string format_duration_ns(std::uint64_t ns);
// 999, 12.3k, 4.56M, 1.20G
std::string format_count(double value);
// 512 B, 12.3 KiB, 4.56 MiB, 1.20 GiB
std::string format_bytes(double bytes);

}  // namespace units
