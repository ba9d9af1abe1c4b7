// The C API's streams (ipc/ipc.h) over ipc::stream_writer and ipc::stream_reader, the reader's
// handler a C function with its context.

#include <memory>

#include "capi/capi_support.hpp"
#include "ipc/stream.hpp"

struct ipc_stream_writer {
    ipc::stream_writer end;
};

struct ipc_stream_reader {
    ipc::stream_reader end;
};

namespace {

using namespace ipc::capi;

ipc::result<ipc::stream_writer_options> writer_options_of(const ipc_stream_config* config) {
    ipc::stream_writer_options o;
    if (config == nullptr) {
        return o;
    }
    if ((config->flags & ~known_flags) != 0) {
        return ipc::error{ipc::errc::invalid_argument, "an unknown flag"};
    }
    o.max_message = config->max_message != 0 ? config->max_message : o.max_message;
    o.max_queue_messages =
        config->max_queue_messages != 0 ? config->max_queue_messages : o.max_queue_messages;
    o.max_queue_bytes = config->max_queue_bytes != 0 ? config->max_queue_bytes : o.max_queue_bytes;
    o.telemetry = telemetry_of(config->flags);
    return o;
}

ipc::result<ipc::stream_reader_options> reader_options_of(const ipc_stream_config* config) {
    ipc::stream_reader_options o;
    if (config == nullptr) {
        return o;
    }
    if ((config->flags & ~known_flags) != 0) {
        return ipc::error{ipc::errc::invalid_argument, "an unknown flag"};
    }
    o.max_message = config->max_message != 0 ? config->max_message : o.max_message;
    o.telemetry = telemetry_of(config->flags);
    return o;
}

// The C handler as the reader's: a non-zero return is the message's failure.
ipc::stream_handler handler_of(ipc_message_handler handler, void* context) {
    if (handler == nullptr) {
        return {};
    }
    return [handler, context](std::span<const std::byte> message,
                              const ipc::stream_peer& from) -> ipc::result<void> {
        if (handler(context, message.data(), message.size(), from.connection,
                    from.credentials.pid) != 0) {
            return ipc::error{ipc::errc::handler_failed, "the C handler failed"};
        }
        return {};
    };
}

}  // namespace

extern "C" {

ipc_status ipc_stream_writer_open(const char* path, const ipc_stream_config* config,
                                  ipc_stream_writer** writer) {
    return guarded([&] {
        return open_handle(path != nullptr, writer, writer_options_of(config),
                           [&](const auto& o) { return ipc::stream_writer::open(path, o); });
    });
}

ipc_status ipc_stream_send(ipc_stream_writer* writer, const void* data, size_t size,
                           int64_t timeout_ns) {
    return guarded([&] {
        if (writer == nullptr || (data == nullptr && size != 0)) {
            return missing("no writer or no data");
        }
        const std::span message(static_cast<const std::byte*>(data), size);
        return status_of(timeout_ns == 0 ? writer->end.try_send(message)
                                         : writer->end.send(message, timeout_of(timeout_ns)));
    });
}

ipc_status ipc_stream_flush(ipc_stream_writer* writer, int64_t timeout_ns) {
    return guarded([&] {
        return writer == nullptr ? missing("no writer")
                                 : status_of(writer->end.flush(timeout_of(timeout_ns)));
    });
}

void ipc_stream_writer_close(ipc_stream_writer* writer, int64_t timeout_ns, uint64_t* unsent) {
    const std::unique_ptr<ipc_stream_writer> owned(writer);  // freed whatever happens below
    guarded_void([&] {
        if (owned) {
            const auto report = owned->end.stop(timeout_of(timeout_ns));
            if (unsent != nullptr) {
                *unsent = report.unsent_messages;
            }
        }
    });
}

ipc_status ipc_stream_reader_listen(const char* path, const ipc_stream_config* config,
                                    ipc_stream_reader** reader) {
    return guarded([&] {
        return open_handle(path != nullptr, reader, reader_options_of(config),
                           [&](const auto& o) { return ipc::stream_reader::listen(path, o); });
    });
}

ipc_status ipc_stream_poll(ipc_stream_reader* reader, int64_t timeout_ns,
                           ipc_message_handler handler, void* context, size_t* handled) {
    return guarded([&] {
        if (reader == nullptr || handler == nullptr) {
            return missing("no reader or no handler");
        }
        auto n = reader->end.poll(timeout_of(timeout_ns), handler_of(handler, context));
        if (!n) {
            return fail(n.error_value());
        }
        if (handled != nullptr) {
            *handled = *n;
        }
        return IPC_OK;
    });
}

void ipc_stream_reader_close(ipc_stream_reader* reader, ipc_message_handler handler,
                             void* context) {
    const std::unique_ptr<ipc_stream_reader> owned(reader);  // freed whatever happens below
    guarded_void([&] {
        if (owned) {
            owned->end.stop(handler_of(handler, context));
        }
    });
}

}  // extern "C"
