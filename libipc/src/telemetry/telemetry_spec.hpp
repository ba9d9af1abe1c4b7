#pragma once
// The telemetry segment kind as the common header states it (internal): the one definition the
// registry creates segments with and observers check them against.

#include "ipc/layout/telemetry_layout.hpp"
#include "region/segment.hpp"

namespace ipc::detail {

inline constexpr segment_spec telemetry_spec{layout::segment_kind::telemetry,
                                             layout::telemetry_layout_version,
                                             sizeof(layout::telemetry_header)};

}  // namespace ipc::detail
