#include "inspect_support.hpp"

#include "end_holder.hpp"
#include "ipc/detail/atomic.hpp"
#include "ipc/histogram.hpp"
#include "ipc/layout/segment_header.hpp"
#include "ipc/shm.hpp"

namespace ipc::inspect::detail {

using ipc::detail::load;
using std::memory_order_acquire;

std::string with_slash(const std::string& object) {
    return object.empty() || object.front() != '/' ? "/" + object : object;
}

// Opens and maps the whole object read-only.
result<mapping> map_read_only(const std::string& object) {
    auto fd = shm::open(with_slash(object), access::read_only);
    if (!fd) {
        return fd.error_value();
    }
    auto size = shm::size_of(fd->get());
    if (!size) {
        return size.error_value();
    }
    if (*size < sizeof(layout::segment_header)) {
        return error{errc::corrupt, "segment is smaller than the common header"};
    }
    return mapping::map(fd->get(), *size, access::read_only);
}

result<void> check_ready(const mapping& map, const ipc::detail::segment_spec& spec) {
    const auto& header = *reinterpret_cast<const layout::segment_header*>(map.data());
    // Acquire ready first: it pairs with the creator's release, so the fields checked next are
    // the creator's final values, not a half-initialised header.
    if (load(header.ready, memory_order_acquire) != layout::ready_value) {
        return error{errc::not_ready, "segment is still being created"};
    }
    return ipc::detail::validate_header(header, map.size(), spec);
}

latency_summary summarise(const std::vector<std::uint64_t>& buckets, std::uint64_t count,
                          std::uint64_t sum_ns, std::uint64_t max_ns) {
    latency_summary s;
    for (auto b : buckets) {
        s.count += b;
    }
    s.max_ns = max_ns;
    s.mean_ns = count == 0 ? 0 : sum_ns / count;
    s.p50_ns = histogram::percentile(buckets, 0.50, s.max_ns);
    s.p90_ns = histogram::percentile(buckets, 0.90, s.max_ns);
    s.p99_ns = histogram::percentile(buckets, 0.99, s.max_ns);
    return s;
}

namespace {

const char* end_state_name(std::uint32_t state) {
    switch (static_cast<layout::end_state>(state)) {
        case layout::end_state::none:
            return "none";
        case layout::end_state::attached:
            return "attached";
        case layout::end_state::closed:
            return "closed";
        case layout::end_state::claiming:
            return "claiming";
    }
    return "invalid";
}

}  // namespace

end_info read_end(const layout::end_holder& end, std::uint32_t sleeping_flag) {
    end_info info;
    const std::uint64_t owner = load(end.owner, memory_order_acquire);
    info.pid = layout::owner_pid(owner);
    info.state = end_state_name(layout::owner_state(owner));
    info.alive = ipc::detail::end_pid(end) != 0 && ipc::detail::end_alive(end);
    info.sleeping = sleeping_flag != 0;
    return info;
}

std::string strip_prefix(std::string_view object, std::string_view kind_prefix) {
    if (!object.empty() && object.front() == '/') {
        object.remove_prefix(1);
    }
    if (object.substr(0, kind_prefix.size()) == kind_prefix) {
        object.remove_prefix(kind_prefix.size());
    }
    return std::string(object);
}

}  // namespace ipc::inspect::detail
