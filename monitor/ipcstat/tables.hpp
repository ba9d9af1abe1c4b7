#pragma once
// Text tables of a snapshot for ipcstat list and watch.

#include <string>

#include "ipc/inspect.hpp"

namespace ipcstat {

// Processes, endpoints, rings and segments, as `ipcstat list` prints them.
std::string list_tables(const ipc::inspect::snapshot& s);

// One endpoint per row with per-second rates since `before` (nullptr: no rates yet).
std::string watch_table(const ipc::inspect::snapshot& now, const ipc::inspect::snapshot* before);

}  // namespace ipcstat
