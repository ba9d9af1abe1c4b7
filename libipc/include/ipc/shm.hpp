#pragma once
// Named shared-memory objects and sealed memfds. Every libipc segment name starts with
// `segment_prefix` so that discovery can find it in the shm directory.
//
// The shm directory (/dev/shm) is world-writable, so nothing found there is trusted: objects are
// opened relative to the directory with O_NOFOLLOW | O_NONBLOCK (a FIFO or a device never blocks
// the open), and only regular files are accepted. New segments are created unnamed (O_TMPFILE),
// initialised, and only then linked under their name, so a name never holds a half-made segment.
// Removal needs no directory-wide lock: a remover locks the object itself (flock, with a
// deadline) and unlinks the name only while it still refers to that object.

#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "ipc/error.hpp"
#include "ipc/fd.hpp"
#include "ipc/mapping.hpp"

namespace ipc::shm {

inline constexpr std::string_view segment_prefix = "libipc-";
// Longest user channel name; keeps every object name well under NAME_MAX.
inline constexpr std::size_t max_name_length = 128;
inline constexpr mode_t default_mode = 0600;

// A channel name is 1..max_name_length characters of [A-Za-z0-9._-], not starting with '.'.
result<void> validate_name(std::string_view name) noexcept;

// "/libipc-<kind_tag>-<name>", the object's name in the shm directory.
std::string object_name(std::string_view kind_tag, std::string_view name);

// The directory libipc's channels use: $IPC_SHM_DIR when set (read once), else /dev/shm.
const std::string& directory();

// Opens an existing object of `dir`: not_found, permission_denied, or wrong_kind for anything
// that is not a regular file (a FIFO, a device, a directory, a symbolic link).
result<unique_fd> open(const std::string& object, access mode,
                       const std::string& dir = directory()) noexcept;

// Creates a named object (O_EXCL) of `size` bytes at once: already_exists if one is there. The
// object is visible before its contents are written; libipc's own segments use create_unnamed
// and publish instead.
result<unique_fd> create(const std::string& object, std::size_t size, mode_t mode,
                         const std::string& dir = directory()) noexcept;

// An object of `size` bytes in `dir` that has no name yet (O_TMPFILE), with exactly `mode`.
result<unique_fd> create_unnamed(std::size_t size, mode_t mode,
                                 const std::string& dir = directory()) noexcept;
// Gives an unnamed object its name: already_exists if the name is taken (never replaces).
result<void> publish(int fd, const std::string& object,
                     const std::string& dir = directory()) noexcept;

result<void> unlink(const std::string& object, const std::string& dir = directory()) noexcept;

// Unlinks `object` only if the name still refers to the object open as `fd` and, when given,
// `still_wanted()` (called after the identity check) returns true. Removers of one object are
// serialised by an flock of that object, waited for at most `lock_timeout`: busy when it could
// not be had in time (any process that can open the object can hold it), when the name now
// holds another object, or when still_wanted() said no; not_found when the name is gone.
result<void> unlink_if_same(const std::string& object, int fd,
                            const std::function<bool()>& still_wanted = {},
                            const std::string& dir = directory()) noexcept;

// Refuses an object owned by anyone but this process's effective uid, root, or a uid in
// `also_trusted`: permission_denied, naming the owner (error::subject).
result<void> check_owner(int fd, std::span<const uid_t> also_trusted = {}) noexcept;

// Current size of an fd's file.
result<std::size_t> size_of(int fd) noexcept;

// An anonymous memfd of `size` bytes, sealed so that no process can shrink or grow it:
// a peer that maps it can never be made to fault on a truncated mapping.
result<unique_fd> create_sealed_memfd(const char* debug_name, std::size_t size) noexcept;

}  // namespace ipc::shm
