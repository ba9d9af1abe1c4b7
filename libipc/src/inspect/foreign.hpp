#pragma once
// Formats other programs defined (internal): shm objects without libipc's header, recognised
// by their layout alone, decoded into the snapshot's rings and slots with the format as their
// kind. Anything that does not match a format's layout exactly is not that format and is left
// out; one that matches but holds impossible values is listed with an error.

#include <optional>
#include <string>
#include <vector>

#include "inspect/inspect_support.hpp"
#include "ipc/inspect.hpp"

namespace ipc::inspect::detail {

// What the scan copies of each candidate before a format looks at it: the ZIPC indices and
// the SimpleIPC header; anything further is read on demand (segment_copy::read).
inline constexpr std::uint64_t foreign_prefix = 128;

struct foreign_parts {
    segment_kind kind;
    // nullopt: the copy is not of this format. Otherwise as kind_parts::decode: whether the
    // object is stale (nobody maps it), or why it cannot be decoded.
    std::optional<result<bool>> (*recognise)(segment_copy& copy, const std::string& object,
                                             snapshot* sink);
};

const foreign_parts& zipc_parts();       // foreign_zipc.cpp
const foreign_parts& simpleipc_parts();  // foreign_simpleipc.cpp

const std::vector<const foreign_parts*>& foreign_formats();

// Whether no process maps the object any more (this one included): only for objects of this user,
// whose mappers /proc shows (another user's is never called stale).
bool unmapped(const segment_copy& copy);

}  // namespace ipc::inspect::detail
