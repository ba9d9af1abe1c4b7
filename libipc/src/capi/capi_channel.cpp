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

template <class End>
ipc_status hand_out(ipc::result<End> made, ipc_channel** channel) {
    if (!made) {
        return fail(made.error_value());
    }
    *channel = new ipc_channel{std::move(*made)};
    return IPC_OK;
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
        if (program == nullptr || argv == nullptr || argv[0] == nullptr || channel == nullptr) {
            return missing("no program, no argv[0] or no handle to fill");
        }
        auto o = channel_options_of<ipc::duplex_options>(config);
        if (!o) {
            return fail(o.error_value());
        }
        std::vector<std::string> args;
        for (const char* const* a = argv; *a != nullptr; ++a) {
            args.emplace_back(*a);
        }
        return hand_out(ipc::duplex_parent::spawn(program, args, *o), channel);
    });
}

ipc_status ipc_duplex_inherit(const ipc_ring_config* config, ipc_channel** channel) {
    return guarded([&] {
        if (channel == nullptr) {
            return missing("no handle to fill");
        }
        auto o = channel_options_of<ipc::duplex_options>(config);
        if (!o) {
            return fail(o.error_value());
        }
        return hand_out(ipc::duplex_child::inherit(*o), channel);
    });
}

ipc_status ipc_broker_listen(const char* name, const ipc_ring_config* config, ipc_broker** broker) {
    return guarded([&] {
        if (name == nullptr || broker == nullptr) {
            return missing("no name or no handle to fill");
        }
        auto o = channel_options_of<ipc::broker_options>(config);
        if (!o) {
            return fail(o.error_value());
        }
        auto server = ipc::broker_server::listen(name, *o);
        if (!server) {
            return fail(server.error_value());
        }
        *broker = new ipc_broker{std::move(*server)};
        return IPC_OK;
    });
}

ipc_status ipc_broker_accept(ipc_broker* broker, int64_t timeout_ns, ipc_channel** channel) {
    return guarded([&] {
        if (broker == nullptr || channel == nullptr) {
            return missing("no broker or no handle to fill");
        }
        return hand_out(broker->server.accept(timeout_of(timeout_ns)), channel);
    });
}

void ipc_broker_close(ipc_broker* broker) {
    delete broker;
}

ipc_status ipc_broker_connect(const char* name, const ipc_ring_config* config, int64_t timeout_ns,
                              ipc_channel** channel) {
    return guarded([&] {
        if (name == nullptr || channel == nullptr) {
            return missing("no name or no handle to fill");
        }
        auto o = channel_options_of<ipc::broker_options>(config);
        if (!o) {
            return fail(o.error_value());
        }
        return hand_out(ipc::broker_client::connect(name, *o, timeout_of(timeout_ns)), channel);
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
