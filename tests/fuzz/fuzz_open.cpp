// libFuzzer target: ring, slots, ZIPC and SimpleIPC opens over a hostile segment, and what an end
// then does with it (read every message, send one, take slots). Errors are fine; a crash, a hang or
// an access outside the mapping is a bug.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "hostile_segment.hpp"

namespace {

void use_ring() {
    ipc::ring_options o;
    o.mode = ipc::open_mode::open_only;
    o.max_message = 256;
    o.capacity = 4096;
    o.telemetry = false;
    if (auto r = ipc::ring_reader::open(ipc::fuzz::channel, o)) {
        for (int i = 0; i < 64 && r->try_read(); ++i) {
            r->release();
        }
    }
    if (auto w = ipc::ring_writer::open(ipc::fuzz::channel, o)) {
        std::vector<std::byte> message(100);
        for (int i = 0; i < 8; ++i) {
            (void)w->try_send(message);
        }
    }
}

void use_slots() {
    ipc::guest_options g;
    g.host_timeout = std::chrono::milliseconds(0);
    g.telemetry = false;
    (void)ipc::slots_guest::open(ipc::fuzz::channel, g);
    ipc::slots_options h;
    h.slots = 3;
    h.request_capacity = 64;
    h.response_capacity = 64;
    h.telemetry = false;
    h.keep_segment = true;
    (void)ipc::slots_host::open(ipc::fuzz::channel, h);
}

// A ZIPC receiver and sender of the template's geometry over the hostile object: every
// length and index they read is checked.
void use_zipc() {
    ipc::zipc_options o;
    o.slots = 8;
    o.message_size = 64;
    o.telemetry = false;
    if (auto r = ipc::zipc_receiver::open(ipc::fuzz::object_of(ipc::fuzz::kind::zipc), o)) {
        for (int i = 0; i < 16; ++i) {
            (void)r->try_receive();
        }
    }
    if (auto s = ipc::zipc_sender::open(ipc::fuzz::object_of(ipc::fuzz::kind::zipc), o)) {
        const std::vector<std::byte> message(40);
        for (int i = 0; i < 8; ++i) {
            (void)s->try_send(message);
        }
    }
}

// A SimpleIPC guest's open checks the hostile header against the object's size (its
// semaphores are gone with the template's host, so it ends there).
void use_simpleipc() {
    ipc::simpleipc_options o;
    o.host_timeout = std::chrono::milliseconds(0);
    o.telemetry = false;
    (void)ipc::simpleipc_guest::open(ipc::fuzz::object_of(ipc::fuzz::kind::simpleipc), o);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    ipc::fuzz::kind k{};
    (void)ipc::fuzz::write_hostile(data, size, k);
    if (k == ipc::fuzz::kind::ring) {
        use_ring();
    } else if (k == ipc::fuzz::kind::slots) {
        use_slots();
    } else if (k == ipc::fuzz::kind::zipc) {
        use_zipc();
    } else if (k == ipc::fuzz::kind::simpleipc) {
        use_simpleipc();
    }
    return 0;
}
