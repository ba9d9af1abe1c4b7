#pragma once
// A doorbell for waits that nobody rings (internal): formats whose other side never wakes this
// one (ZIPC's receiver never wakes its sender; SimpleIPC's hosts never wake a caller waiting
// for a slot) sleep short slices and look again.

#include <time.h>

#include <algorithm>
#include <cstdint>

namespace ipc::detail {

struct polling_bell {
    static constexpr std::uint64_t slice_ns = 100'000;
    std::uint32_t announce() const noexcept { return 0; }
    void sleep(std::uint32_t, std::uint64_t timeout_ns) const noexcept {
        const std::uint64_t ns = std::min(timeout_ns, slice_ns);
        const timespec ts{0, static_cast<long>(ns)};
        ::nanosleep(&ts, nullptr);
    }
    void end() const noexcept {}
    bool wakes_for_peer() const noexcept { return false; }
};

}  // namespace ipc::detail
