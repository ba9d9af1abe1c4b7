// Test helper: one end of a ring in its own process.
//   ring_peer write NAME COUNT SEED MAX_SIZE STRATEGY CAPACITY [hold]
//   ring_peer read  NAME COUNT SEED MAX_SIZE STRATEGY CAPACITY
// write sends COUNT messages of the deterministic stream, then closes, or with "hold" waits
// forever (to be killed), first writing a byte to fd 6 if it is open (support/ring_peer_args.hpp).
// read checks COUNT messages byte for byte. read-fd and write-fd do the same over a ring region
// inherited at fd 3 (ipc::create_memfd_ring), NAME naming it; when fds 4 and 5 are open too,
// they are the eventfds of an eventfd-doorbell ring (data_ready, space_ready). read-sock and
// write-sock receive the region (and eventfds) over the Unix socket ring_socket_for(NAME).
// Exit codes: 0 ok, 2 usage, 3 open failed, 4 send/receive failed, 5 data mismatch.

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "ipc/ring.hpp"
#include "ipc/unix_socket.hpp"
#include "support/ring_peer_args.hpp"
#include "support/stream_io.hpp"

namespace {

ipc::wait_strategy parse_strategy(const std::string& s) {
    if (s == "spin") {
        return ipc::wait_strategy::busy_spin;
    }
    return s == "blocking" ? ipc::wait_strategy::blocking : ipc::wait_strategy::adaptive;
}

}  // namespace

// The fds this process was started with: region at 3, eventfds at 4 and 5 when open.
ipc::ring_fds inherited(ipc::ring_options& options) {
    ipc::ring_fds fds{ipc::unique_fd(3)};
    if (::fcntl(4, F_GETFD) >= 0) {
        fds.data_ready = ipc::unique_fd(4);
        fds.space_ready = ipc::unique_fd(5);
        options.doorbell = ipc::doorbell_kind::eventfd;
    }
    return fds;
}

// The fds received from the test over its socket: the region, and two eventfds or none.
ipc::ring_fds received(const std::string& name, ipc::ring_options& options) {
    auto conn = ipc::unix_socket::connect(ipc::test::ring_socket_for(name),
                                          ipc::unix_socket::kind::seqpacket);
    if (!conn) {
        std::fprintf(stderr, "ring_peer: connect: %s\n", conn.error_value().message().c_str());
        return {};
    }
    std::byte byte[1];
    auto got = ipc::unix_socket::receive(conn->get(), byte, 3, std::chrono::seconds(10));
    if (!got || got->fds.empty()) {
        std::fprintf(stderr, "ring_peer: no fds received\n");
        return {};
    }
    ipc::ring_fds fds{std::move(got->fds[0])};
    if (got->fds.size() == 3) {
        fds.data_ready = std::move(got->fds[1]);
        fds.space_ready = std::move(got->fds[2]);
        options.doorbell = ipc::doorbell_kind::eventfd;
    }
    return fds;
}

enum class source { named, inherited, received };

ipc::ring_fds handed_over(source from, const std::string& name, ipc::ring_options& options) {
    return from == source::inherited ? inherited(options) : received(name, options);
}

int main(int argc, char** argv) {
    if (argc < 8) {
        std::fprintf(
            stderr,
            "usage: ring_peer write|read NAME COUNT SEED MAX_SIZE STRATEGY CAPACITY [hold]\n");
        return 2;
    }
    std::string role = argv[1];
    source from = source::named;
    if (role.ends_with("-fd")) {
        from = source::inherited;
        role.resize(role.size() - 3);
    } else if (role.ends_with("-sock")) {
        from = source::received;
        role.resize(role.size() - 5);
    }
    const bool adopted = from != source::named;
    const std::uint64_t count = std::strtoull(argv[3], nullptr, 10);
    const std::uint64_t seed = std::strtoull(argv[4], nullptr, 10);
    const std::size_t max = std::strtoull(argv[5], nullptr, 10);
    ipc::ring_options options;
    options.max_message = static_cast<std::uint32_t>(max);
    options.wait = parse_strategy(argv[6]);
    options.capacity = std::strtoull(argv[7], nullptr, 10);
    if (role == "write") {
        auto w =
            adopted ? ipc::ring_writer::adopt(argv[2], handed_over(from, argv[2], options), options)
                    : ipc::ring_writer::open(argv[2], options);
        if (!w) {
            std::fprintf(stderr, "ring_peer: %s\n", w.error_value().message().c_str());
            return 3;
        }
        const int rc = ipc::test::write_stream(*w, count, seed, max, "ring_peer");
        if (rc == 0 && argc > 8 && std::strcmp(argv[8], "hold") == 0) {
            const char ready = 1;
            (void)!::write(ipc::test::ring_peer_ready_fd, &ready, 1);  // when a test listens
            for (;;) {
                ::pause();
            }
        }
        return rc;
    }
    auto r = adopted
                 ? ipc::ring_reader::adopt(argv[2], handed_over(from, argv[2], options), options)
                 : ipc::ring_reader::open(argv[2], options);
    if (!r) {
        std::fprintf(stderr, "ring_peer: %s\n", r.error_value().message().c_str());
        return 3;
    }
    return ipc::test::read_stream(*r, count, seed, max, "ring_peer");
}
