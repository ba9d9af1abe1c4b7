// A stream reader in a process of its own, for the tests that start it the way systemd does:
//   stream_peer reader PATH COUNT [activated]
// listens at PATH (systemd's socket when LISTEN_FDS says so), takes COUNT messages, stops, and
// prints "activated=<0|1> received=<n>". Exit 0 when all COUNT came; 2 on bad usage; 3 when it
// could not listen; 4 when the messages stopped coming. With `activated`: 5 when the reader
// made a socket of its own instead of taking systemd's, 6 when it closed one of the other
// sockets systemd passed (fd 4 on), which are not its to take.

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "ipc/stream.hpp"

int main(int argc, char** argv) {
    using namespace std::chrono_literals;
    const bool expect_activation = argc == 5 && std::string(argv[4]) == "activated";
    if ((argc != 4 && !expect_activation) || std::string(argv[1]) != "reader") {
        std::fputs("usage: stream_peer reader PATH COUNT [activated]\n", stderr);
        return 2;
    }
    const auto count = std::strtoull(argv[3], nullptr, 10);
    const char* listen_fds = std::getenv("LISTEN_FDS");  // the reader unsets it
    const int passed = listen_fds != nullptr ? std::atoi(listen_fds) : 0;
    // The other sockets systemd passed, by identity: a number reused for another file after
    // the reader closed one would pass a mere "is it open".
    std::vector<ino_t> others;
    for (int fd = 4; fd < 3 + passed; ++fd) {
        struct stat st {};
        others.push_back(::fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode) ? st.st_ino : 0);
    }
    ipc::stream_reader_options o;
    o.control = false;
    auto reader = ipc::stream_reader::listen(argv[2], o);
    if (!reader) {
        std::fprintf(stderr, "stream_peer: %s\n", reader.error_value().message().c_str());
        return 3;
    }
    const ipc::stream_handler count_only;
    for (int idle = 0; reader->stats().received < count && idle < 100;) {
        auto n = reader->poll(100ms, count_only);
        idle = n && *n > 0 ? 0 : idle + 1;
    }
    reader->stop(count_only);
    const auto st = reader->stats();
    std::printf("activated=%d received=%llu\n", st.activated ? 1 : 0,
                static_cast<unsigned long long>(st.received));
    if (st.received != count) {
        return 4;
    }
    if (expect_activation && !st.activated) {
        return 5;
    }
    for (int fd = 4; expect_activation && fd < 3 + passed; ++fd) {
        struct stat st {};
        const ino_t before = others[static_cast<std::size_t>(fd - 4)];
        if (before == 0 || ::fstat(fd, &st) != 0 || st.st_ino != before) {
            return 6;
        }
    }
    return 0;
}
