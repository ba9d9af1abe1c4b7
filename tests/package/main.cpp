// Sends one message through a ring and reads it back, using only the installed headers.
#include <ipc/ring.hpp>

#include <unistd.h>
#include <cstdio>
#include <string>

int main() {
    const std::string name = "consumer-" + std::to_string(::getpid());
    auto w = ipc::ring_writer::open(name);
    auto r = ipc::ring_reader::open(name);
    if (!w || !r) {
        return 1;
    }
    const char text[] = "hello";
    if (!w->try_send(std::as_bytes(std::span(text)))) {
        return 2;
    }
    auto v = r->try_read();
    if (!v || v->payload.size() != sizeof text) {
        return 3;
    }
    std::puts("consumer: ok");
    return 0;
}
