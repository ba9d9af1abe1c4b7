// The child side of duplex tests, started by duplex_parent::spawn (or by hand, to see inherit
// refuse):
//   duplex_peer stream COUNT SEED MAX   sends COUNT messages of the stream (SEED, MAX) while it
//                                       checks COUNT of the stream (SEED + 1, MAX) from the
//                                       parent, concurrently; then waits for the parent to close
//   duplex_peer echo                    sends back every message until the parent closes
//   duplex_peer hold                    inherits, says "ready" (one message), then blocks on a
//                                       receive until the parent's end goes
//   duplex_peer fds                     sends the list of its open fds (from /proc/self/fd) as it
//                                       started, and after inherit those that its own children
//                                       would get (not close-on-exec): "0 1 ... 8\n0 1 2"
//   duplex_peer inherit                 only inherits; prints the error and exits 3 if it fails
//   duplex_peer -mode child -fd-p2c-send 3 ... -shm-size S
//                                       an efdstream child (the protocol's command line) that
//                                       echoes every message until its parent goes
// Exit codes: 0 ok (and the parent closed: peer_closed), 2 usage, 3 inherit failed, 4 send or
// receive failed, 5 data mismatch, 6 the last receive ended otherwise, 7 the parent died
// (peer_gone).

#include <dirent.h>
#include <fcntl.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "ipc/duplex.hpp"
#include "ipc/efdstream.hpp"
#include "support/stream_io.hpp"

namespace {

// How a receive that ended tells the parent's end: closed (0) or died (7).
int parent_ending(const ipc::error& e) {
    if (e.code() == ipc::errc::peer_closed) {
        return 0;
    }
    return e.code() == ipc::errc::peer_gone ? 7 : 6;
}

// Blocks until the parent's end goes.
int until_parent_closes(ipc::ring_reader& in) {
    std::vector<std::byte> buf(in.max_message());
    auto last = in.receive(buf);
    return last ? 6 : parent_ending(last.error_value());
}

int echo(ipc::duplex_child& d) {
    std::vector<std::byte> buf(d.from_peer().max_message());
    for (;;) {
        auto n = d.from_peer().receive(buf);
        if (!n) {
            return parent_ending(n.error_value());
        }
        if (!d.to_peer().send(std::span(buf).first(*n))) {
            return 4;
        }
    }
}

int send_text(ipc::duplex_child& d, const std::string& text) {
    return d.to_peer().send(std::as_bytes(std::span(text))) ? 0 : 4;
}

// The open fds (with `inheritable_only`, those without close-on-exec), in /proc's order.
std::string open_fds(bool inheritable_only = false) {
    std::string list;
    if (DIR* dir = ::opendir("/proc/self/fd")) {
        while (const dirent* ent = ::readdir(dir)) {
            const int fd = std::atoi(ent->d_name);
            if (ent->d_name[0] == '.' || fd == ::dirfd(dir) ||
                (inheritable_only && (::fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0)) {
                continue;
            }
            list += std::string(list.empty() ? "" : " ") + ent->d_name;
        }
        ::closedir(dir);
    }
    return list;
}

}  // namespace

// As an efdstream child: echoes until the parent's end goes (peer_gone: 7; the parent may also
// just kill it, as the reference parents do).
int efdstream_echo(int argc, char** argv) {
    // No telemetry: a reference parent kills its child, which would leave its segment behind.
    auto e = ipc::efdstream_child::inherit(argc, argv, {.telemetry = false});
    if (!e) {
        std::fprintf(stderr, "duplex_peer: %s\n", e.error_value().message().c_str());
        return 3;
    }
    for (;;) {
        auto m = e->read();
        if (!m) {
            return m.code() == ipc::errc::peer_gone ? 7 : 4;
        }
        auto sent = e->send(*m);  // copied to the other region before the ack frees this one
        e->release();
        if (!sent) {
            return sent.code() == ipc::errc::peer_gone ? 7 : 4;
        }
    }
}

int main(int argc, char** argv) {
    if (argc >= 2 && std::strcmp(argv[1], "-mode") == 0) {
        return efdstream_echo(argc, argv);
    }
    if (argc < 2) {
        std::fputs("usage: duplex_peer stream COUNT SEED MAX | echo | hold | fds | inherit\n",
                   stderr);
        return 2;
    }
    const std::string mode = argv[1];
    const std::string fds_before = open_fds();  // before inherit opens anything of its own
    auto d = ipc::duplex_child::inherit();
    if (!d) {
        std::fprintf(stderr, "duplex_peer: %s\n", d.error_value().message().c_str());
        return 3;
    }
    if (mode == "stream" && argc == 5) {
        const std::uint64_t count = std::strtoull(argv[2], nullptr, 10);
        const std::uint64_t seed = std::strtoull(argv[3], nullptr, 10);
        const std::size_t max = std::strtoull(argv[4], nullptr, 10);
        int received = 0;
        std::thread checker([&] {
            received = ipc::test::read_stream(d->from_peer(), count, seed + 1, max, "duplex_peer");
        });
        const int sent = ipc::test::write_stream(d->to_peer(), count, seed, max, "duplex_peer");
        checker.join();
        return sent != 0 ? sent : received != 0 ? received : until_parent_closes(d->from_peer());
    }
    if (mode == "echo") {
        return echo(*d);
    }
    if (mode == "hold") {
        const int rc = send_text(*d, "ready");
        return rc != 0 ? rc : until_parent_closes(d->from_peer());
    }
    if (mode == "fds") {
        const int rc = send_text(*d, fds_before + "\n" + open_fds(true));
        return rc != 0 ? rc : until_parent_closes(d->from_peer());
    }
    return mode == "inherit" ? 0 : 2;
}
