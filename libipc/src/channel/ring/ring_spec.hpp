#pragma once
// The ring segment kind as the common header states it (internal): the one definition the
// ring's openers and observers check a segment against.

#include "channel/ring/ring_layout.hpp"
#include "region/segment.hpp"

namespace ipc::detail {

inline constexpr segment_spec ring_spec{layout::segment_kind::ring, layout::ring_layout_version,
                                        sizeof(layout::ring_segment)};

}  // namespace ipc::detail
