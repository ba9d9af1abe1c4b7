#pragma once
// How the monitor names a host, a process and an endpoint across snapshots: a process by pid and
// start time (a reused pid is another process), an endpoint by its record's index and generation
// (a reused record is another endpoint), each after its host's id ("host:port") for another
// host's (this host's id is empty). Rows, selection and history are keyed by these.

#include <QString>

#include "ipc/inspect.hpp"

namespace monitor {

inline QString host_key(const QString& host) {
    return QStringLiteral("host|") + host;
}

inline QString process_key(const ipc::inspect::process_info& p, const QString& host = {}) {
    const QString key = QStringLiteral("%1:%2").arg(p.pid).arg(p.start_time);
    return host.isEmpty() ? key : host + QLatin1Char('|') + key;
}

inline QString endpoint_key(const ipc::inspect::process_info& p,
                            const ipc::inspect::endpoint_info& e, const QString& host = {}) {
    return QStringLiteral("%1:%2:%3").arg(process_key(p, host)).arg(e.index).arg(e.generation);
}

}  // namespace monitor
