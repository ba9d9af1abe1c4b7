#pragma once
// Creating, attaching, validating and removing named libipc segments (internal).

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "ipc/error.hpp"
#include "ipc/fd.hpp"
#include "ipc/layout/segment_header.hpp"
#include "ipc/mapping.hpp"

namespace ipc::detail {

struct segment_spec {
    layout::segment_kind kind;
    std::uint16_t layout_version;
    std::uint32_t header_size;
};

struct named_segment {
    unique_fd fd;
    mapping map;
    bool created = false;

    layout::segment_header& header() const noexcept {
        return *reinterpret_cast<layout::segment_header*>(map.data());
    }
};

// Creates the segment unnamed, fills the common header, lets `init` fill the rest, stores ready
// with release order, and only then links it under `object`: nobody can open a half-made
// segment. already_exists when the name is taken.
result<named_segment> create_segment(const std::string& object, std::uint64_t total_size,
                                     mode_t permissions, const segment_spec& spec,
                                     const std::function<void(std::byte*)>& init);

// The same segment over a new sealed memfd (no name, no owner to check: whoever holds the fd may
// use it). Nobody else can see it before the caller hands the fd on.
result<named_segment> create_memfd_segment(const char* debug_name, std::uint64_t total_size,
                                           const segment_spec& spec,
                                           const std::function<void(std::byte*)>& init);

// Maps a segment whose fd was handed to this process (inherited, or received over a socket).
// Only a memfd sealed against shrinking and growing is accepted (F_GET_SEALS), so no holder can
// truncate it under the mapping; then the header is checked as for a named segment.
result<named_segment> adopt_segment(unique_fd fd, const segment_spec& spec);

// Opens an existing segment: a regular file owned by this user, root or a trusted uid, whose
// common header (magic, kind, version, sizes) matches spec and the object's real size.
// not_ready for a name that holds a segment nobody finished (a creator that crashed, or an
// older libipc): open_or_create callers reclaim it with remove_leftover.
result<named_segment> open_segment(const std::string& object, access mode, const segment_spec& spec,
                                   std::span<const uid_t> trusted_owners);

// Checks a mapped common header; `mapped_size` is the object's size.
result<void> validate_header(const layout::segment_header& header, std::uint64_t mapped_size,
                             const segment_spec& spec) noexcept;

// Unlinks a segment nobody uses any more. It is marked `removing` first, then `unused()` is
// asked again: an opener claims its end and then checks `removing`, so of a racing opener and
// remover at least one sees the other (both use sequentially consistent order) and no opener is
// left attached to an unlinked segment. Gives the mark back when the segment is kept.
// `fd` and `header` are the caller's descriptor and mapping of the segment.
result<void> remove_if_unused(const std::string& object, int fd, layout::segment_header& header,
                              const std::function<bool()>& unused);

// Whether a live remover marked the segment; an opener checks it after claiming its end. The
// mark holds the remover's pid, and one left by a remover that died is cleared.
bool being_removed(layout::segment_header& header) noexcept;

// Unlinks `object` if it is this user's (or root's) and `discard` says so of its header (null
// when the file is smaller than one), if the name still holds the same file. The header is read
// with pread: the file may be anyone's, and is never mapped.
result<void> remove_by_header(
    const std::string& object,
    const std::function<bool(const layout::segment_header* header)>& discard);

// Unlinks a name that holds an unfinished segment (see open_segment's not_ready).
result<void> remove_leftover(const std::string& object);

}  // namespace ipc::detail
