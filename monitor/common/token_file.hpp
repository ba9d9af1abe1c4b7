#pragma once
// A bearer token kept in a file, read the same way by `ipcstat serve --token-file` and
// `ipc-monitor --token-file`, so that one file serves both: its first line, without the spaces,
// tabs and line ending around it.

#include <optional>
#include <string>

namespace monitor {

// The token in `path`, or nullopt with `why` (the file cannot be read, holds no token, or a
// control character in it, which no HTTP header may carry).
std::optional<std::string> read_token_file(const std::string& path, std::string& why);

}  // namespace monitor
