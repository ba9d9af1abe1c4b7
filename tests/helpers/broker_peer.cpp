// The client side of broker tests: a process of its own that connects by name, as a real
// client would (nothing inherited).
//   broker_peer echo DIR NAME COUNT SEED MAX RECONNECT  sends COUNT messages of the stream
//       (SEED, MAX), each checked against the server's echo, connecting again every RECONNECT
//       messages (clients that come and go)
//   broker_peer hold DIR NAME    connects, says "ready", then blocks on a receive until the
//       server's end goes
//   broker_peer connect DIR NAME  connects once and prints the error's code name (or "ok")
// Exit codes: 0 ok (and, for hold, the server closed: peer_closed), 2 usage, 3 connect failed,
// 4 send or receive failed, 5 an echo differed, 6 the last receive ended otherwise, 7 the
// server died (peer_gone).

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "ipc/broker.hpp"
#include "support/message_stream.hpp"

namespace {

ipc::broker_options options_in(const char* dir) {
    ipc::broker_options o;
    o.dir = dir;
    o.wait = ipc::wait_strategy::blocking;  // sixteen of these share two cores
    return o;
}

int echo(const char* dir, const char* name, std::uint64_t count, std::uint64_t seed,
         std::size_t max, std::uint64_t reconnect) {
    std::vector<std::byte> sent(max);
    std::vector<std::byte> back(max);
    ipc::broker_connection c;
    for (std::uint64_t i = 0; i < count; ++i) {
        if (i % reconnect == 0) {
            c.close();
            auto made = ipc::broker_client::connect(name, options_in(dir));
            if (!made) {
                std::fprintf(stderr, "broker_peer: %s\n", made.error_value().message().c_str());
                return 3;
            }
            c = std::move(*made);
        }
        const std::size_t size = ipc::test::message_size(seed, i, max);
        ipc::test::fill_message(seed, i, std::span(sent).first(size));
        if (!c.to_peer().send(std::span(sent).first(size))) {
            return 4;
        }
        auto n = c.from_peer().receive(back);
        if (!n) {
            std::fprintf(stderr, "broker_peer: %s\n", n.error_value().message().c_str());
            return 4;
        }
        if (*n != size || std::memcmp(back.data(), sent.data(), size) != 0) {
            return 5;
        }
    }
    return 0;
}

int hold(const char* dir, const char* name) {
    auto c = ipc::broker_client::connect(name, options_in(dir));
    if (!c) {
        return 3;
    }
    const char ready[] = "ready";
    if (!c->to_peer().send(std::as_bytes(std::span(ready, 5)))) {
        return 4;
    }
    std::vector<std::byte> buf(c->from_peer().max_message());
    auto last = c->from_peer().receive(buf);
    if (last) {
        return 6;
    }
    return last.code() == ipc::errc::peer_closed ? 0 : last.code() == ipc::errc::peer_gone ? 7 : 6;
}

}  // namespace

int main(int argc, char** argv) {
    const std::string mode = argc >= 4 ? argv[1] : "";
    if (mode == "echo" && argc == 8) {
        return echo(argv[2], argv[3], std::strtoull(argv[4], nullptr, 10),
                    std::strtoull(argv[5], nullptr, 10), std::strtoull(argv[6], nullptr, 10),
                    std::max<std::uint64_t>(std::strtoull(argv[7], nullptr, 10), 1));
    }
    if (mode == "hold") {
        return hold(argv[2], argv[3]);
    }
    if (mode == "connect") {
        auto c = ipc::broker_client::connect(argv[3], options_in(argv[2]));
        std::printf("%s\n", c ? "ok" : ipc::to_string(c.code()));
        return c ? 0 : 3;
    }
    std::fputs("usage: broker_peer echo|hold|connect DIR NAME ...\n", stderr);
    return 2;
}
