#pragma once
// Where this user's sockets go (internal): broker servers' and, later, control sockets.

#include <sys/types.h>

#include <string>

#include "ipc/error.hpp"

namespace ipc::detail {

// $XDG_RUNTIME_DIR/libipc when XDG_RUNTIME_DIR is a directory of this user's that nobody else may
// write; otherwise /tmp/libipc-<uid>. The libipc directory is created 0700 if missing, and then
// must be a real directory (not a link) owned by this user with no access for others: /tmp is
// world-writable, and another user could have made it first (permission_denied then).
result<std::string> runtime_dir();

// `dir`, or the runtime directory when it is empty.
result<std::string> dir_or_runtime(const std::string& dir);

// `dir` as a socket directory: a directory (not a link) owned by this user, no access for
// group or others (with `traversable`, group and others may pass through it, to reach a socket
// of theirs to connect to, but not list or write it); created 0700 (0711) when missing.
result<void> ensure_private_dir(const std::string& dir, bool traversable = false);

// `dir`, made with `mode` when missing (its parent must exist), as a directory (not a link)
// owned by this user with none of the `forbidden` mode bits.
result<void> ensure_own_dir(const std::string& dir, mode_t mode, mode_t forbidden);

}  // namespace ipc::detail
