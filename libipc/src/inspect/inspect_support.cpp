#include "inspect/inspect_support.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "ipc/detail/atomic.hpp"
#include "ipc/histogram.hpp"
#include "ipc/layout/segment_header.hpp"
#include "ipc/shm.hpp"
#include "sync/end_holder.hpp"

namespace ipc::inspect::detail {

using ipc::detail::load;
using std::memory_order_acquire;

namespace {

// Length of the valid UTF-8 sequence at the start of `s` (not overlong, not a surrogate, at
// most U+10FFFF), or 0.
std::size_t utf8_sequence(std::string_view s) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    const unsigned char lead = byte(0);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (lead >= 0xc2 && lead <= 0xdf) {
        n = 2;
        cp = lead & 0x1fu;
    } else if (lead >= 0xe0 && lead <= 0xef) {
        n = 3;
        cp = lead & 0x0fu;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
        n = 4;
        cp = lead & 0x07u;
    } else {
        return 0;
    }
    if (s.size() < n) {
        return 0;
    }
    for (std::size_t i = 1; i < n; ++i) {
        if ((byte(i) & 0xc0u) != 0x80u) {
            return 0;
        }
        cp = (cp << 6) | (byte(i) & 0x3fu);
    }
    const std::uint32_t smallest = n == 2 ? 0x80 : n == 3 ? 0x800 : 0x10000;
    if (cp < smallest || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
        (cp >= 0x80 && cp <= 0x9f)) {  // C1 controls: CSI (U+009B) starts escape sequences
        return 0;
    }
    return n;
}

}  // namespace

}  // namespace ipc::inspect::detail

namespace ipc::inspect {

std::string printable(std::string_view text) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(text.size());
    while (!text.empty()) {
        const auto c = static_cast<unsigned char>(text.front());
        std::size_t n = c >= 0x80 ? detail::utf8_sequence(text) : 1;
        if (n > 1 || (c >= 0x20 && c < 0x7f && c != '\\')) {
            out.append(text.substr(0, n));
        } else {
            n = 1;
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 0xfu];
        }
        text.remove_prefix(n);
    }
    return out;
}

}  // namespace ipc::inspect

namespace ipc::inspect::detail {

std::string with_slash(const std::string& object) {
    return object.empty() || object.front() != '/' ? "/" + object : object;
}

result<segment_copy> segment_copy::open(const std::string& dir, const std::string& object,
                                        std::uint64_t prefix) {
    auto fd = shm::open(with_slash(object), access::read_only, dir);
    if (!fd) {
        return fd.error_value();
    }
    return of_fd(std::move(*fd), prefix);
}

result<segment_copy> segment_copy::of_fd(unique_fd fd, std::uint64_t prefix) {
    auto size = shm::size_of(fd.get());
    if (!size) {
        return size.error_value();
    }
    if (*size < sizeof(layout::segment_header)) {
        return error{errc::not_ready, "an unfinished segment (smaller than the common header)"};
    }
    segment_copy copy;
    copy.fd_ = std::move(fd);
    copy.file_size_ = *size;
    if (auto ok = copy.extend(prefix); !ok) {
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

result<void> segment_copy::extend(std::uint64_t prefix) {
    copied_ = std::min<std::uint64_t>(prefix, file_size_);
    buffer_ = aligned_bytes(copied_);
    return refresh();
}

result<void> check_ready(const segment_copy& copy, const ipc::detail::segment_spec& spec) {
    const auto& header = copy.as<layout::segment_header>();
    // The copy was taken in one pread, in address order, after the creator's release of ready
    // (segments are named only once ready): a copy that shows ready shows the final header.
    if (load(header.ready, memory_order_acquire) != layout::ready_value) {
        return error{errc::not_ready, "the segment was never finished (a creator crashed)"};
    }
    if (auto ok = ipc::detail::validate_header(header, copy.file_size(), spec); !ok) {
        return ok;
    }
    if (copy.copied() < spec.header_size) {
        return error{errc::corrupt, "the segment changed kind while being read"};
    }
    return {};
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

end_state state_of(std::uint32_t state) {
    switch (static_cast<layout::end_state>(state)) {
        case layout::end_state::none:
            return end_state::none;
        case layout::end_state::attached:
            return end_state::attached;
        case layout::end_state::closed:
            return end_state::closed;
        case layout::end_state::claiming:
            return end_state::claiming;
    }
    return end_state::invalid;
}

}  // namespace

end_info read_end(const layout::end_holder& end, std::uint32_t sleeping_flag) {
    end_info info;
    const std::uint64_t owner = load(end.owner, memory_order_acquire);
    info.pid = layout::owner_pid(owner);
    info.state = state_of(layout::owner_state(owner));
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
