// Test helper: one end of a ring in its own process.
//   ring_peer write NAME COUNT SEED MAX_SIZE STRATEGY CAPACITY [hold]
//   ring_peer read  NAME COUNT SEED MAX_SIZE STRATEGY CAPACITY
// write sends COUNT messages of the deterministic stream, then closes, or with "hold" waits
// forever (to be killed). read checks COUNT messages byte for byte. read-fd and write-fd do the
// same over a ring region inherited at fd 3 (ipc::create_memfd_ring), NAME naming it.
// Exit codes: 0 ok, 2 usage, 3 open failed, 4 send/receive failed, 5 data mismatch.

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "ipc/ring.hpp"
#include "support/traffic.hpp"

namespace {

ipc::wait_strategy parse_strategy(const std::string& s) {
    if (s == "spin") {
        return ipc::wait_strategy::busy_spin;
    }
    return s == "blocking" ? ipc::wait_strategy::blocking : ipc::wait_strategy::adaptive;
}

int write_stream(ipc::ring_writer& w, std::uint64_t count, std::uint64_t seed, std::size_t max) {
    for (std::uint64_t i = 0; i < count; ++i) {
        const std::size_t size = ipc::test::message_size(seed, i, max);
        auto span = w.reserve(size);
        if (!span) {
            std::fprintf(stderr, "ring_peer: reserve %llu: %s\n",
                         static_cast<unsigned long long>(i), span.error_value().message().c_str());
            return 4;
        }
        ipc::test::fill_message(seed, i, *span);
        if (auto ok = w.commit(size); !ok) {
            return 4;
        }
    }
    return 0;
}

int read_stream(ipc::ring_reader& r, std::uint64_t count, std::uint64_t seed, std::size_t max) {
    std::vector<std::byte> expected(max);
    for (std::uint64_t i = 0; i < count; ++i) {
        auto view = r.read();
        if (!view) {
            std::fprintf(stderr, "ring_peer: read %llu: %s\n", static_cast<unsigned long long>(i),
                         view.error_value().message().c_str());
            return 4;
        }
        const std::size_t size = ipc::test::message_size(seed, i, max);
        ipc::test::fill_message(seed, i, std::span(expected.data(), size));
        if (view->payload.size() != size ||
            (size != 0 && std::memcmp(view->payload.data(), expected.data(), size) != 0)) {
            std::fprintf(stderr, "ring_peer: message %llu differs\n",
                         static_cast<unsigned long long>(i));
            return 5;
        }
        r.release();
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 8) {
        std::fprintf(
            stderr,
            "usage: ring_peer write|read NAME COUNT SEED MAX_SIZE STRATEGY CAPACITY [hold]\n");
        return 2;
    }
    std::string role = argv[1];
    const bool adopted = role.ends_with("-fd");
    if (adopted) {
        role.resize(role.size() - 3);
    }
    const std::uint64_t count = std::strtoull(argv[3], nullptr, 10);
    const std::uint64_t seed = std::strtoull(argv[4], nullptr, 10);
    const std::size_t max = std::strtoull(argv[5], nullptr, 10);
    ipc::ring_options options;
    options.max_message = static_cast<std::uint32_t>(max);
    options.wait = parse_strategy(argv[6]);
    options.capacity = std::strtoull(argv[7], nullptr, 10);
    if (role == "write") {
        auto w = adopted ? ipc::ring_writer::adopt(argv[2], ipc::unique_fd(3), options)
                         : ipc::ring_writer::open(argv[2], options);
        if (!w) {
            std::fprintf(stderr, "ring_peer: %s\n", w.error_value().message().c_str());
            return 3;
        }
        const int rc = write_stream(*w, count, seed, max);
        if (rc == 0 && argc > 8 && std::strcmp(argv[8], "hold") == 0) {
            for (;;) {
                ::pause();
            }
        }
        return rc;
    }
    auto r = adopted ? ipc::ring_reader::adopt(argv[2], ipc::unique_fd(3), options)
                     : ipc::ring_reader::open(argv[2], options);
    if (!r) {
        std::fprintf(stderr, "ring_peer: %s\n", r.error_value().message().c_str());
        return 3;
    }
    return read_stream(*r, count, seed, max);
}
