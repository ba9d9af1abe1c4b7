#include "inspect_support.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>

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

result<segment_copy> segment_copy::open(const std::string& dir, const std::string& object,
                                        std::uint64_t prefix) {
    auto fd = shm::open(with_slash(object), access::read_only, dir);
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
    segment_copy copy;
    copy.fd_ = std::move(*fd);
    copy.file_size_ = *size;
    copy.copied_ = std::min<std::uint64_t>(prefix, *size);
    copy.buffer_ = aligned_bytes(copy.copied_);
    if (auto ok = copy.refresh(); !ok) {
        return ok.error_value();
    }
    return copy;
}

result<void> segment_copy::read(std::uint64_t offset, void* to, std::size_t n) const noexcept {
    if (offset > file_size_ || n > file_size_ - offset) {
        return error{errc::corrupt, "a part of the segment lies past its end"};
    }
    auto* out = static_cast<std::byte*>(to);
    while (n > 0) {
        const ssize_t got = ::pread(fd_.get(), out, n, static_cast<off_t>(offset));
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got <= 0) {
            return got < 0 ? system_error("reading the segment failed")
                           : error{errc::corrupt, "the segment shrank while being read"};
        }
        out += got;
        offset += static_cast<std::uint64_t>(got);
        n -= static_cast<std::size_t>(got);
    }
    return {};
}

result<void> segment_copy::refresh() noexcept {
    return read(0, buffer_.data(), copied_);
}

result<void> check_ready(const segment_copy& copy, const ipc::detail::segment_spec& spec) {
    const auto& header = copy.as<layout::segment_header>();
    // The copy was taken in one pread, in address order, after the creator's release of ready
    // (segments are named only once ready): a copy that shows ready shows the final header.
    if (load(header.ready, memory_order_acquire) != layout::ready_value) {
        return error{errc::not_ready, "the segment was never finished (a creator crashed)"};
    }
    return ipc::detail::validate_header(header, copy.file_size(), spec);
}

std::string implausible(const latency_summary& latency) {
    return latency.count > histogram::max_plausible_total
               ? "corrupt: impossible latency histogram counts (tampered or garbage)"
               : "";
}

latency_summary summarise(const std::vector<std::uint64_t>& buckets, std::uint64_t count,
                          std::uint64_t sum_ns, std::uint64_t max_ns) {
    latency_summary s;
    s.count = histogram::total(buckets);
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
