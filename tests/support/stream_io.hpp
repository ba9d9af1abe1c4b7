#pragma once
// Sending and checking a deterministic stream (message_stream.hpp) through a ring's ends: what
// the test peers and the tests that drive them share. Each returns a peer exit code: 0 ok,
// 4 a send or receive failed, 5 a message differs (said on stderr, after `who`).

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

#include "ipc/ring.hpp"
#include "support/message_stream.hpp"

namespace ipc::test {

inline int write_stream(ring_writer& w, std::uint64_t count, std::uint64_t seed, std::size_t max,
                        const char* who) {
    for (std::uint64_t i = 0; i < count; ++i) {
        const std::size_t size = message_size(seed, i, max);
        auto span = w.reserve(size);
        if (!span) {
            std::fprintf(stderr, "%s: reserve %llu: %s\n", who, static_cast<unsigned long long>(i),
                         span.error_value().message().c_str());
            return 4;
        }
        fill_message(seed, i, *span);
        if (auto ok = w.commit(size); !ok) {
            return 4;
        }
    }
    return 0;
}

inline int read_stream(ring_reader& r, std::uint64_t count, std::uint64_t seed, std::size_t max,
                       const char* who) {
    std::vector<std::byte> expected(max);
    for (std::uint64_t i = 0; i < count; ++i) {
        auto view = r.read();
        if (!view) {
            std::fprintf(stderr, "%s: read %llu: %s\n", who, static_cast<unsigned long long>(i),
                         view.error_value().message().c_str());
            return 4;
        }
        const std::size_t size = message_size(seed, i, max);
        fill_message(seed, i, std::span(expected.data(), size));
        if (view->payload.size() != size ||
            (size != 0 && std::memcmp(view->payload.data(), expected.data(), size) != 0)) {
            std::fprintf(stderr, "%s: message %llu differs\n", who,
                         static_cast<unsigned long long>(i));
            return 5;
        }
        r.release();
    }
    return 0;
}

}  // namespace ipc::test
