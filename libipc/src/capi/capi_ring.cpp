// The C API's rings (ipc/ipc.h) over ipc::ring_writer and ipc::ring_reader.

#include <cstring>

#include "capi/capi_ring.hpp"
#include "ipc/ring.hpp"

struct ipc_ring_writer {
    ipc::ring_writer end;
};

struct ipc_ring_reader {
    ipc::ring_reader end;
};

namespace ipc::capi {

result<ring_options> ring_options_of(const ipc_ring_config* config) noexcept {
    ring_options o;
    if (config == nullptr) {
        return o;
    }
    if (!wait_of(config->wait, o.wait) || (config->flags & ~known_flags) != 0) {
        return error{errc::invalid_argument, "an unknown wait strategy or flag"};
    }
    o.max_message = config->max_message != 0 ? config->max_message : o.max_message;
    o.capacity = config->capacity;
    o.telemetry = telemetry_of(config->flags);
    return o;
}

ipc_status send_on(ring_writer& writer, const void* data, std::size_t size,
                   std::int64_t timeout_ns) noexcept {
    if (data == nullptr && size != 0) {
        return missing("no data to send");
    }
    const std::span message(static_cast<const std::byte*>(data), size);
    return status_of(timeout_ns == 0 ? writer.try_send(message)
                                     : writer.send(message, timeout_of(timeout_ns)));
}

// read(), not receive(): a buffer too small is told the message's size, which stays unread.
ipc_status receive_on(ring_reader& reader, void* buffer, std::size_t capacity, std::size_t* size,
                      std::int64_t timeout_ns) noexcept {
    if (size == nullptr || (buffer == nullptr && capacity != 0)) {
        return missing("no buffer or no size to receive into");
    }
    auto view = timeout_ns == 0 ? reader.try_read() : reader.read(timeout_of(timeout_ns));
    if (!view) {
        return fail(view.error_value());
    }
    *size = view->payload.size();
    if (view->payload.size() > capacity) {
        return fail(IPC_INVALID_ARGUMENT, "the buffer is smaller than the message (left unread)");
    }
    if (!view->payload.empty()) {
        std::memcpy(buffer, view->payload.data(), view->payload.size());
    }
    reader.release();
    return IPC_OK;
}

}  // namespace ipc::capi

using namespace ipc::capi;

extern "C" {

ipc_status ipc_ring_writer_open(const char* name, const ipc_ring_config* config,
                                ipc_ring_writer** writer) {
    return guarded([&] {
        return open_handle(name != nullptr, writer, ring_options_of(config),
                           [&](const auto& o) { return ipc::ring_writer::open(name, o); });
    });
}

ipc_status ipc_ring_send(ipc_ring_writer* writer, const void* data, size_t size,
                         int64_t timeout_ns) {
    return guarded([&] {
        return writer == nullptr ? missing("no writer")
                                 : send_on(writer->end, data, size, timeout_ns);
    });
}

void ipc_ring_writer_close(ipc_ring_writer* writer) {
    delete writer;
}

ipc_status ipc_ring_reader_open(const char* name, const ipc_ring_config* config,
                                ipc_ring_reader** reader) {
    return guarded([&] {
        return open_handle(name != nullptr, reader, ring_options_of(config),
                           [&](const auto& o) { return ipc::ring_reader::open(name, o); });
    });
}

ipc_status ipc_ring_receive(ipc_ring_reader* reader, void* buffer, size_t capacity, size_t* size,
                            int64_t timeout_ns) {
    return guarded([&] {
        return reader == nullptr ? missing("no reader")
                                 : receive_on(reader->end, buffer, capacity, size, timeout_ns);
    });
}

void ipc_ring_reader_close(ipc_ring_reader* reader) {
    delete reader;
}

}  // extern "C"
