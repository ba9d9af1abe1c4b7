#pragma once
// How the monitor names a process and an endpoint across snapshots: a process by pid and start
// time (a reused pid is another process), an endpoint by its record's index and generation (a
// reused record is another endpoint). Rows, selection and history are keyed by these.

#include <QString>

#include "ipc/inspect.hpp"

namespace monitor {

inline QString process_key(const ipc::inspect::process_info& p) {
    return QStringLiteral("%1:%2").arg(p.pid).arg(p.start_time);
}

inline QString endpoint_key(const ipc::inspect::process_info& p,
                            const ipc::inspect::endpoint_info& e) {
    return QStringLiteral("%1:%2:%3").arg(process_key(p)).arg(e.index).arg(e.generation);
}

}  // namespace monitor
