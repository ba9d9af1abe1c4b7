#pragma once
// Creating, attaching and validating named libipc segments (internal).

#include <chrono>
#include <cstdint>
#include <functional>
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
};

// Creates the object with O_EXCL, fills the common header, lets `init` fill the rest, then
// stores ready with release order: a reader that acquires ready sees every field.
result<named_segment> create_segment(const std::string& object, std::uint64_t total_size,
                                     mode_t permissions, const segment_spec& spec,
                                     const std::function<void(std::byte*)>& init);

// Opens an existing object, waits up to ready_timeout for its creator to finish, and checks the
// common header (magic, kind, version, sizes) against spec and the object's real size.
result<named_segment> open_segment(const std::string& object, access mode, const segment_spec& spec,
                                   std::chrono::milliseconds ready_timeout);

// Checks a mapped common header; `mapped_size` is the object's size.
result<void> validate_header(const layout::segment_header& header, std::uint64_t mapped_size,
                             const segment_spec& spec) noexcept;

}  // namespace ipc::detail
