#pragma once

#include "traffic.hpp"

namespace demo {

// Server: listens as o.name, starts `clients` client processes (which connect by name, as any
// unrelated program would) and echoes every request from one thread, until stopped or, with a
// duration, until the clients are done. 0 when every client checked every echo.
int run_broker_server(const traffic_options& o, unsigned clients, const char* self_exe);
// Client: connects, sends paced requests and checks every echo.
int run_broker_client(const traffic_options& o);

}  // namespace demo
