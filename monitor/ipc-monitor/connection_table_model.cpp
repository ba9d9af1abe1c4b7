#include "connection_table_model.hpp"

#include <QHeaderView>
#include <QTableView>
#include <algorithm>
#include <map>
#include <string_view>

#include "common/units.hpp"
#include "keys.hpp"
#include "occupancy_bar.hpp"
#include "text.hpp"

namespace monitor {

namespace {

using ipc::inspect::connection_flow;
using ipc::inspect::connection_info;

// The other end's side: a server's peer is a client, a stream reader's a writer, and the
// reverse.
QString peer_side(const connection_info& c) {
    if (c.role == "reader" || c.role == "writer") {
        return c.role == "reader" ? QStringLiteral("writer") : QStringLiteral("reader");
    }
    return c.role == "server" ? QStringLiteral("client") : QStringLiteral("server");
}

double fraction(const connection_flow& f) {
    return f.capacity_bytes == 0
               ? 0.0
               : static_cast<double>(f.used_bytes) / static_cast<double>(f.capacity_bytes);
}

QString ring_text(const connection_flow& f) {
    if (!f.found || f.capacity_bytes == 0) {
        return QStringLiteral("n/a");
    }
    return QStringLiteral("%1 of %2")
        .arg(text(units::format_bytes(static_cast<double>(f.used_bytes))),
             text(units::format_bytes(static_cast<double>(f.capacity_bytes))));
}

constexpr column_heading headings[connection_table_model::column_count] = {
    {"Channel", "The broker's name"},
    {"Side", "The process that reports the connection, and its side"},
    {"Peer", "The process at the other end, as the kernel saw it connect (SO_PEERCRED)"},
    {"Peer UID", "The peer's user id"},
    {"Connected", "How long ago it connected"},
    {"Msgs in", "Messages this side received on the connection"},
    {"Msgs out", "Messages this side sent on the connection"},
    {"In/s", "Messages and bytes per second received, since the last refresh"},
    {"Out/s", "Messages and bytes per second sent, since the last refresh"},
    {"In ring", "Bytes waiting in the ring this side reads"},
    {"Out ring", "Bytes waiting in the ring this side writes"}};

}  // namespace

connection_table_model::connection_table_model(QObject* parent)
    : keyed_table_model(headings, parent) {}

QString connection_table_model::owner_of(std::int32_t pid, const std::string& channel,
                                         std::string_view side) {
    return QStringLiteral("%1/%2/%3").arg(pid).arg(text(channel), text(side));
}

QString connection_table_model::key_of(const connection_info& c) {
    return QStringLiteral("%1:%2").arg(c.pid).arg(c.id);
}

// A counter that went back (another connection on a reused ring) has no rate yet.
connection_table_model::rate connection_table_model::rate_between(const connection_flow& before,
                                                                  const connection_flow& after,
                                                                  std::uint64_t elapsed_ns) {
    if (elapsed_ns == 0 || !before.found || !after.found || after.messages < before.messages ||
        after.bytes < before.bytes) {
        return {};
    }
    const double s = static_cast<double>(elapsed_ns) / 1e9;
    return {static_cast<double>(after.messages - before.messages) / s,
            static_cast<double>(after.bytes - before.bytes) / s};
}

void connection_table_model::update(const ipc::inspect::snapshot& now) {
    taken_ns_ = now.taken_ns;
    // The reading end of each connection, by process and segment, looked up once per row.
    std::map<std::pair<std::int32_t, std::string_view>, QString> readers;
    for (const auto& p : now.processes) {
        for (const auto& e : p.endpoints) {
            if (p.alive && e.state == ipc::inspect::endpoint_state::active &&
                e.role == ipc::inspect::endpoint_role::reader) {
                readers.emplace(std::pair{p.pid, std::string_view(e.segment)}, endpoint_key(p, e));
            }
        }
    }
    std::vector<row> fresh;
    for (const auto& c : now.connections) {
        const auto reader = readers.find({c.pid, c.inbound_segment});
        fresh.push_back({c,
                         key_of(c),
                         reader != readers.end() ? reader->second : QString(),
                         now.taken_ns,
                         {},
                         {}});
    }
    replace_rows(
        rows_, std::move(fresh), [](const row& r) { return r.key; },
        [](const row& old, row& r) {
            const std::uint64_t elapsed = r.taken_ns > old.taken_ns ? r.taken_ns - old.taken_ns : 0;
            r.in = rate_between(old.info.inbound, r.info.inbound, elapsed);
            r.out = rate_between(old.info.outbound, r.info.outbound, elapsed);
        });
}

int connection_table_model::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

QVariant connection_table_model::data(const QModelIndex& index, int role) const {
    if (!is_cell(index)) {
        return {};
    }
    const auto& r = rows_[static_cast<std::size_t>(index.row())];
    const int column = index.column();
    switch (role) {
        case owner_role:
            return owner_of(r.info.pid, r.info.name, r.info.role);
        case endpoint_key_role:
            return r.endpoint_key;
        case fraction_role:
            return column == col_ring_in ? fraction(r.info.inbound) : fraction(r.info.outbound);
        case Qt::ToolTipRole:
            return column >= col_messages_in
                       ? QVariant(tr("%1 bytes in, %2 bytes out")
                                      .arg(r.info.inbound.bytes)
                                      .arg(r.info.outbound.bytes))
                       : QVariant(tr("gid %1, rings of %2 (messages up to %3)")
                                      .arg(r.info.peer_gid)
                                      .arg(text(units::format_bytes(
                                          static_cast<double>(r.info.capacity))))
                                      .arg(text(units::format_bytes(
                                          static_cast<double>(r.info.max_message)))));
        case Qt::TextAlignmentRole:
            return column >= col_uid && column < col_ring_in
                       ? QVariant(Qt::AlignRight | Qt::AlignVCenter)
                       : QVariant();
        case Qt::DisplayRole:
            return display(r, column, false);
        case sort_role:
            return display(r, column, true);
        default:
            return {};
    }
}

QVariant connection_table_model::display(const row& r, int column, bool sorting) const {
    const auto& c = r.info;
    const rate& flow = column == col_rate_in ? r.in : r.out;
    switch (column) {
        case col_channel:
            return text(c.name);
        case col_side:
            return sorting ? QVariant(c.pid)
                           : QVariant(
                                 QStringLiteral("%1 %2").arg(text(c.role), QString::number(c.pid)));
        case col_peer:
            return sorting ? QVariant(c.peer_pid)
                           : QVariant(QStringLiteral("%1 %2").arg(peer_side(c),
                                                                  QString::number(c.peer_pid)));
        case col_uid:
            return c.peer_uid;
        case col_connected: {
            const std::uint64_t age = taken_ns_ > c.since_ns ? taken_ns_ - c.since_ns : 0;
            return sorting ? QVariant(qulonglong(age))
                           : QVariant(text(units::format_duration_ns(age)));
        }
        case col_messages_in:
            return qulonglong(c.inbound.messages);
        case col_messages_out:
            return qulonglong(c.outbound.messages);
        case col_rate_in:
        case col_rate_out:
            return sorting ? QVariant(flow.messages_per_s)
                           : QVariant(QStringLiteral("%1/s, %2/s")
                                          .arg(text(units::format_count(flow.messages_per_s)),
                                               text(units::format_bytes(flow.bytes_per_s))));
        case col_ring_in:
            return sorting ? QVariant(fraction(c.inbound)) : QVariant(ring_text(c.inbound));
        case col_ring_out:
            return sorting ? QVariant(fraction(c.outbound)) : QVariant(ring_text(c.outbound));
        default:
            return {};
    }
}

void set_up_connection_view(QTableView* view) {
    using model = connection_table_model;
    view->setWordWrap(false);
    view->verticalHeader()->hide();
    view->setAlternatingRowColors(true);
    view->setSortingEnabled(true);
    view->sortByColumn(model::col_peer, Qt::AscendingOrder);
    auto* header = view->horizontalHeader();
    const auto widest = [&](int column, const QString& sample) {
        header->resizeSection(column, header->fontMetrics().horizontalAdvance(sample) + 16);
    };
    for (int column = 0; column < model::column_count; ++column) {
        const QString title = view->model()->headerData(column, Qt::Horizontal).toString();
        widest(column, title.isEmpty() ? QStringLiteral("0000000000") : title + "MM");
    }
    for (int column : {model::col_side, model::col_peer}) {
        widest(column, QStringLiteral("client 4194304"));
    }
    for (int column : {model::col_messages_in, model::col_messages_out}) {
        widest(column, QStringLiteral("0000000000"));
    }
    for (int column : {model::col_rate_in, model::col_rate_out}) {
        widest(column, QStringLiteral("99.9k/s, 99.9 MiB/s"));
    }
    for (int column : {model::col_ring_in, model::col_ring_out}) {
        widest(column, QStringLiteral("999.9 KiB of 1.00 MiB"));
        view->setItemDelegateForColumn(column, new occupancy_delegate(model::fraction_role, view));
    }
    widest(model::col_channel, QStringLiteral("ipc-demo-longer-name"));
}

}  // namespace monitor
