#include "sync/named_semaphore.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <utility>

#include "ipc/fd.hpp"
#include "ipc/shm.hpp"

namespace ipc::detail {

namespace {

// Where glibc keeps "/name".
std::string file_of(const std::string& name) {
    return "/dev/shm/sem." + name.substr(1);
}

result<void> check_name(const std::string& name) {
    if (name.size() < 2 || name.size() > 200 || name.front() != '/' ||
        name.find('/', 1) != std::string::npos || name.find('\0') != std::string::npos) {
        return error{errc::invalid_argument,
                     "a semaphore name is '/' and then 1 to 199 characters without another '/'"};
    }
    return {};
}

// The file of an existing semaphore, opened without following links and without blocking,
// and checked: a regular file of a trusted owner, of a semaphore's size.
struct checked_file {
    unique_fd fd;
    struct stat st {};
};

result<checked_file> open_checked(const std::string& name, std::span<const uid_t> trusted_owners) {
    checked_file f;
    f.fd.reset(::open(file_of(name).c_str(), O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    if (!f.fd.valid()) {
        if (errno == ENOENT) {
            return error{errc::not_found, "no such semaphore", errno};
        }
        return errno == ELOOP ? error{errc::wrong_kind, "the semaphore is a link", errno}
                              : system_error("the semaphore cannot be opened");
    }
    if (::fstat(f.fd.get(), &f.st) != 0) {
        return system_error("the semaphore cannot be examined");
    }
    if (auto owner = shm::check_owner(f.fd.get(), trusted_owners); !owner) {
        return owner.error_value();
    }
    if (!S_ISREG(f.st.st_mode) || static_cast<std::size_t>(f.st.st_size) < sizeof(sem_t)) {
        return error{errc::wrong_kind, "not a semaphore's file"};
    }
    return f;
}

}  // namespace

named_semaphore::named_semaphore(named_semaphore&& other) noexcept
    : sem_(std::exchange(other.sem_, nullptr)),
      mapped_(other.mapped_),
      device_(other.device_),
      inode_(other.inode_) {}

void named_semaphore::release() noexcept {
    if (sem_ != nullptr) {
        if (mapped_) {
            ::munmap(sem_, sizeof(sem_t));
        } else {
            ::sem_close(sem_);
        }
        sem_ = nullptr;
    }
}

named_semaphore& named_semaphore::operator=(named_semaphore&& other) noexcept {
    if (this != &other) {
        release();
        sem_ = std::exchange(other.sem_, nullptr);
        mapped_ = other.mapped_;
        device_ = other.device_;
        inode_ = other.inode_;
    }
    return *this;
}

named_semaphore::~named_semaphore() {
    release();
}

result<named_semaphore> named_semaphore::create(const std::string& name, mode_t mode) {
    if (auto ok = check_name(name); !ok) {
        return ok.error_value();
    }
    if (auto gone = unlink(name); !gone && gone.code() != errc::not_found) {
        return gone.error_value();
    }
    named_semaphore s;
    s.sem_ = ::sem_open(name.c_str(), O_CREAT | O_EXCL, mode, 0U);
    if (s.sem_ == SEM_FAILED) {
        s.sem_ = nullptr;
        return errno == EEXIST
                   ? error{errc::busy, "another process made the semaphore meanwhile", errno}
                   : system_error("creating the semaphore failed");
    }
    auto f = open_checked(name, {});
    if (!f) {
        return f.error_value();
    }
    s.device_ = f->st.st_dev;
    s.inode_ = f->st.st_ino;
    return s;
}

result<named_semaphore> named_semaphore::open(const std::string& name,
                                              std::span<const uid_t> trusted_owners) {
    if (auto ok = check_name(name); !ok) {
        return ok.error_value();
    }
    // Mapped from the file just checked, not opened again by name (sem_open would): a name
    // unlinked and planted again meanwhile cannot hand this process another file.
    auto f = open_checked(name, trusted_owners);
    if (!f) {
        return f.error_value();
    }
    void* at = ::mmap(nullptr, sizeof(sem_t), PROT_READ | PROT_WRITE, MAP_SHARED, f->fd.get(), 0);
    if (at == MAP_FAILED) {
        return system_error("mapping the semaphore failed");
    }
    named_semaphore s;
    s.sem_ = static_cast<sem_t*>(at);
    s.mapped_ = true;
    s.device_ = f->st.st_dev;
    s.inode_ = f->st.st_ino;
    return s;
}

result<void> named_semaphore::unlink(const std::string& name) noexcept {
    if (::sem_unlink(name.c_str()) == 0) {
        return {};
    }
    if (errno == ENOENT) {
        return error{errc::not_found, "no such semaphore", errno};
    }
    return errno == EACCES
               ? error{errc::permission_denied, "the semaphore is not ours to remove", errno}
               : system_error("removing the semaphore failed");
}

void named_semaphore::post() noexcept {
    ::sem_post(sem_);
}

bool named_semaphore::wait(std::uint64_t timeout_ns) noexcept {
    timespec until{};
    ::clock_gettime(CLOCK_MONOTONIC, &until);
    const std::uint64_t ns = static_cast<std::uint64_t>(until.tv_nsec) + timeout_ns % 1'000'000'000;
    until.tv_sec += static_cast<time_t>(timeout_ns / 1'000'000'000 + ns / 1'000'000'000);
    until.tv_nsec = static_cast<long>(ns % 1'000'000'000);
    while (::sem_clockwait(sem_, CLOCK_MONOTONIC, &until) != 0) {
        if (errno != EINTR) {
            return false;
        }
    }
    return true;
}

void named_semaphore::drain() noexcept {
    while (::sem_trywait(sem_) == 0) {
    }
}

}  // namespace ipc::detail
