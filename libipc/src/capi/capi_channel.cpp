// The C API's channels (ipc/ipc.h): a duplex parent or child, or a broker connection, each a
// pair of rings (ipc::duplex_end) behind one handle type.

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "capi/capi_ring.hpp"
#include "ipc/broker.hpp"
#include "ipc/duplex.hpp"

struct ipc_channel {
    std::variant<ipc::duplex_parent, ipc::duplex_child, ipc::broker_connection> end;

    ipc::duplex_end& rings() {
        return std::visit([](auto& e) -> ipc::duplex_end& { return e; }, end);
    }
};

struct ipc_broker {
    ipc::broker_server server;
};

namespace {

using namespace ipc::capi;

template <class Options>
ipc::result<Options> channel_options_of(const ipc_ring_config* config) {
    auto ring = ring_options_of(config);
    if (!ring) {
        return ring.error_value();
    }
    Options o;
    o.max_message = ring->max_message;
    o.capacity = ring->capacity;
    o.wait = ring->wait;
    o.telemetry = ring->telemetry;
    return o;
}

int exit_code_of(const ipc::result<ipc::exit_status>& status) {
    if (!status) {
        return -1;
    }
    return status->exited ? status->code : 128 + status->signal;
}

}  // namespace

extern "C" {

ipc_status ipc_duplex_spawn(const char* program, const char* const* argv,
                            const ipc_ring_config* config, ipc_channel** channel) {
    return guarded([&] {
        const bool given = program != nullptr && argv != nullptr && argv[0] != nullptr;
        return open_handle(
            given, channel, channel_options_of<ipc::duplex_options>(config),
            [&](const auto& o) {
                std::vector<std::string> args;
                for (const char* const* a = argv; *a != nullptr; ++a) {
                    args.emplace_back(*a);
                }
                return ipc::duplex_parent::spawn(program, args, o);
            },
            "no program, no argv[0] or no handle to fill");
    });
}

ipc_status ipc_duplex_inherit(const ipc_ring_config* config, ipc_channel** channel) {
    return guarded([&] {
        return open_handle(true, channel, channel_options_of<ipc::duplex_options>(config),
                           [&](const auto& o) { return ipc::duplex_child::inherit(o); });
    });
}

ipc_status ipc_broker_listen(const char* name, const ipc_ring_config* config, ipc_broker** broker) {
    return guarded([&] {
        return open_handle(name != nullptr, broker, channel_options_of<ipc::broker_options>(config),
                           [&](const auto& o) { return ipc::broker_server::listen(name, o); });
    });
}

ipc_status ipc_broker_accept(ipc_broker* broker, int64_t timeout_ns, ipc_channel** channel) {
    return guarded([&] {
        return open_handle(
            broker != nullptr, channel, ipc::result<int64_t>{timeout_ns},
            [&](int64_t ns) { return broker->server.accept(timeout_of(ns)); },
            "no broker or no handle to fill");
    });
}

void ipc_broker_close(ipc_broker* broker) {
    delete broker;
}

ipc_status ipc_broker_connect(const char* name, const ipc_ring_config* config, int64_t timeout_ns,
                              ipc_channel** channel) {
    return guarded([&] {
        return open_handle(name != nullptr, channel,
                           channel_options_of<ipc::broker_options>(config), [&](const auto& o) {
                               return ipc::broker_client::connect(name, o, timeout_of(timeout_ns));
                           });
    });
}

ipc_status ipc_channel_send(ipc_channel* channel, const void* data, size_t size,
                            int64_t timeout_ns) {
    return guarded([&] {
        return channel == nullptr ? missing("no channel")
                                  : send_on(channel->rings().to_peer(), data, size, timeout_ns);
    });
}

ipc_status ipc_channel_receive(ipc_channel* channel, void* buffer, size_t capacity, size_t* size,
                               int64_t timeout_ns) {
    return guarded([&] {
        return channel == nullptr
                   ? missing("no channel")
                   : receive_on(channel->rings().from_peer(), buffer, capacity, size, timeout_ns);
    });
}

void ipc_channel_close(ipc_channel* channel, int* exit_code) {
    const std::unique_ptr<ipc_channel> owned(channel);  // freed whatever happens below
    guarded_void([&] {
        if (auto* parent = owned ? std::get_if<ipc::duplex_parent>(&owned->end) : nullptr) {
            const int code = exit_code_of(parent->close());
            if (exit_code != nullptr) {
                *exit_code = code;
            }
        }
    });
}

}  // extern "C"
