#include "channel/simpleipc/simpleipc_segment.hpp"

#include <sys/stat.h>
#include <time.h>

#include <cstring>

#include "core/object_users.hpp"
#include "ipc/clock.hpp"
#include "ipc/detail/atomic.hpp"
#include "ipc/shm.hpp"

namespace ipc::detail::simpleipc {

namespace {

// Room for "_slot_1023_resp" within the semaphores' names (named_semaphore: 200).
constexpr std::size_t max_name_length = 185;

// A leftover object: replaced when nobody maps it any more, else not ours to take.
result<void> clear_leftover(const std::string& name) {
    auto fd = shm::open(name, access::read_only);
    if (!fd) {
        return fd.code() == errc::not_found ? result<void>{} : fd.error_value();
    }
    if (auto owner = shm::check_owner(fd->get()); !owner) {
        return owner.error_value();
    }
    struct stat st {};
    if (::fstat(fd->get(), &st) != 0) {
        return system_error("the SimpleIPC object cannot be examined");
    }
    if (users_of(st.st_dev, st.st_ino).other_processes > 0) {
        return error{errc::busy, "another process maps the SimpleIPC object"};
    }
    auto gone = shm::unlink_if_same(name, fd->get());
    return gone || gone.code() == errc::not_found ? result<void>{} : gone;
}

result<void> make_semaphores(segment& s, const std::string& name, mode_t mode) {
    for (std::uint32_t i = 0; i < s.shape.slots; ++i) {
        auto request = named_semaphore::create(semaphore_name(name, i, false), mode);
        if (!request) {
            return request.error_value();
        }
        s.request_ready.push_back(std::move(*request));
        auto response = named_semaphore::create(semaphore_name(name, i, true), mode);
        if (!response) {
            return response.error_value();
        }
        s.response_ready.push_back(std::move(*response));
    }
    return {};
}

// All but the slot count, which says the object is ready (mark_ready): a guest that finds it
// 0 waits (the spec's hosts name the object before they write it, too).
void write_header(const segment& s) {
    const std::uint32_t words[3] = {s.shape.slot_size, 0, s.shape.half};
    std::memcpy(s.map.data() + slot_size_offset, words, sizeof words);
}

// Release: a guest that reads the slot count reads the rest of the header and the semaphores'
// existence before it.
void mark_ready(const segment& s) {
    store(*reinterpret_cast<std::uint32_t*>(s.map.data() + num_slots_offset), s.shape.slots,
          std::memory_order_release);
}

void pause_briefly() {
    const timespec ts{0, 5'000'000};
    ::nanosleep(&ts, nullptr);
}

// The header once it is filled in and the object sized for it; `not_ready` while the host is
// still making it (a reference host names it before writing it).
result<geometry> read_header(int fd) {
    auto size = shm::size_of(fd);
    if (!size) {
        return size.error_value();
    }
    if (*size < header_bytes) {
        return error{errc::not_ready, "the SimpleIPC object has no header yet"};
    }
    std::uint32_t words[2] = {};
    if (::pread(fd, words, sizeof words, 0) != static_cast<ssize_t>(sizeof words)) {
        return system_error("the SimpleIPC header cannot be read");
    }
    if (words[0] == 0 || words[1] == 0) {
        return error{errc::not_ready, "the SimpleIPC header is not written yet"};
    }
    const auto shape = geometry_of(words[0], words[1]);
    if (!shape) {
        return error{errc::corrupt, "the SimpleIPC header's slot count or size is out of range"};
    }
    if (*size < shape->object_bytes) {
        return error{errc::not_ready, "the SimpleIPC object is smaller than its header says"};
    }
    return *shape;
}

}  // namespace

std::string semaphore_name(const std::string& name, std::uint32_t slot, bool response) {
    return name + "_slot_" + std::to_string(slot) + (response ? "_resp" : "");
}

result<segment> create_segment(const std::string& name, std::uint32_t slots,
                               std::uint32_t slot_size, mode_t mode) {
    if (auto ok = check_foreign_name(
            name, max_name_length,
            "a SimpleIPC name is '/' and then 1 to 184 characters without another '/'");
        !ok) {
        return ok.error_value();
    }
    const auto shape = geometry_of(slots, slot_size);
    if (!shape) {
        return error{errc::invalid_argument,
                     "SimpleIPC needs 1 to 1024 slots of at least 128 bytes, a multiple of 4"};
    }
    if (auto cleared = clear_leftover(name); !cleared) {
        return cleared.error_value();
    }
    segment s;
    s.shape = *shape;
    auto fd = shm::create_unnamed(shape->object_bytes, mode);
    if (!fd) {
        return fd.error_value();
    }
    s.fd = std::move(*fd);
    auto map = ipc::mapping::map(s.fd.get(), shape->object_bytes, access::read_write);
    if (!map) {
        return map.error_value();
    }
    s.map = std::move(*map);
    write_header(s);
    // The name first, exclusively: a host that loses a race to it has touched no semaphore.
    if (auto published = shm::publish(s.fd.get(), name); !published) {
        return published.code() == errc::already_exists
                   ? error{errc::busy, "another SimpleIPC host made the object meanwhile"}
                   : published.error_value();
    }
    if (auto made = s.identify(); !made) {
        remove_segment(name, s);
        return made.error_value();
    }
    if (auto made = make_semaphores(s, name, mode); !made) {
        remove_segment(name, s);
        return made.error_value();
    }
    mark_ready(s);
    return s;
}

result<segment> open_segment(const std::string& name, std::span<const uid_t> trusted_owners,
                             std::chrono::milliseconds timeout) {
    if (auto ok = check_foreign_name(
            name, max_name_length,
            "a SimpleIPC name is '/' and then 1 to 184 characters without another '/'");
        !ok) {
        return ok.error_value();
    }
    const deadline until(std::chrono::duration_cast<std::chrono::nanoseconds>(timeout));
    segment s;
    for (;;) {
        auto fd = shm::open(name, access::read_write);
        error why = fd ? error{} : fd.error_value();
        if (fd) {
            if (auto owner = shm::check_owner(fd->get(), trusted_owners); !owner) {
                return owner.error_value();
            }
            auto shape = read_header(fd->get());
            if (shape) {
                s.fd = std::move(*fd);
                s.shape = *shape;
                break;
            }
            why = shape.error_value();
        }
        if ((why.code() != errc::not_found && why.code() != errc::not_ready) ||
            until.passed(monotonic_ns())) {
            return why;
        }
        pause_briefly();
    }
    auto map = ipc::mapping::map(s.fd.get(), s.shape.object_bytes, access::read_write);
    if (!map) {
        return map.error_value();
    }
    s.map = std::move(*map);
    if (auto identified = s.identify(); !identified) {
        return identified.error_value();
    }
    for (std::uint32_t i = 0; i < s.shape.slots * 2; ++i) {
        const bool response = i % 2 == 1;
        auto sem = named_semaphore::open(semaphore_name(name, i / 2, response), trusted_owners);
        while (!sem && sem.code() == errc::not_found && !until.passed(monotonic_ns())) {
            pause_briefly();
            sem = named_semaphore::open(semaphore_name(name, i / 2, response), trusted_owners);
        }
        if (!sem) {
            return sem.error_value();
        }
        (response ? s.response_ready : s.request_ready).push_back(std::move(*sem));
    }
    return s;
}

void remove_segment(const std::string& name, const segment& seg) noexcept {
    for (std::uint32_t i = 0; i < seg.shape.slots; ++i) {
        (void)named_semaphore::unlink(semaphore_name(name, i, false));
        (void)named_semaphore::unlink(semaphore_name(name, i, true));
    }
    if (seg.fd.valid()) {
        (void)shm::unlink_if_same(name, seg.fd.get());
    }
}

}  // namespace ipc::detail::simpleipc
