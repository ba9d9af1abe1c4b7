#pragma once
// The measuring side of every two-way channel's cases (duplex, efdstream, broker): round trips
// and one-way throughput over anything with send(message) and take() (the next message, read
// and released).

#include <cstdint>
#include <span>
#include <vector>

#include "harness.hpp"
#include "must.hpp"

namespace bench {

// A pair of ring ends (a duplex end, a broker connection) as the loops use them.
template <class Pair>
struct ring_pair_end {
    Pair p;
    void send(std::span<const std::byte> m) { check(p.to_peer().send(m)); }
    void take() {
        (void)must(p.from_peer().read());
        p.from_peer().release();
    }
};

// Mean round trip of `count` messages of `size` bytes, in ns.
template <class End>
double round_trip(End end, std::size_t size, std::uint64_t count) {
    std::vector<std::byte> msg(size, std::byte{5});
    for (int i = 0; i < 100; ++i) {  // warm up both sides
        end.send(msg);
        end.take();
    }
    const auto start = now_ns();
    for (std::uint64_t i = 0; i < count; ++i) {
        end.send(msg);
        end.take();
    }
    return static_cast<double>(now_ns() - start) / static_cast<double>(count);
}

// One-way bytes per second: `count` messages of `size` bytes, then the peer's one answer.
template <class End>
double throughput(End end, std::size_t size, std::uint64_t count) {
    std::vector<std::byte> msg(size, std::byte{5});
    const auto start = now_ns();
    for (std::uint64_t i = 0; i < count; ++i) {
        end.send(msg);
    }
    end.take();
    return static_cast<double>(count * size) / static_cast<double>(now_ns() - start);
}

}  // namespace bench
