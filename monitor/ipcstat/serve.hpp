#pragma once
// ipcstat serve: the snapshot over HTTP for Prometheus and remote monitors. GET /metrics (the
// Prometheus text), GET /snapshot (the JSON snapshot), GET /healthz. Each request takes a
// fresh snapshot: nothing is polled while nobody asks.

#include <chrono>
#include <string>

#include "ipc/inspect.hpp"

namespace ipcstat {

struct serve_options {
    std::string host = "127.0.0.1";  // localhost unless told otherwise
    int port = 9464;                 // 0: any free port (printed)
    std::string dir;                 // the shm directory
    ipc::inspect::snapshot_filter filter;
    // Required as "Authorization: Bearer <token>" when not empty (401 otherwise).
    std::string token;
    // TLS when both are given (PEM files).
    std::string certificate;
    std::string private_key;
    // Requests served at once; a client that holds one (slowly sending its request) holds no
    // other.
    int workers = 16;
    // Each read or write of a connection; a request's line and headers are at most 8 KiB each.
    std::chrono::seconds io_timeout{2};
};

// Serves until SIGINT or SIGTERM; 0, or 1 when the address could not be bound (said on stderr).
// Prints "ipcstat: serving http://HOST:PORT" on stdout once it listens.
int run_serve(const serve_options& options);

}  // namespace ipcstat
