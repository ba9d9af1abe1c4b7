// The names of the snapshot's enums, as exporters and views print them (docs/SNAPSHOT.md).

#include "ipc/inspect.hpp"

namespace ipc::inspect {

std::string_view to_string(segment_kind k) noexcept {
    switch (k) {
        case segment_kind::telemetry:
            return "telemetry";
        case segment_kind::ring:
            return "ring";
        case segment_kind::slots:
            return "slots";
        case segment_kind::zipc:
            return "zipc";
        case segment_kind::simpleipc:
            return "simpleipc";
        case segment_kind::unknown:
            break;
    }
    return "unknown";
}

std::string_view used_unit(const channel_info& c) noexcept {
    if (c.used_is_bytes) {
        return "bytes";
    }
    return c.kind == channel_kind::duplex ? "messages" : "slots";
}

std::string_view to_string(channel_kind k) noexcept {
    switch (k) {
        case channel_kind::ring:
            return "ring";
        case channel_kind::slots:
            return "slots";
        case channel_kind::duplex:
            return "duplex";
        case channel_kind::broker:
            return "broker";
        case channel_kind::stream:
            return "stream";
        case channel_kind::zipc:
            return "zipc";
        case channel_kind::simpleipc:
            return "simpleipc";
        case channel_kind::unknown:
            break;
    }
    return "unknown";
}

std::string_view to_string(endpoint_role r) noexcept {
    switch (r) {
        case endpoint_role::writer:
            return "writer";
        case endpoint_role::reader:
            return "reader";
        case endpoint_role::host:
            return "host";
        case endpoint_role::guest:
            return "guest";
        case endpoint_role::server:
            return "server";
        case endpoint_role::client:
            return "client";
        case endpoint_role::parent:
            return "parent";
        case endpoint_role::child:
            return "child";
        case endpoint_role::unknown:
            break;
    }
    return "unknown";
}

std::string_view to_string(endpoint_state s) noexcept {
    return s == endpoint_state::active ? "active" : "closed";
}

std::string_view to_string(end_state s) noexcept {
    switch (s) {
        case end_state::none:
            return "none";
        case end_state::claiming:
            return "claiming";
        case end_state::attached:
            return "attached";
        case end_state::closed:
            return "closed";
        case end_state::invalid:
            break;
    }
    return "invalid";
}

std::string_view to_string(slot_state s) noexcept {
    switch (s) {
        case slot_state::free:
            return "free";
        case slot_state::request_ready:
            return "request_ready";
        case slot_state::serving:
            return "serving";
        case slot_state::response_ready:
            return "response_ready";
    }
    return "free";
}

std::string_view to_string(health_state h) noexcept {
    switch (h) {
        case health_state::ok:
            return "ok";
        case health_state::idle:
            return "idle";
        case health_state::backpressure:
            return "backpressure";
        case health_state::dropping:
            return "dropping";
        case health_state::peer_dead:
            return "peer_dead";
        case health_state::stale:
            return "stale";
        case health_state::corrupt:
            return "corrupt";
    }
    return "corrupt";
}

}  // namespace ipc::inspect
