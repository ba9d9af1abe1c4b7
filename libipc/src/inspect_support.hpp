#pragma once
// What the decoders of each segment kind share: read-only mapping, the ready check, end holders
// and latency summaries (internal to inspect).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ipc/error.hpp"
#include "ipc/inspect.hpp"
#include "ipc/layout/end_holder.hpp"
#include "ipc/mapping.hpp"
#include "segment.hpp"

namespace ipc::inspect::detail {

// "/name" for "name" or "/name".
std::string with_slash(const std::string& object);
// The object name without its leading '/' and without `kind_prefix` ("libipc-ring-").
std::string strip_prefix(std::string_view object, std::string_view kind_prefix);

// Opens and maps the whole object read-only.
result<mapping> map_read_only(const std::string& object);
// Acquires the ready word, then checks the common header against `spec`.
result<void> check_ready(const mapping& map, const ipc::detail::segment_spec& spec);

// An end's holder, decoded; `sleeping_flag` is the end's announced-sleep word.
end_info read_end(const layout::end_holder& end, std::uint32_t sleeping_flag);

latency_summary summarise(const std::vector<std::uint64_t>& buckets, std::uint64_t count,
                          std::uint64_t sum_ns, std::uint64_t max_ns);

// The slots decoder (inspect_slots.cpp).
result<slots_info> decode_slots(const mapping& map, const std::string& object);
// Folds each slots host's per-slot counters into its endpoint record in `s`.
void fold_slot_counters(snapshot& s);

}  // namespace ipc::inspect::detail
