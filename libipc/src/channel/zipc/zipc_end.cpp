#include "channel/zipc/zipc_end.hpp"

#include "ipc/shm.hpp"

namespace ipc::detail::zipc {

result<end> open_end(const std::string& name, const zipc_options& options,
                     layout::endpoint_role role) {
    if (options.peer_check_interval <= std::chrono::nanoseconds(0)) {
        return error{errc::invalid_argument, "peer_check_interval must be positive"};
    }
    auto seg = open_segment(name, options.slots, options.message_size);
    if (!seg) {
        return seg.error_value();
    }
    const detail::mapper_watch peer(seg->device, seg->inode, options.peer_check_interval);
    end e{std::move(*seg), options, {}, process_stamp_clock(), {}, peer};
    (void)e.peer_check();  // a peer already there is one whose going counts
    if (options.telemetry) {
        const std::string& region = name;  // as a named ring's: the object's name
        if (auto t = telemetry::endpoint::open(
                {layout::channel_kind::zipc, role,
                 options.telemetry_name.empty() ? name : options.telemetry_name, region})) {
            e.counters = std::move(*t);
        }
    }
    return e;
}

}  // namespace ipc::detail::zipc
