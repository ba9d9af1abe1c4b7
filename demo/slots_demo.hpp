#pragma once

#include "traffic.hpp"

namespace demo {

// Parent: the host. Creates the slots, spawns the guest child, and calls from one thread per
// slot (call_on) until stopped; every response is checked.
int run_slots_parent(const traffic_options& o, const char* self_exe);
// Child: the guest, one worker per slot, until the host shuts down.
int run_slots_child(const traffic_options& o);

}  // namespace demo
