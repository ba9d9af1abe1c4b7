#include "ipc/varint.hpp"

namespace ipc::varint {

std::size_t encode(std::uint64_t value, std::span<std::byte, max_bytes> out) noexcept {
    std::size_t n = 0;
    while (value >= 0x80) {
        out[n++] = static_cast<std::byte>((value & 0x7f) | 0x80);
        value >>= 7;
    }
    out[n++] = static_cast<std::byte>(value);
    return n;
}

std::size_t encoded_size(std::uint64_t value) noexcept {
    std::size_t n = 1;
    while (value >= 0x80) {
        value >>= 7;
        ++n;
    }
    return n;
}

result<decoded> decode(std::span<const std::byte> in) noexcept {
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < in.size() && i < max_bytes; ++i) {
        const auto byte = static_cast<std::uint8_t>(in[i]);
        const std::uint64_t group = byte & 0x7fu;
        // The 10th byte may only carry the top bit of a uint64_t.
        if (i == max_bytes - 1 && group > 1) {
            return error{errc::corrupt, "varint overflows 64 bits"};
        }
        value |= group << (7 * i);
        if ((byte & 0x80u) == 0) {
            if (i > 0 && group == 0) {
                return error{errc::corrupt, "varint is not minimally encoded"};
            }
            return decoded{value, i + 1};
        }
    }
    if (in.size() >= max_bytes) {
        return error{errc::corrupt, "varint longer than 10 bytes"};
    }
    return error{errc::empty, "varint is incomplete"};
}

}  // namespace ipc::varint
