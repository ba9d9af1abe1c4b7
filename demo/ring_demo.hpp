#pragma once

#include "traffic.hpp"

namespace demo {

// Parent: creates the ring, spawns the reader child, sends until stopped, reports.
int run_ring_parent(const traffic_options& o, const char* self_exe);
// Child: reads until the writer is gone, checking sequence numbers.
int run_ring_child(const traffic_options& o);

}  // namespace demo
