// The ZIPC C API (ipc/zipc.h) over ipc::zipc_sender and ipc::zipc_receiver. Nothing thrown
// crosses into C: every entry point that calls into C++ catches everything and returns its
// failure value.

#include "ipc/zipc.h"

#include <chrono>
#include <cstdio>
#include <cstring>
#include <span>
#include <string>

#include "channel/zipc/zipc_layout.hpp"
#include "ipc/shm.hpp"
#include "ipc/zipc.hpp"

static_assert(sizeof(ZipcContext) == 88, "the reference's context is 88 bytes");

namespace {

template <class End>
ZipcContext create(const char* name, std::uint32_t slots, std::uint32_t size,
                   std::uint8_t mode) noexcept {
    ZipcContext c{};
    c.mode = mode;
    try {
        const std::string n = name != nullptr ? name : "";
        ipc::zipc_options o;
        o.slots = slots;
        o.message_size = size;
        auto end = End::open(n, o);
        if (!end) {
            std::fprintf(stderr, "zipc: %s: %s\n", n.c_str(), end.error_value().message().c_str());
            return c;
        }
        const auto shape = *ipc::detail::zipc::geometry_of(slots, size);
        auto* kept = new End(std::move(*end));
        auto* base = static_cast<char*>(kept->base());
        c.id = reinterpret_cast<std::uintptr_t>(kept);
        std::strncpy(c.name, n.c_str(), sizeof c.name - 1);
        c.params = {size, slots};
        c.queue = reinterpret_cast<ZipcQueue*>(base);
        c.buffers = base + shape.slots_offset;
        c.init_flag = reinterpret_cast<std::int32_t*>(base + shape.flag_offset);
    } catch (...) {
        std::fputs("zipc: out of memory\n", stderr);
        c.queue = nullptr;
    }
    return c;
}

// The context's end, when it is a live one of this kind.
template <class End>
End* end_of(const ZipcContext* c, std::uint8_t mode) noexcept {
    return c != nullptr && c->queue != nullptr && c->mode == mode
               ? reinterpret_cast<End*>(static_cast<std::uintptr_t>(c->id))
               : nullptr;
}

std::uint32_t handed_out(const ipc::result<std::span<const std::byte>>& m,
                         std::uint8_t** message) noexcept {
    *message = m ? reinterpret_cast<std::uint8_t*>(const_cast<std::byte*>(m->data())) : nullptr;
    return m ? static_cast<std::uint32_t>(m->size()) : 0;
}

}  // namespace

extern "C" {

ZipcContext zipc_create_receiver(const char* name, uint32_t queue_size, uint32_t message_size) {
    return create<ipc::zipc_receiver>(name, queue_size, message_size, ZIPC_MODE_CLIENT);
}

ZipcContext zipc_create_sender(const char* name, uint32_t queue_size, uint32_t message_size) {
    return create<ipc::zipc_sender>(name, queue_size, message_size, ZIPC_MODE_SERVER);
}

void zipc_destroy(ZipcContext* context) {
    if (auto* s = end_of<ipc::zipc_sender>(context, ZIPC_MODE_SERVER)) {
        delete s;
    } else if (auto* r = end_of<ipc::zipc_receiver>(context, ZIPC_MODE_CLIENT)) {
        delete r;
    }
    if (context != nullptr) {
        context->queue = nullptr;
        context->buffers = nullptr;
        context->init_flag = nullptr;
    }
}

void zipc_unlink(const char* name) {
    if (name != nullptr) {
        try {
            (void)ipc::shm::unlink(name);
        } catch (...) {  // nothing to report: the reference returns nothing
        }
    }
}

bool zipc_send(ZipcContext* sender, const uint8_t* message, size_t message_size) {
    auto* s = end_of<ipc::zipc_sender>(sender, ZIPC_MODE_SERVER);
    if (s == nullptr || (message == nullptr && message_size > 0)) {
        return false;
    }
    try {
        return static_cast<bool>(
            s->try_send(std::span(reinterpret_cast<const std::byte*>(message), message_size)));
    } catch (...) {  // an error's message that could not be allocated
        return false;
    }
}

uint32_t zipc_receive(ZipcContext* receiver, uint8_t** message) {
    auto* r = end_of<ipc::zipc_receiver>(receiver, ZIPC_MODE_CLIENT);
    if (message == nullptr) {
        return 0;
    }
    *message = nullptr;
    try {
        return r != nullptr ? handed_out(r->try_receive(), message) : 0;
    } catch (...) {
        return 0;
    }
}

uint32_t zipc_receive_blocking(ZipcContext* receiver, uint8_t** message, uint16_t timeout_millis) {
    auto* r = end_of<ipc::zipc_receiver>(receiver, ZIPC_MODE_CLIENT);
    if (message == nullptr) {
        return 0;
    }
    *message = nullptr;
    try {
        return r != nullptr
                   ? handed_out(r->receive(std::chrono::milliseconds(timeout_millis)), message)
                   : 0;
    } catch (...) {
        return 0;
    }
}

char* zipc_shm_path(const char* name) {
    static thread_local char path[4096];
    path[0] = '\0';
    try {
        if (name != nullptr && name[0] == '/' && name[1] != '\0' &&
            std::strlen(name) <= ipc::detail::zipc::max_name_length &&
            std::strchr(name + 1, '/') == nullptr) {
            std::snprintf(path, sizeof path, "%s%s", ipc::shm::directory().c_str(), name);
        }
    } catch (...) {
        path[0] = '\0';
    }
    return path;
}

}  // extern "C"
