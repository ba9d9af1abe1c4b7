#include "channel/broker/broker_wire.hpp"

#include <bit>
#include <cstring>

namespace ipc::detail {

static_assert(std::endian::native == std::endian::little, "the wire records are little-endian");

namespace {

template <class Record>
result<Record> parse(std::span<const std::byte> bytes, const char* what_size) noexcept {
    if (bytes.size() != sizeof(Record)) {
        return error{errc::corrupt, what_size};
    }
    Record r;
    std::memcpy(&r, bytes.data(), sizeof r);
    if (r.magic != broker_magic) {
        return error{errc::corrupt, "the broker peer does not speak the broker protocol"};
    }
    if (r.version != broker_wire_version) {
        return error{errc::version_mismatch, "the broker peer speaks another protocol version"}
            .with_subject("version", r.version);
    }
    return r;
}

error refusal_error(broker_refusal refusal) noexcept {
    switch (refusal) {
        case broker_refusal::not_allowed:
            return {errc::permission_denied, "the broker server does not allow this user"};
        case broker_refusal::full:
            return {errc::busy, "the broker server has as many clients as it takes"};
        case broker_refusal::bad_hello:
            return {errc::invalid_argument, "the broker server did not understand the hello"};
        case broker_refusal::server_error:
            return {errc::system, "the broker server could not make the connection's rings"};
        case broker_refusal::none:
            break;
    }
    return error{errc::corrupt, "the broker server gave an unknown refusal"}.with_subject(
        "refusal", static_cast<long long>(refusal));
}

}  // namespace

broker_hello make_hello(std::uint32_t max_message, std::uint64_t capacity) noexcept {
    return {broker_magic, broker_wire_version, max_message, capacity};
}

broker_welcome make_welcome(broker_refusal refusal, std::uint32_t max_message,
                            std::uint64_t capacity) noexcept {
    return {broker_magic, broker_wire_version, static_cast<std::uint32_t>(refusal), max_message, 0,
            capacity};
}

result<broker_hello> parse_hello(std::span<const std::byte> bytes) noexcept {
    return parse<broker_hello>(bytes, "the broker hello has the wrong size");
}

result<broker_welcome> parse_welcome(std::span<const std::byte> bytes) noexcept {
    auto w = parse<broker_welcome>(bytes, "the broker welcome has the wrong size");
    if (w && w->refusal != static_cast<std::uint32_t>(broker_refusal::none)) {
        return refusal_error(static_cast<broker_refusal>(w->refusal));
    }
    return w;
}

}  // namespace ipc::detail
