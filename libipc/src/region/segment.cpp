#include "region/segment.hpp"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

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

bool is_finished(const mapping& map) noexcept {
    if (map.size() < sizeof(layout::segment_header)) {
        return false;
    }
    const auto& header = *reinterpret_cast<const layout::segment_header*>(map.data());
    return load(header.ready, std::memory_order_acquire) == layout::ready_value;
}

}  // namespace

namespace {

// Fills the common header, lets `init` fill the rest, then stores ready with release: a reader
// that acquires ready sees every field.
void format_segment(std::byte* base, std::uint64_t total_size, const segment_spec& spec,
                    const std::function<void(std::byte*)>& init) {
    auto* header = reinterpret_cast<layout::segment_header*>(base);
    const process_identity me = self_identity();
    header->magic = layout::segment_magic;
    header->layout_version = spec.layout_version;
    header->kind = static_cast<std::uint16_t>(spec.kind);
    header->header_size = spec.header_size;
    header->total_size = total_size;
    header->creator_pid = me.pid;
    header->creator_start_time = me.start_time;
    header->created_realtime_ns = realtime_ns();
    init(base);
    store(header->ready, layout::ready_value, std::memory_order_release);
}

}  // namespace

namespace {

// Maps a new object's fd and formats the segment in it.
result<named_segment> format_new(unique_fd fd, std::uint64_t total_size, const segment_spec& spec,
                                 const std::function<void(std::byte*)>& init) {
    auto map = mapping::map(fd.get(), total_size, access::read_write);
    if (!map) {
        return map.error_value();
    }
    format_segment(map->data(), total_size, spec, init);
    return named_segment{std::move(fd), std::move(*map), true};
}

}  // namespace

result<named_segment> create_segment(const std::string& object, std::uint64_t total_size,
                                     mode_t permissions, const segment_spec& spec,
                                     const std::function<void(std::byte*)>& init) {
    auto fd = shm::create_unnamed(total_size, permissions);
    if (!fd) {
        return fd.error_value();
    }
    // The segment has no name yet, so nobody reads it before the link below.
    auto seg = format_new(std::move(*fd), total_size, spec, init);
    if (!seg) {
        return seg;
    }
    if (auto named = shm::publish(seg->fd.get(), object); !named) {
        return named.error_value();
    }
    return seg;
}

result<named_segment> create_memfd_segment(const char* debug_name, std::uint64_t total_size,
                                           const segment_spec& spec,
                                           const std::function<void(std::byte*)>& init) {
    auto fd = shm::create_sealed_memfd(debug_name, total_size);
    if (!fd) {
        return fd.error_value();
    }
    return format_new(std::move(*fd), total_size, spec, init);
}

result<named_segment> adopt_segment(unique_fd fd, const segment_spec& spec) {
    const int seals = ::fcntl(fd.get(), F_GET_SEALS);
    constexpr int needed = F_SEAL_SHRINK | F_SEAL_GROW;
    if (seals < 0 || (seals & needed) != needed) {
        return error{errc::wrong_kind,
                     "an adopted segment must be a memfd sealed against shrinking and growing"};
    }
    auto size = shm::size_of(fd.get());
    if (!size) {
        return size.error_value();
    }
    if (*size < sizeof(layout::segment_header)) {
        return error{errc::corrupt, "the adopted segment is smaller than a header"};
    }
    auto map = mapping::map(fd.get(), *size, access::read_write);
    if (!map) {
        return map.error_value();
    }
    if (!is_finished(*map)) {
        return error{errc::not_ready, "the adopted segment was never finished"};
    }
    const auto& header = *reinterpret_cast<const layout::segment_header*>(map->data());
    if (auto ok = validate_header(header, *size, spec); !ok) {
        return ok.error_value();
    }
    return named_segment{std::move(fd), std::move(*map), false};
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
                                   std::span<const uid_t> trusted_owners) {
    auto fd = shm::open(object, mode);
    if (!fd) {
        return fd.error_value();
    }
    // Before reading a byte: a stranger's file under our name is refused, not used.
    if (auto owner = shm::check_owner(fd->get(), trusted_owners); !owner) {
        return owner.error_value();
    }
    auto size = shm::size_of(fd->get());
    if (!size) {
        return size.error_value();
    }
    if (*size < sizeof(layout::segment_header)) {
        return error{errc::not_ready,
                     "the name holds an unfinished segment (smaller than a header)"};
    }
    auto map = mapping::map(fd->get(), *size, mode);
    if (!map) {
        return map.error_value();
    }
    const auto& header = *reinterpret_cast<const layout::segment_header*>(map->data());
    const std::uint32_t magic = load(header.magic, std::memory_order_relaxed);
    if (magic != 0 && magic != layout::segment_magic) {
        return error{errc::wrong_kind, "not a libipc segment (bad magic)"};
    }
    // Acquire: pairs with the creator's release store of ready. Segments are linked only when
    // finished, so one that is not ready was left by a creator that crashed (or an older
    // libipc that published before initialising): there is nothing to wait for.
    if (!is_finished(*map)) {
        return error{errc::not_ready, "the name holds an unfinished segment"};
    }
    if (auto ok = validate_header(header, *size, spec); !ok) {
        return ok.error_value();
    }
    return named_segment{std::move(*fd), std::move(*map), false};
}

namespace {

// Takes the removal mark: from nobody, or from a remover that died holding it (which would
// otherwise keep every opener away for good).
bool take_removal_mark(layout::segment_header& header) noexcept {
    std::atomic_ref<std::uint32_t> mark(header.removing);
    const auto me = static_cast<std::uint32_t>(::getpid());
    std::uint32_t holder = 0;
    if (mark.compare_exchange_strong(holder, me, std::memory_order_seq_cst)) {
        return true;
    }
    return !is_alive(static_cast<std::int32_t>(holder), 0) &&
           mark.compare_exchange_strong(holder, me, std::memory_order_seq_cst);
}

}  // namespace

result<void> remove_if_unused(const std::string& object, int fd, layout::segment_header& header,
                              const std::function<bool()>& unused) {
    if (!take_removal_mark(header)) {
        return error{errc::busy, "another process is removing the segment"};
    }
    // Dekker with an opener (being_removed): our mark, then its claim; its claim, then our mark.
    std::atomic_thread_fence(std::memory_order_seq_cst);
    auto removed = shm::unlink_if_same(object, fd, unused);
    if (!removed) {
        store(header.removing, std::uint32_t{0}, std::memory_order_seq_cst);
    }
    return removed;
}

bool being_removed(layout::segment_header& header) noexcept {
    std::atomic_thread_fence(std::memory_order_seq_cst);
    std::uint32_t holder = load(header.removing, std::memory_order_seq_cst);
    if (holder == 0 || is_alive(static_cast<std::int32_t>(holder), 0)) {
        return holder != 0;
    }
    // A remover that died before it finished: its mark means nothing any more.
    (void)compare_exchange(header.removing, holder, std::uint32_t{0});
    return false;
}

result<void> remove_by_header(
    const std::string& object,
    const std::function<bool(const layout::segment_header* header)>& discard) {
    auto fd = shm::open(object, access::read_only);
    if (!fd) {
        return fd.error_value();
    }
    if (auto owner = shm::check_owner(fd->get()); !owner) {
        return owner.error_value();
    }
    return shm::unlink_if_same(object, fd->get(), [&] {
        layout::segment_header h{};
        const bool whole = ::pread(fd->get(), &h, sizeof h, 0) == static_cast<ssize_t>(sizeof h);
        return discard(whole ? &h : nullptr);
    });
}

result<void> remove_leftover(const std::string& object) {
    return remove_by_header(object, [](const layout::segment_header* h) {
        return h == nullptr || h->ready != layout::ready_value;
    });
}

}  // namespace ipc::detail
