#pragma once
// What every demo parent does with its child and with signals.

#include <sys/types.h>

#include <string>
#include <vector>

#include "ipc/spawn.hpp"

namespace demo {

// Starts `self_exe` again with `args` (args[0] is the subcommand).
ipc::result<ipc::child> spawn_self(const char* self_exe, const std::vector<std::string>& args);
// Waits for the child; true when it exited with status 0.
bool child_succeeded(ipc::child& child);

// SIGINT and SIGTERM ask the parent to stop; the child ignores SIGINT (the parent decides).
void stop_on_signals();
void ignore_interrupt();
bool stop_requested();

}  // namespace demo
