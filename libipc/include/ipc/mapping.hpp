#pragma once
// Owning memory mapping of a file descriptor: unmaps on destruction.

#include <cstddef>
#include <utility>

#include "ipc/error.hpp"

namespace ipc {

enum class access { read_only, read_write };

class mapping {
  public:
    mapping() noexcept = default;
    mapping(mapping&& other) noexcept
        : addr_(std::exchange(other.addr_, nullptr)), size_(std::exchange(other.size_, 0)) {}
    mapping& operator=(mapping&& other) noexcept;
    mapping(const mapping&) = delete;
    mapping& operator=(const mapping&) = delete;
    ~mapping() { reset(); }

    // Maps `size` bytes of `fd` from offset 0, shared with every other mapper.
    static result<mapping> map(int fd, std::size_t size, access mode) noexcept;

    std::byte* data() const noexcept { return static_cast<std::byte*>(addr_); }
    std::size_t size() const noexcept { return size_; }
    bool valid() const noexcept { return addr_ != nullptr; }
    void reset() noexcept;

  private:
    void* addr_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace ipc
