#pragma once
// The echo service of the slots tests: the response is an 8-byte FNV-1a checksum of the request
// followed by the request itself, so the host checks that the guest read every byte.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "ipc/error.hpp"

namespace ipc::test {

inline constexpr std::size_t echo_overhead = 8;

inline std::uint64_t fnv1a(std::span<const std::byte> bytes) noexcept {
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (auto b : bytes) {
        h = (h ^ static_cast<std::uint64_t>(b)) * 0x100000001b3ull;
    }
    return h;
}

inline result<std::size_t> echo(std::span<const std::byte> request,
                                std::span<std::byte> response) noexcept {
    if (response.size() < request.size() + echo_overhead) {
        return error{errc::message_too_large, "response area too small for the echo"};
    }
    const std::uint64_t sum = fnv1a(request);
    std::memcpy(response.data(), &sum, sizeof sum);
    if (!request.empty()) {
        std::memcpy(response.data() + echo_overhead, request.data(), request.size());
    }
    return request.size() + echo_overhead;
}

// Whether `response` is the echo of `request`.
inline bool is_echo_of(std::span<const std::byte> response,
                       std::span<const std::byte> request) noexcept {
    if (response.size() != request.size() + echo_overhead) {
        return false;
    }
    std::uint64_t sum = 0;
    std::memcpy(&sum, response.data(), sizeof sum);
    return sum == fnv1a(request) &&
           (request.empty() ||
            std::memcmp(response.data() + echo_overhead, request.data(), request.size()) == 0);
}

}  // namespace ipc::test
