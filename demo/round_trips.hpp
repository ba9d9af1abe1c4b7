#pragma once
// The requesting side of every echo demo (duplex parent, broker client): paced messages, each
// echo read back and checked whole.

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <span>
#include <vector>

#include "child_control.hpp"
#include "ipc/duplex.hpp"
#include "pacer.hpp"
#include "traffic.hpp"

namespace demo {

// Message `seq`'s bytes: its number, then a pattern from it, so the echo is checked whole.
inline void fill(std::vector<std::byte>& msg, std::uint64_t seq) {
    for (std::size_t k = 0; k < msg.size(); ++k) {
        msg[k] = static_cast<std::byte>((seq * 131 + k * 7 + 1) & 0xff);
    }
    std::memcpy(msg.data(), &seq, std::min(sizeof seq, msg.size()));
}

// Both rings of a duplex or broker end, as round_trips uses them.
struct ring_pair_end {
    ipc::duplex_end& d;
    ipc::result<void> send(std::span<const std::byte> m) {
        return d.to_peer().send(m, std::chrono::seconds(1));
    }
    ipc::result<std::span<const std::byte>> read() {
        auto v = d.from_peer().read(std::chrono::seconds(1));
        return v ? ipc::result<std::span<const std::byte>>(v->payload) : v.error_value();
    }
    void release() { d.from_peer().release(); }
};

// Sends, reads each echo back and checks it, at the pace asked, until stopped, the duration is
// over, or the other side closes (a clean end too). 0 when every echo matched.
template <class End>
int round_trips(End end, const traffic_options& o, std::uint32_t size) {
    std::vector<std::byte> msg(size);
    pacer pace(o.rate);
    const std::uint64_t end_ns =
        o.duration > 0 ? ipc::monotonic_ns() + static_cast<std::uint64_t>(o.duration * 1e9) : 0;
    std::uint64_t seq = 0;
    for (; !stop_requested() && (end_ns == 0 || ipc::monotonic_ns() < end_ns); ++seq) {
        pace.wait_turn(seq);
        fill(msg, seq);
        auto sent = end.send(msg);
        auto back = sent ? end.read() : ipc::result<std::span<const std::byte>>(sent.error_value());
        if (back.code() == ipc::errc::peer_closed) {
            break;
        }
        if (!back) {
            fmt::print(stderr, "ipc-demo: round trip {}: {}\n", seq, back.error_value().message());
            return 1;
        }
        const bool same =
            back->size() == msg.size() && std::memcmp(back->data(), msg.data(), msg.size()) == 0;
        end.release();
        if (!same) {
            fmt::print(stderr, "ipc-demo: echo {} differs\n", seq);
            return 1;
        }
    }
    fmt::print("ipc-demo: {} round trips, every echo checked\n", seq);
    return 0;
}

}  // namespace demo
