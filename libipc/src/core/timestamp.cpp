#include "core/stamp_clock.hpp"
#include "ipc/clock.hpp"

namespace ipc {

timestamp timestamp::now() noexcept {
    return timestamp(detail::process_stamp_clock().now());
}

std::uint64_t timestamp::ns_until(timestamp later) const noexcept {
    return detail::process_stamp_clock().elapsed_ns(raw_, later.raw_);
}

}  // namespace ipc
