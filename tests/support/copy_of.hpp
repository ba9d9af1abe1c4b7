#pragma once
// A second set of a memfd ring's fds, for its other end.

#include <utility>

#include "ipc/ring.hpp"

namespace ipc::test {

// The duplicates, or an empty set when duplicating failed (adopting it then fails clearly).
inline ring_fds copy_of(const ring_fds& fds) {
    auto copy = fds.duplicate();
    return copy ? std::move(*copy) : ring_fds{};
}

}  // namespace ipc::test
