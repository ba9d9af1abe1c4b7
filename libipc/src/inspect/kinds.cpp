#include "inspect/kinds.hpp"

namespace ipc::inspect::detail {

const std::vector<const kind_parts*>& kinds() {
    static const std::vector<const kind_parts*> all = {&telemetry_parts(), &ring_parts(),
                                                       &slots_parts()};
    return all;
}

const kind_parts* kind_for(std::uint16_t layout_kind) {
    for (const auto* k : kinds()) {
        if (static_cast<std::uint16_t>(k->layout_kind) == layout_kind) {
            return k;
        }
    }
    return nullptr;
}

}  // namespace ipc::inspect::detail
