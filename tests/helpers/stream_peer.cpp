// A stream reader in a process of its own, for the tests that start it the way systemd does:
//   stream_peer reader PATH COUNT
// listens at PATH (systemd's socket when LISTEN_FDS says so), takes COUNT messages, stops, and
// prints "activated=<0|1> received=<n>". Exit 0 when all COUNT came; 2 on bad usage; 3 when it
// could not listen; 4 when the messages stopped coming.

#include <cstdio>
#include <cstdlib>
#include <string>

#include "ipc/stream.hpp"

int main(int argc, char** argv) {
    using namespace std::chrono_literals;
    if (argc != 4 || std::string(argv[1]) != "reader") {
        std::fputs("usage: stream_peer reader PATH COUNT\n", stderr);
        return 2;
    }
    const auto count = std::strtoull(argv[3], nullptr, 10);
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
    return st.received == count ? 0 : 4;
}
