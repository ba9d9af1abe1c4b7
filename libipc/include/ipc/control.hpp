#pragma once
// The control socket: a read-only query socket a libipc process can open, for what shared memory
// does not hold (its broker connections: who the peer is, since when). One thread answers, one
// query at a time, on <runtime dir>/libipc-ctl-<pid>.sock (0600): a request is one line of JSON
// of at most 4 KiB, the reply one line of JSON (docs/SNAPSHOT.md, "Control socket"):
//   {"get":"connections"}  ->  {"pid":P,"connections":[{...}, ...]}
//   {"get":"snapshot"}     ->  this process's part of an inspect snapshot (the JSON export)
//   anything else          ->  {"error":"..."}
// It never changes state. A client has 1 s to send its line and to take the reply; a silent,
// slow or garbage-sending client is dropped, and the next one is served.
//
// Broker servers open it (broker_options::control, on by default); any other process opens it
// with start().

#include <string>

#include "ipc/error.hpp"

namespace ipc::control {

// Opens this process's control socket under `dir` (empty: the runtime directory) and starts its
// thread; once per process: a second call without a directory, or with the same one, is ok and
// does nothing; one that names another directory gives `busy` (stop() first to move it). It is
// closed, and its file removed, at exit or by stop().
result<void> start(const std::string& dir = {});
void stop() noexcept;
// Where the control socket of process `pid` is (empty `dir`: the runtime directory).
result<std::string> socket_path(int pid, const std::string& dir = {});

}  // namespace ipc::control
