#pragma once
// Named POSIX shared memory and sealed memfds. Every libipc segment name starts with
// `segment_prefix` so that discovery can find it in /dev/shm.

#include <sys/types.h>

#include <cstddef>
#include <functional>
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

// "/libipc-<kind_tag>-<name>", the object name passed to shm_open.
std::string object_name(std::string_view kind_tag, std::string_view name);

// Creates a new object (O_EXCL) of `size` bytes: already_exists if one is there.
result<unique_fd> create(const std::string& object, std::size_t size, mode_t mode) noexcept;
// Opens an existing object: not_found, permission_denied.
result<unique_fd> open(const std::string& object, access mode) noexcept;
result<void> unlink(const std::string& object) noexcept;

// Unlinks `object` only if the name still refers to the object open as `fd` and, when given,
// `still_wanted()` (called under the lock, after the inode check) returns true. Serialised by an
// flock of /dev/shm, so two processes replacing one segment never unlink each other's. busy when
// the name now holds another object or still_wanted() said no; not_found when it is gone.
result<void> unlink_if_same(const std::string& object, int fd,
                            const std::function<bool()>& still_wanted = {}) noexcept;

// Current size of an fd's file.
result<std::size_t> size_of(int fd) noexcept;

// An anonymous memfd of `size` bytes, sealed so that no process can shrink or grow it:
// a peer that maps it can never be made to fault on a truncated mapping.
result<unique_fd> create_sealed_memfd(const char* debug_name, std::size_t size) noexcept;

}  // namespace ipc::shm
