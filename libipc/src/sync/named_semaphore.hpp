#pragma once
// A POSIX named semaphore (internal), as formats that wake with them use (SimpleIPC's per-slot
// semaphores). glibc keeps one in /dev/shm as "sem.<name>", a file holding a process-shared
// sem_t; the directory is world-writable, so an existing one is opened as a file, checked (a
// regular file of a trusted owner and of a semaphore's size: a short one would fault), and that
// very file mapped, rather than reopened by name through sem_open.
// Such a wake is only ever a hint here: waiters wait in slices and look at the shared state
// again, so a semaphore that a stranger posts or drains costs time, never correctness.

#include <semaphore.h>
#include <sys/types.h>

#include <cstdint>
#include <span>
#include <string>

#include "ipc/error.hpp"

namespace ipc::detail {

class named_semaphore {
  public:
    named_semaphore() noexcept = default;
    named_semaphore(named_semaphore&& other) noexcept;
    named_semaphore& operator=(named_semaphore&& other) noexcept;
    named_semaphore(const named_semaphore&) = delete;
    named_semaphore& operator=(const named_semaphore&) = delete;
    ~named_semaphore();

    // A new one at 0, any earlier one of that name unlinked first (its count, left by an
    // earlier run, must not leak into this one).
    static result<named_semaphore> create(const std::string& name, mode_t mode);
    // An existing one: not_found, wrong_kind (not a regular file of a semaphore's size),
    // permission_denied (an untrusted owner).
    static result<named_semaphore> open(const std::string& name,
                                        std::span<const uid_t> trusted_owners = {});
    static result<void> unlink(const std::string& name) noexcept;

    void post() noexcept;
    // Takes one count, waiting up to `timeout_ns`: false when none came.
    bool wait(std::uint64_t timeout_ns) noexcept;
    // Takes every count there is.
    void drain() noexcept;

    // Its file's identity, to find the processes that map it.
    dev_t device() const noexcept { return device_; }
    ino_t inode() const noexcept { return inode_; }
    bool is_open() const noexcept { return sem_ != nullptr; }

  private:
    void release() noexcept;

    sem_t* sem_ = nullptr;
    bool mapped_ = false;  // opened: this process's mapping of the checked file; made: sem_open's
    dev_t device_ = 0;
    ino_t inode_ = 0;
};

}  // namespace ipc::detail
