#include "ipc/shm.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "ipc/clock.hpp"

namespace ipc::shm {

namespace {

// How long a remover waits for another remover of the same object.
constexpr std::chrono::milliseconds removal_lock_timeout{200};

bool allowed_char(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

// The object's name inside the directory: no leading '/', and no other '/' (a name may not
// reach into another directory).
result<const char*> leaf(const std::string& object) noexcept {
    const char* name = object.c_str();
    if (*name == '/') {
        ++name;
    }
    if (*name == '\0' || std::string_view(name).find('/') != std::string_view::npos ||
        std::string_view(name) == "." || std::string_view(name) == "..") {
        return error{errc::bad_name, "an object name is one path component"};
    }
    return name;
}

result<unique_fd> open_dir(const std::string& dir) noexcept {
    unique_fd fd{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
    if (!fd.valid()) {
        return system_error("opening the shm directory failed");
    }
    return fd;
}

// An object's directory, open, and its name in it.
struct location {
    unique_fd dir;
    const char* name;
};

result<location> locate(const std::string& object, const std::string& dir) noexcept {
    auto name = leaf(object);
    if (!name) {
        return name.error_value();
    }
    auto d = open_dir(dir);
    if (!d) {
        return d.error_value();
    }
    return location{std::move(*d), *name};
}

result<void> require_regular(int fd) noexcept {
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        return system_error("fstat failed");
    }
    if (!S_ISREG(st.st_mode)) {
        return error{errc::wrong_kind, "not a regular file (a FIFO, device or directory)"};
    }
    return {};
}

// Locks the object for removal: non-blocking attempts with short sleeps until the deadline,
// since any process that can open the object can hold its lock.
result<void> lock_for_removal(int fd) noexcept {
    const deadline until(removal_lock_timeout);
    while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK && errno != EINTR) {
            return system_error("locking the segment for removal failed");
        }
        if (until.passed(monotonic_ns())) {
            return error{errc::busy, "another process holds the segment's removal lock"};
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return {};
}

struct removal_lock {
    explicit removal_lock(int locked) noexcept : fd(locked) {}
    int fd;
    removal_lock(const removal_lock&) = delete;
    removal_lock& operator=(const removal_lock&) = delete;
    ~removal_lock() { ::flock(fd, LOCK_UN); }
};

}  // namespace

result<void> validate_name(std::string_view name) noexcept {
    if (name.empty()) {
        return error{errc::bad_name, "channel name is empty"};
    }
    if (name.size() > max_name_length) {
        return error{errc::bad_name, "channel name is longer than 128 characters"};
    }
    if (name.front() == '.') {
        return error{errc::bad_name, "channel name starts with '.'"};
    }
    for (char c : name) {
        if (!allowed_char(c)) {
            return error{errc::bad_name, "channel name has a character outside [A-Za-z0-9._-]"};
        }
    }
    return {};
}

std::string object_name(std::string_view kind_tag, std::string_view name) {
    std::string object = "/";
    object += segment_prefix;
    object += kind_tag;
    object += '-';
    object += name;
    return object;
}

const std::string& directory() {
    static const std::string dir = [] {
        const char* env = std::getenv("IPC_SHM_DIR");
        return std::string(env != nullptr && *env != '\0' ? env : "/dev/shm");
    }();
    return dir;
}

result<unique_fd> open(const std::string& object, access mode, const std::string& dir) noexcept {
    auto at = locate(object, dir);
    if (!at) {
        return at.error_value();
    }
    // O_NONBLOCK: opening a FIFO someone planted under our name must not wait for a writer.
    // O_NOFOLLOW: a symbolic link is refused (ELOOP), never followed elsewhere.
    const int flags =
        (mode == access::read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK;
    unique_fd fd{::openat(at->dir.get(), at->name, flags)};
    if (!fd.valid()) {
        if (errno == ELOOP) {
            return error{errc::wrong_kind, "not a regular file (a symbolic link)", ELOOP};
        }
        return system_error("opening the segment failed");
    }
    if (auto ok = require_regular(fd.get()); !ok) {
        return ok.error_value();
    }
    return fd;
}

result<unique_fd> create(const std::string& object, std::size_t size, mode_t mode,
                         const std::string& dir) noexcept {
    auto at = locate(object, dir);
    if (!at) {
        return at.error_value();
    }
    unique_fd fd{::openat(at->dir.get(), at->name,
                          O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode)};
    if (!fd.valid()) {
        return system_error("creating the segment failed");
    }
    // The umask applies at creation; set the mode the caller asked for exactly.
    if (::fchmod(fd.get(), mode) != 0 || ::ftruncate(fd.get(), static_cast<off_t>(size)) != 0) {
        const error e = system_error("sizing the new segment failed");
        ::unlinkat(at->dir.get(), at->name, 0);
        return e;
    }
    return fd;
}

result<unique_fd> create_unnamed(std::size_t size, mode_t mode, const std::string& dir) noexcept {
    unique_fd fd{::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, mode)};
    if (!fd.valid()) {
        return system_error("creating an unnamed segment (O_TMPFILE) in the shm directory failed");
    }
    if (::fchmod(fd.get(), mode) != 0 || ::ftruncate(fd.get(), static_cast<off_t>(size)) != 0) {
        return system_error("sizing the new segment failed");
    }
    return fd;
}

result<void> publish(int fd, const std::string& object, const std::string& dir) noexcept {
    auto at = locate(object, dir);
    if (!at) {
        return at.error_value();
    }
    // linkat never replaces an existing name. AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH; without
    // it, the /proc/self/fd link of the descriptor does the same for any user.
    if (::linkat(fd, "", at->dir.get(), at->name, AT_EMPTY_PATH) == 0) {
        return {};
    }
    if (errno == ENOENT || errno == EPERM) {
        char path[64];
        std::snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        if (::linkat(AT_FDCWD, path, at->dir.get(), at->name, AT_SYMLINK_FOLLOW) == 0) {
            return {};
        }
    }
    return system_error("naming the new segment failed");
}

result<void> unlink(const std::string& object, const std::string& dir) noexcept {
    auto at = locate(object, dir);
    if (!at) {
        return at.error_value();
    }
    if (::unlinkat(at->dir.get(), at->name, 0) != 0) {
        return system_error("unlinking the segment failed");
    }
    return {};
}

result<void> unlink_if_same(const std::string& object, int fd,
                            const std::function<bool()>& still_wanted,
                            const std::string& dir) noexcept {
    auto at = locate(object, dir);
    if (!at) {
        return at.error_value();
    }
    if (auto ok = lock_for_removal(fd); !ok) {
        return ok.error_value();
    }
    // Released on every return below: the lock belongs to fd's open file description, which
    // the caller keeps.
    const removal_lock held{fd};
    // Every remover of this object holds its lock, and nothing else ever replaces a name (new
    // segments are linked, which fails on a taken name): while we hold the lock, a name that
    // refers to the object keeps referring to it until we unlink it.
    struct stat mine {};
    struct stat named {};
    if (::fstatat(at->dir.get(), at->name, &named, AT_SYMLINK_NOFOLLOW) != 0) {
        return errno == ENOENT ? error{errc::not_found, "the segment is gone already"}
                               : system_error("stat of the segment's name failed");
    }
    if (::fstat(fd, &mine) != 0 || mine.st_ino != named.st_ino || mine.st_dev != named.st_dev) {
        return error{errc::busy, "the name now holds another segment"};
    }
    if (still_wanted && !still_wanted()) {
        return error{errc::busy, "the segment is in use again"};
    }
    if (::unlinkat(at->dir.get(), at->name, 0) != 0) {
        return system_error("unlinking the segment failed");
    }
    return {};
}

result<void> check_owner(int fd, std::span<const uid_t> also_trusted) noexcept {
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        return system_error("fstat failed");
    }
    if (st.st_uid == ::geteuid() || st.st_uid == 0 ||
        std::find(also_trusted.begin(), also_trusted.end(), st.st_uid) != also_trusted.end()) {
        return {};
    }
    return error{errc::permission_denied,
                 "the segment is owned by another user (allow it with trusted_owners)"}
        .with_subject("owner uid", st.st_uid);
}

result<std::size_t> size_of(int fd) noexcept {
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        return system_error("fstat failed");
    }
    return static_cast<std::size_t>(st.st_size);
}

result<unique_fd> create_sealed_memfd(const char* debug_name, std::size_t size) noexcept {
    unique_fd fd{::memfd_create(debug_name, MFD_CLOEXEC | MFD_ALLOW_SEALING)};
    if (!fd.valid()) {
        return system_error("memfd_create failed");
    }
    if (::ftruncate(fd.get(), static_cast<off_t>(size)) != 0) {
        return system_error("sizing the memfd failed");
    }
    if (::fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) {
        return system_error("sealing the memfd failed");
    }
    return fd;
}

}  // namespace ipc::shm
