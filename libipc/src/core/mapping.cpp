#include "ipc/mapping.hpp"

#include <sys/mman.h>

namespace ipc {

mapping& mapping::operator=(mapping&& other) noexcept {
    if (this != &other) {
        reset();
        addr_ = std::exchange(other.addr_, nullptr);
        size_ = std::exchange(other.size_, 0);
    }
    return *this;
}

result<mapping> mapping::map(int fd, std::size_t size, access mode) noexcept {
    if (size == 0) {
        return error{errc::invalid_argument, "cannot map zero bytes"};
    }
    const int prot = mode == access::read_only ? PROT_READ : PROT_READ | PROT_WRITE;
    void* addr = ::mmap(nullptr, size, prot, MAP_SHARED, fd, 0);
    if (addr == MAP_FAILED) {
        return system_error("mmap failed");
    }
    mapping m;
    m.addr_ = addr;
    m.size_ = size;
    return m;
}

void mapping::reset() noexcept {
    if (addr_ != nullptr) {
        ::munmap(addr_, size_);
        addr_ = nullptr;
        size_ = 0;
    }
}

}  // namespace ipc
