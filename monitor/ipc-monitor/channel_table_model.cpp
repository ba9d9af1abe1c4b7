#include "channel_table_model.hpp"

#include <QBrush>
#include <algorithm>

#include "common/units.hpp"
#include "health_style.hpp"
#include "ipc/histogram.hpp"
#include "keys.hpp"
#include "text.hpp"
#include "traffic_history.hpp"

namespace monitor {

namespace {

// Ends grouped by role, in the channel's order: "writer 12688 → reader 12692",
// "host 12700, guest 12701 12702". An end that died holding the channel says so.
QString ends_text(const ipc::inspect::channel_info& c) {
    QString out;
    for (std::size_t i = 0; i < c.ends.size(); ++i) {
        const auto& e = c.ends[i];
        if (i == 0 || e.role != c.ends[i - 1].role) {
            out += i == 0 ? QString() : c.one_way ? QStringLiteral(" → ") : QStringLiteral(", ");
            out += text(to_string(e.role));
        }
        out += QLatin1Char(' ') + QString::number(e.end.pid);
        if (e.end.state == ipc::inspect::end_state::attached && !e.end.alive) {
            out += QStringLiteral(" (dead)");
        }
    }
    return out;
}

double fraction(const ipc::inspect::channel_info& c) {
    return c.capacity == 0 ? 0.0 : static_cast<double>(c.used) / static_cast<double>(c.capacity);
}

// The roles that measure latency: a ring's reader, a slots host.
bool measures_latency(ipc::inspect::endpoint_role role) {
    return role == ipc::inspect::endpoint_role::reader || role == ipc::inspect::endpoint_role::host;
}

QString used_text(const ipc::inspect::channel_info& c) {
    if (ipc::inspect::used_unit(c) == "messages") {
        return QStringLiteral("%1 in flight").arg(c.used);
    }
    if (!c.used_is_bytes) {
        return QStringLiteral("%1 of %2 slots").arg(c.used).arg(c.capacity);
    }
    return QStringLiteral("%1 of %2")
        .arg(text(units::format_bytes(static_cast<double>(c.used))),
             text(units::format_bytes(static_cast<double>(c.capacity))));
}

constexpr column_heading headings[channel_table_model::column_count] = {
    {"Channel", "The channel's name"},
    {"Kind", "ring, slots, duplex, broker, stream; zipc and simpleipc for other programs' formats"},
    {"Ends", "Its ends and their pids"},
    {"Health",
     "ok, idle, backpressure, dropping, peer dead, stale or corrupt (hover a row for why)"},
    {"Msgs/s",
     "Messages (or calls) per second, averaged over the last second (n/a: nobody counts them, "
     "as for another program's ZIPC or SimpleIPC channel)"},
    {"Bytes/s", "Payload bytes per second, averaged over the last second"},
    {"Dropped",
     "Messages refused or given up, each reported to its caller: dark red once non-zero, "
     "highlighted at the refresh where it (or a failure count) grew"},
    {"Occupancy", "Bytes waiting in a ring, or slots busy"},
    {"P99", "99th percentile latency (a ring's reader, a slots host's round trips)"}};

}  // namespace

channel_table_model::channel_table_model(QObject* parent) : keyed_table_model(headings, parent) {}

// Each message passes every end, so the channel's rate is its busiest endpoint's, not the sum;
// its drops and failures are the sums (a writer's refusals, a reader's messages lost at close).
// The end that stands for it is the one that measures latency, whether or not it has samples
// yet, so that the details do not jump from one end to the other.
channel_table_model::row channel_table_model::summarise(const ipc::inspect::snapshot& now,
                                                        const ipc::inspect::channel_info& c,
                                                        const traffic_history& history) {
    row r;
    r.info = c;
    using ipc::histogram::saturating_add;
    for (const auto& p : now.processes) {
        for (const auto& e : p.endpoints) {
            if (e.segment != c.segment || !p.alive) {
                continue;
            }
            const QString key = endpoint_key(p, e);
            const auto rates = history.rates(key);
            r.messages_per_s = std::max(r.messages_per_s, rates.messages_per_s());
            r.bytes_per_s = std::max(r.bytes_per_s, rates.bytes_per_s());
            r.dropped = saturating_add(r.dropped, e.counters.dropped);
            r.failed = saturating_add(r.failed, e.counters.failed);
            if (r.endpoint_key.isEmpty() || (measures_latency(e.role) && !r.measures_latency)) {
                r.endpoint_key = key;
                r.measures_latency = measures_latency(e.role);
                r.p99_ns = e.latency.p99_ns;
                r.has_latency = e.latency.count != 0;
            }
        }
    }
    return r;
}

void channel_table_model::update(const ipc::inspect::snapshot& now,
                                 const traffic_history& history) {
    std::vector<row> fresh;
    for (const auto& c : now.channels) {
        fresh.push_back(summarise(now, c, history));
    }
    replace_rows(
        rows_, std::move(fresh), [](const row& r) -> const std::string& { return r.info.segment; },
        [](const row& old, row& r) {
            r.drops_grew = r.dropped > old.dropped || r.failed > old.failed;
        });
}

QModelIndex channel_table_model::find(const QString& segment) const {
    for (std::size_t i = 0; i < rows_.size(); ++i) {
        if (text(rows_[i].info.segment) == segment) {
            return index(static_cast<int>(i), 0);
        }
    }
    return {};
}

int channel_table_model::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

QVariant channel_table_model::data(const QModelIndex& index, int role) const {
    if (!is_cell(index)) {
        return {};
    }
    const auto& r = rows_[static_cast<std::size_t>(index.row())];
    const int column = index.column();
    switch (role) {
        case endpoint_key_role:
            return r.endpoint_key;
        case segment_role:
            return text(r.info.segment);
        case fraction_role:
            return fraction(r.info);
        case Qt::DecorationRole:
            return column == col_health ? QVariant(health_icon(r.info.health.state)) : QVariant();
        case Qt::ToolTipRole:
            return column == col_health ? QVariant(health_text(r.info.health)) : QVariant();
        case Qt::BackgroundRole:
            return column == col_dropped && r.drops_grew ? QVariant(QBrush(grew_background()))
                                                         : QVariant();
        case Qt::ForegroundRole:
            return column == col_dropped && r.dropped != 0 ? QVariant(QBrush(Qt::darkRed))
                                                           : QVariant();
        case Qt::TextAlignmentRole:
            return column >= col_rate ? QVariant(Qt::AlignRight | Qt::AlignVCenter) : QVariant();
        case Qt::DisplayRole:
            return display(r, column, false);
        case sort_role:
            return display(r, column, true);
        default:
            return {};
    }
}

QVariant channel_table_model::display(const row& r, int column, bool sorting) const {
    const auto& c = r.info;
    // No endpoint counts for it (another program's format): no rates or drops to show, rather
    // than zeros that would say it is idle.
    const bool counted = !r.endpoint_key.isEmpty();
    if (!counted && !sorting &&
        (column == col_rate || column == col_bytes || column == col_dropped)) {
        return QStringLiteral("n/a");
    }
    switch (column) {
        case col_name:
            return text(c.name);
        case col_kind:
            return text(to_string(c.kind));
        case col_ends:
            return ends_text(c);
        case col_health:
            return sorting ? QVariant(static_cast<int>(c.health.state))
                           : QVariant(health_words(c.health.state));
        case col_rate:
            return sorting ? QVariant(r.messages_per_s)
                           : QVariant(text(units::format_count(r.messages_per_s)) + "/s");
        case col_bytes:
            return sorting ? QVariant(r.bytes_per_s)
                           : QVariant(text(units::format_bytes(r.bytes_per_s)) + "/s");
        case col_dropped:
            return sorting ? QVariant(qulonglong(r.dropped)) : QVariant(QString::number(r.dropped));
        case col_occupancy:
            return sorting ? QVariant(fraction(c)) : QVariant(used_text(c));
        case col_p99:
            if (sorting) {
                return qulonglong(r.p99_ns);
            }
            return r.has_latency ? text(units::format_duration_ns(r.p99_ns))
                                 : QStringLiteral("n/a");
        default:
            return {};
    }
}

}  // namespace monitor
