#pragma once
// The other side of the uds-ipc framing (../shared/specs/uds-ipc.md), written from the spec
// alone with raw syscalls, not libipc's code: unsigned LEB128 length, then the payload, on a
// SOCK_STREAM Unix socket.

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "support/raw_socket.hpp"

namespace ipc::test::uds {

inline std::vector<std::uint8_t> frame(const std::vector<std::uint8_t>& payload) {
    std::vector<std::uint8_t> out;
    std::uint64_t v = payload.size();
    while (v >= 0x80) {
        out.push_back(static_cast<std::uint8_t>(v | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<std::uint8_t>(v));
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
}

inline bool write_all(int fd, const std::uint8_t* p, std::size_t n) {
    while (n > 0) {
        const ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0) {
            return false;
        }
        p += w;
        n -= static_cast<std::size_t>(w);
    }
    return true;
}

inline bool read_all(int fd, std::uint8_t* p, std::size_t n) {
    while (n > 0) {
        const ssize_t r = ::read(fd, p, n);
        if (r <= 0) {
            return false;
        }
        p += r;
        n -= static_cast<std::size_t>(r);
    }
    return true;
}

// The next frame's payload, or nothing at the end of the stream (or a bad length).
inline std::optional<std::vector<std::uint8_t>> read_frame(int fd, std::uint64_t max = 10485760) {
    std::uint64_t length = 0;
    for (int shift = 0;; shift += 7) {
        std::uint8_t b = 0;
        if (shift > 63 || !read_all(fd, &b, 1)) {
            return std::nullopt;
        }
        length |= static_cast<std::uint64_t>(b & 0x7f) << shift;
        if ((b & 0x80) == 0) {
            break;
        }
    }
    if (length > max) {
        return std::nullopt;
    }
    std::vector<std::uint8_t> payload(length);
    if (!read_all(fd, payload.data(), payload.size())) {
        return std::nullopt;
    }
    return payload;
}

inline int connect_to(const std::string& path) {
    return raw_connect(path, SOCK_STREAM);
}

inline int listen_at(const std::string& path) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 16) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

}  // namespace ipc::test::uds
