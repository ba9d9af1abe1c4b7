#pragma once

#include <string>

#include "traffic.hpp"

namespace demo {

// Parent: spawns the child (itself, or `child_program` as an efdstream child), sends paced
// messages and checks every byte of each echo, until stopped. `protocol`: native or efdstream.
int run_duplex_parent(const traffic_options& o, const std::string& protocol,
                      const std::string& child_program, const char* self_exe);
// Child, native: echoes until the parent closes.
int run_duplex_child(const traffic_options& o);
// Child, efdstream (started with the protocol's command line): echoes until the parent goes.
int run_efdstream_child(int argc, char** argv);

}  // namespace demo
