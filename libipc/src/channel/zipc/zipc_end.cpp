#include "channel/zipc/zipc_end.hpp"

#include "core/object_users.hpp"
#include "ipc/clock.hpp"
#include "ipc/shm.hpp"

namespace ipc::detail::zipc {

error end::peer_check() noexcept {
    const object_users users = users_of(seg.device, seg.inode);
    if (users.other_processes > 0 || users.own_mappings > 1) {  // the other end may be ours
        peer_seen = true;
        return {};
    }
    return peer_seen ? error{errc::peer_gone, "no other process maps the ZIPC object any more"}
                     : error{};
}

void end::note_work() noexcept {
    const std::uint64_t now = monotonic_ns();
    if (!peer_seen &&
        now - last_look_ns >= static_cast<std::uint64_t>(options.peer_check_interval.count())) {
        last_look_ns = now;
        (void)peer_check();
    }
}

result<end> open_end(const std::string& name, const zipc_options& options,
                     layout::endpoint_role role) {
    if (options.peer_check_interval <= std::chrono::nanoseconds(0)) {
        return error{errc::invalid_argument, "peer_check_interval must be positive"};
    }
    auto seg = open_segment(name, options.slots, options.message_size);
    if (!seg) {
        return seg.error_value();
    }
    end e{std::move(*seg), options, {}, process_stamp_clock(), {}, false, 0};
    (void)e.peer_check();  // a peer already there is one whose going counts
    if (options.telemetry) {
        const std::string region = shm::directory() + name;
        if (auto t = telemetry::endpoint::open(
                {layout::channel_kind::zipc, role,
                 options.telemetry_name.empty() ? name : options.telemetry_name, region})) {
            e.counters = std::move(*t);
        }
    }
    return e;
}

}  // namespace ipc::detail::zipc
