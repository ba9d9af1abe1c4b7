#include "ipc/shm.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace ipc::shm {

namespace {
bool allowed_char(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}
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

result<unique_fd> create(const std::string& object, std::size_t size, mode_t mode) noexcept {
    unique_fd fd{::shm_open(object.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode)};
    if (!fd.valid()) {
        return system_error("shm_open(O_CREAT|O_EXCL) failed");
    }
    // shm_open applies the umask; set the mode the caller asked for exactly.
    if (::fchmod(fd.get(), mode) != 0 || ::ftruncate(fd.get(), static_cast<off_t>(size)) != 0) {
        const error e = system_error("sizing the new segment failed");
        ::shm_unlink(object.c_str());
        return e;
    }
    return fd;
}

result<unique_fd> open(const std::string& object, access mode) noexcept {
    const int flags = (mode == access::read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC;
    unique_fd fd{::shm_open(object.c_str(), flags, 0)};
    if (!fd.valid()) {
        return system_error("shm_open failed");
    }
    return fd;
}

result<void> unlink(const std::string& object) noexcept {
    if (::shm_unlink(object.c_str()) != 0) {
        return system_error("shm_unlink failed");
    }
    return {};
}

result<void> unlink_if_same(const std::string& object, int fd,
                            const std::function<bool()>& still_wanted) noexcept {
    unique_fd dir{::open("/dev/shm", O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
    if (!dir.valid() || ::flock(dir.get(), LOCK_EX) != 0) {
        return system_error("locking the shm directory failed");
    }
    struct stat mine {};
    struct stat named {};
    unique_fd current{::shm_open(object.c_str(), O_RDONLY | O_CLOEXEC, 0)};
    result<void> outcome;
    if (!current.valid()) {
        outcome = error{errc::not_found, "the segment is gone already"};
    } else if (::fstat(fd, &mine) != 0 || ::fstat(current.get(), &named) != 0 ||
               mine.st_ino != named.st_ino || mine.st_dev != named.st_dev) {
        outcome = error{errc::busy, "the name now holds another segment"};
    } else if (still_wanted && !still_wanted()) {
        outcome = error{errc::busy, "the segment is in use again"};
    } else {
        outcome = unlink(object);
    }
    ::flock(dir.get(), LOCK_UN);
    return outcome;
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
