#pragma once
// What a duplex parent tells its child in the IPC_DUPLEX variable (internal): where the six
// descriptors are and the rings' sizes and name, as one line of text,
//   "fds=3,4,5,6,7,8 max_message=65536 capacity=262144 name=orders"
// (the name last: it runs to the end of the line).

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "ipc/error.hpp"

namespace ipc::detail {

inline constexpr const char* duplex_variable = "IPC_DUPLEX";

struct duplex_handoff {
    // parent->child data_ready, space_ready, region; child->parent data_ready, space_ready, region
    std::array<int, 6> fds{3, 4, 5, 6, 7, 8};
    std::uint32_t max_message = 0;
    std::uint64_t capacity = 0;
    std::string name;
};

std::string encode(const duplex_handoff& handoff);
// invalid_argument, saying what, for anything but what encode writes with fds from 3 up, each
// once.
result<duplex_handoff> parse_duplex_handoff(std::string_view text);

}  // namespace ipc::detail
