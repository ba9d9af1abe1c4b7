#include "channel/zipc/zipc_segment.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ipc/detail/atomic.hpp"
#include "ipc/shm.hpp"

namespace ipc::detail::zipc {

namespace {

// The object: opened if there, else made (0600, as the reference makes it); a side that lost
// the race to make it opens the winner's.
result<unique_fd> open_or_create(const std::string& name, std::size_t size) {
    for (int attempt = 0; attempt < 2; ++attempt) {
        if (auto fd = shm::open(name, access::read_write); fd || fd.code() != errc::not_found) {
            return fd;
        }
        if (auto fd = shm::create(name, size, 0600); fd || fd.code() != errc::already_exists) {
            return fd;
        }
    }
    return error{errc::busy, "the ZIPC object came and went while opening it"};
}

}  // namespace

result<segment> open_segment(const std::string& name, std::uint32_t slots,
                             std::uint32_t message_size) {
    if (auto ok = check_foreign_name(
            name, max_name_length,
            "a ZIPC name is '/' and then 1 to 38 characters without another '/'");
        !ok) {
        return ok.error_value();
    }
    const auto shape = geometry_of(slots, message_size);
    if (!shape) {
        return error{errc::invalid_argument, "ZIPC needs at least 2 slots of at least 1 byte"};
    }
    segment s;
    s.shape = *shape;
    auto fd = open_or_create(name, shape->object_bytes);
    if (!fd) {
        return fd.error_value();
    }
    s.fd = std::move(*fd);
    if (auto owner = shm::check_owner(s.fd.get()); !owner) {
        return owner.error_value();
    }
    if (auto identified = s.identify(); !identified) {
        return identified.error_value();
    }
    auto size_now = shm::size_of(s.fd.get());
    if (!size_now) {
        return size_now.error_value();
    }
    const std::size_t size = *size_now;
    // Both sides size the object (the reference does): one made by the other side an instant
    // ago may still be empty. One already sized for another geometry is not ours to change.
    if (size == 0 && ::ftruncate(s.fd.get(), static_cast<off_t>(shape->object_bytes)) != 0) {
        return system_error("sizing the ZIPC object failed");
    }
    // Only the sizes these slots give (with or without the reference's 128 spare bytes): an
    // object of other slots has another layout, and its maker would resize it under us.
    if (size != 0 && size != shape->mapped_bytes && size != shape->object_bytes) {
        return error{errc::invalid_argument,
                     "the ZIPC object's size is not these slots': made with other sizes"};
    }
    // Its pages taken now, as the reference does: a full shm directory fails here, not as a
    // SIGBUS in a later send.
    if (const int rc = ::posix_fallocate(s.fd.get(), 0, static_cast<off_t>(shape->mapped_bytes));
        rc != 0) {
        return error{errc::system, "no room in the shm directory for the ZIPC object", rc};
    }
    auto map = ipc::mapping::map(s.fd.get(), shape->mapped_bytes, access::read_write);
    if (!map) {
        return map.error_value();
    }
    s.map = std::move(*map);
    // As the reference: head and tail reset only while the flag is not yet set, then the flag
    // (release, so that a side that sees it sees the reset indices).
    if (s.init_flag() != init_magic) {
        store(s.head(), std::uint32_t{0}, std::memory_order_relaxed);
        store(s.tail(), std::uint32_t{0}, std::memory_order_relaxed);
        s.set_init_flag(init_magic);
    }
    return s;
}

}  // namespace ipc::detail::zipc
