// The C API's slots (ipc/ipc.h) over ipc::slots_host and ipc::slots_guest, the guest's handler
// a C function with its context.

#include "capi/capi_support.hpp"
#include "ipc/slots.hpp"

struct ipc_slots_host {
    ipc::slots_host end;
};

struct ipc_slots_guest {
    ipc::slots_guest end;
};

namespace {

using namespace ipc::capi;

ipc::result<ipc::slots_options> host_options_of(const ipc_slots_config* config) {
    ipc::slots_options o;
    if (config == nullptr) {
        return o;
    }
    if (!wait_of(config->wait, o.wait) || (config->flags & ~known_flags) != 0) {
        return ipc::error{ipc::errc::invalid_argument, "an unknown wait strategy or flag"};
    }
    o.slots = config->slots != 0 ? config->slots : o.slots;
    o.request_capacity =
        config->request_capacity != 0 ? config->request_capacity : o.request_capacity;
    o.response_capacity =
        config->response_capacity != 0 ? config->response_capacity : o.response_capacity;
    o.telemetry = telemetry_of(config->flags);
    return o;
}

ipc::result<ipc::guest_options> guest_options_of(const ipc_guest_config* config) {
    ipc::guest_options o;
    if (config == nullptr) {
        return o;
    }
    if (!wait_of(config->wait, o.wait) || (config->flags & ~known_flags) != 0) {
        return ipc::error{ipc::errc::invalid_argument, "an unknown wait strategy or flag"};
    }
    o.max_slots = config->max_slots;
    o.workers = config->workers;
    if (config->host_timeout_ms != 0) {
        o.host_timeout = std::chrono::milliseconds(config->host_timeout_ms);
    }
    o.telemetry = telemetry_of(config->flags);
    return o;
}

}  // namespace

extern "C" {

ipc_status ipc_slots_host_open(const char* name, const ipc_slots_config* config,
                               ipc_slots_host** host) {
    return guarded([&] {
        return open_handle(name != nullptr, host, host_options_of(config),
                           [&](const auto& o) { return ipc::slots_host::open(name, o); });
    });
}

ipc_status ipc_slots_call(ipc_slots_host* host, const void* request, size_t request_size,
                          void* response, size_t response_capacity, size_t* response_size,
                          int64_t timeout_ns) {
    return guarded([&] {
        if (host == nullptr || response_size == nullptr ||
            (request == nullptr && request_size != 0) ||
            (response == nullptr && response_capacity != 0)) {
            return missing("no host, request, response or size");
        }
        auto n = host->end.call({static_cast<const std::byte*>(request), request_size},
                                {static_cast<std::byte*>(response), response_capacity},
                                timeout_of(timeout_ns));
        if (!n) {
            return fail(n.error_value());
        }
        *response_size = *n;
        return IPC_OK;
    });
}

void ipc_slots_host_close(ipc_slots_host* host) {
    delete host;
}

ipc_status ipc_slots_guest_open(const char* name, const ipc_guest_config* config,
                                ipc_slots_guest** guest) {
    return guarded([&] {
        return open_handle(name != nullptr, guest, guest_options_of(config),
                           [&](const auto& o) { return ipc::slots_guest::open(name, o); });
    });
}

ipc_status ipc_slots_guest_serve(ipc_slots_guest* guest, ipc_call_handler handler, void* context) {
    return guarded([&] {
        if (guest == nullptr || handler == nullptr) {
            return missing("no guest or no handler");
        }
        return status_of(
            guest->end.serve([&](std::span<const std::byte> request,
                                 std::span<std::byte> response) -> ipc::result<std::size_t> {
                std::size_t written = 0;
                if (handler(context, request.data(), request.size(), response.data(),
                            response.size(), &written) != 0) {
                    return ipc::error{ipc::errc::handler_failed, "the C handler failed"};
                }
                if (written > response.size()) {
                    return ipc::error{ipc::errc::handler_failed,
                                      "the C handler wrote more than the response holds"};
                }
                return written;
            }));
    });
}

void ipc_slots_guest_stop(ipc_slots_guest* guest) {
    if (guest != nullptr) {
        guest->end.stop();
    }
}

void ipc_slots_guest_close(ipc_slots_guest* guest) {
    delete guest;
}

}  // extern "C"
