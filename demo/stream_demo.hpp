#pragma once

#include <string>

#include "traffic.hpp"

namespace demo {

struct stream_demo_options {
    unsigned writers = 4;
    std::string path{};               // empty: /tmp/libipc-demo-<uid>/<name>.sock
    double restart_reader_every = 0;  // seconds; 0: never
};

// Reader: listens at the path, starts the writer processes, checks every message (its writer,
// its number in order, every byte), and restarts itself on the timer asked, so that the
// writers' reconnects, retries and drops can be watched. 0 when nothing was corrupt or out of
// order and every writer accounted for every message it offered.
int run_stream_reader(const traffic_options& o, const stream_demo_options& s, const char* self_exe);
// Writer: sends paced messages, then reports what became of them.
int run_stream_writer(const traffic_options& o, const std::string& path, unsigned writer);

// Where the demo's socket is by default.
std::string stream_demo_path(const std::string& name);

}  // namespace demo
