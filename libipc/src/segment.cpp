#include "segment.hpp"

#include <time.h>

#include <cstring>
#include <thread>

#include "ipc/clock.hpp"
#include "ipc/detail/atomic.hpp"
#include "ipc/process.hpp"
#include "ipc/shm.hpp"

namespace ipc::detail {

namespace {

std::uint64_t realtime_ns() noexcept {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u +
           static_cast<std::uint64_t>(ts.tv_nsec);
}

}  // namespace

result<named_segment> create_segment(const std::string& object, std::uint64_t total_size,
                                     mode_t permissions, const segment_spec& spec,
                                     const std::function<void(std::byte*)>& init) {
    auto fd = shm::create(object, total_size, permissions);
    if (!fd) {
        return fd.error_value();
    }
    auto map = mapping::map(fd->get(), total_size, access::read_write);
    if (!map) {
        (void)shm::unlink(object);
        return map.error_value();
    }
    auto* header = reinterpret_cast<layout::segment_header*>(map->data());
    const process_identity me = self_identity();
    header->magic = layout::segment_magic;
    header->layout_version = spec.layout_version;
    header->kind = static_cast<std::uint16_t>(spec.kind);
    header->header_size = spec.header_size;
    header->total_size = total_size;
    header->creator_pid = me.pid;
    header->creator_start_time = me.start_time;
    header->created_realtime_ns = realtime_ns();
    init(map->data());
    // Release: every field above happens-before a reader that acquires ready.
    store(header->ready, layout::ready_value, std::memory_order_release);
    return named_segment{std::move(*fd), std::move(*map), true};
}

result<void> validate_header(const layout::segment_header& header, std::uint64_t mapped_size,
                             const segment_spec& spec) noexcept {
    if (load(header.magic, std::memory_order_relaxed) != layout::segment_magic) {
        return error{errc::wrong_kind, "not a libipc segment (bad magic)"};
    }
    if (load(header.kind, std::memory_order_relaxed) != static_cast<std::uint16_t>(spec.kind)) {
        return error{errc::wrong_kind, "segment is a libipc segment of another kind"};
    }
    if (load(header.layout_version, std::memory_order_relaxed) != spec.layout_version) {
        return error{errc::version_mismatch, "segment layout version is not supported"};
    }
    if (load(header.header_size, std::memory_order_relaxed) != spec.header_size) {
        return error{errc::corrupt, "segment header size is wrong for its kind"};
    }
    if (load(header.total_size, std::memory_order_relaxed) != mapped_size) {
        return error{errc::corrupt, "segment total_size disagrees with its real size"};
    }
    if (mapped_size < spec.header_size) {
        return error{errc::corrupt, "segment is smaller than its kind's header"};
    }
    return {};
}

result<named_segment> open_segment(const std::string& object, access mode, const segment_spec& spec,
                                   std::chrono::milliseconds ready_timeout) {
    auto fd = shm::open(object, mode);
    if (!fd) {
        return fd.error_value();
    }
    const deadline until(ready_timeout);
    // The creator sizes the object right after creating it and marks it ready last; both are
    // brief, so poll with short sleeps, bounded by ready_timeout.
    for (;;) {
        auto size = shm::size_of(fd->get());
        if (!size) {
            return size.error_value();
        }
        if (*size >= sizeof(layout::segment_header)) {
            auto map = mapping::map(fd->get(), *size, mode);
            if (!map) {
                return map.error_value();
            }
            const auto& header = *reinterpret_cast<const layout::segment_header*>(map->data());
            const std::uint32_t magic = load(header.magic, std::memory_order_relaxed);
            if (magic != 0 && magic != layout::segment_magic) {
                return error{errc::wrong_kind, "not a libipc segment (bad magic)"};
            }
            // Acquire: pairs with the creator's release store of ready.
            if (load(header.ready, std::memory_order_acquire) == layout::ready_value) {
                if (auto ok = validate_header(header, *size, spec); !ok) {
                    return ok.error_value();
                }
                return named_segment{std::move(*fd), std::move(*map), false};
            }
            const std::int32_t creator = load(header.creator_pid, std::memory_order_relaxed);
            if (creator > 0 &&
                !is_alive(creator, load(header.creator_start_time, std::memory_order_relaxed))) {
                return error{errc::peer_gone, "the segment's creator died before finishing it"};
            }
        }
        if (until.passed(monotonic_ns())) {
            return error{errc::not_ready, "segment was not marked ready in time"};
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
}

}  // namespace ipc::detail
