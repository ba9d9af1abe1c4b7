#include "endpoint_tree_model.hpp"

#include "text.hpp"

#include <QBrush>
#include <QString>
#include <algorithm>

#include "common/units.hpp"
#include "health_style.hpp"
#include "keys.hpp"
#include "traffic_history.hpp"

namespace monitor {

namespace {

using ipc::inspect::endpoint_info;
using ipc::inspect::process_info;

bool same_process(const process_info& a, const process_info& b) {
    return a.pid == b.pid && a.start_time == b.start_time;
}

bool same_endpoint(const endpoint_info& a, const endpoint_info& b) {
    return a.index == b.index && a.generation == b.generation;
}

bool drops_grew(const endpoint_info& before, const endpoint_info& now) {
    return now.counters.dropped > before.counters.dropped ||
           now.counters.failed > before.counters.failed;
}

QVariant number(std::uint64_t n, bool sorting) {
    return sorting ? QVariant(qulonglong(n)) : QVariant(QString::number(n));
}

}  // namespace

endpoint_tree_model::endpoint_tree_model(QObject* parent) : QAbstractItemModel(parent) {}
endpoint_tree_model::~endpoint_tree_model() = default;

void endpoint_tree_model::update(const ipc::inspect::snapshot& now,
                                 const traffic_history& history) {
    // Rows whose process is gone go first, from the bottom so that row numbers stay valid.
    for (int row = static_cast<int>(processes_.size()) - 1; row >= 0; --row) {
        const auto& info = processes_[static_cast<std::size_t>(row)]->info;
        const bool present =
            std::any_of(now.processes.begin(), now.processes.end(),
                        [&](const process_info& p) { return same_process(p, info); });
        if (!present) {
            beginRemoveRows({}, row, row);
            processes_.erase(processes_.begin() + row);
            endRemoveRows();
        }
    }
    for (const auto& fresh : now.processes) {
        auto it = std::find_if(processes_.begin(), processes_.end(),
                               [&](const auto& node) { return same_process(node->info, fresh); });
        if (it == processes_.end()) {
            // Filled before the insertion is announced: views (and proxies) that look at the
            // new row when rowsInserted fires see who it is.
            auto node = std::make_unique<process_node>();
            node->info = fresh;
            node->info.endpoints.clear();
            const int row = static_cast<int>(processes_.size());
            beginInsertRows({}, row, row);
            processes_.push_back(std::move(node));
            endInsertRows();
            it = processes_.end() - 1;
        }
        update_process(static_cast<int>(it - processes_.begin()), **it, fresh, history);
    }
}

void endpoint_tree_model::update_process(int row, process_node& node, process_info fresh,
                                         const traffic_history& history) {
    const QModelIndex parent_index = index(row, 0);
    auto& rows = node.rows;
    for (int r = static_cast<int>(rows.size()) - 1; r >= 0; --r) {
        const auto& old = rows[static_cast<std::size_t>(r)].info;
        const bool present =
            std::any_of(fresh.endpoints.begin(), fresh.endpoints.end(),
                        [&](const endpoint_info& e) { return same_endpoint(e, old); });
        if (!present) {
            beginRemoveRows(parent_index, r, r);
            rows.erase(rows.begin() + r);
            endRemoveRows();
        }
    }
    for (auto& e : fresh.endpoints) {
        auto it = std::find_if(rows.begin(), rows.end(),
                               [&](const endpoint_row& r) { return same_endpoint(r.info, e); });
        const auto rates = history.rates(endpoint_key(fresh, e));
        if (it == rows.end()) {
            const int r = static_cast<int>(rows.size());
            beginInsertRows(parent_index, r, r);
            rows.push_back({std::move(e), rates});
            endInsertRows();
            continue;
        }
        it->rates = rates;
        it->drops_grew = drops_grew(it->info, e);
        it->info = std::move(e);
        const int r = static_cast<int>(it - rows.begin());
        Q_EMIT dataChanged(index(r, 0, parent_index), index(r, column_count - 1, parent_index));
    }
    fresh.endpoints.clear();
    node.info = std::move(fresh);
    Q_EMIT dataChanged(parent_index, index(row, column_count - 1));
}

const endpoint_info* endpoint_tree_model::endpoint_at(const QModelIndex& index) const {
    if (!index.isValid() || index.internalPointer() == nullptr) {
        return nullptr;
    }
    const auto* node = static_cast<const process_node*>(index.internalPointer());
    return &node->rows[static_cast<std::size_t>(index.row())].info;
}

const process_info* endpoint_tree_model::process_at(const QModelIndex& index) const {
    if (!index.isValid()) {
        return nullptr;
    }
    if (index.internalPointer() != nullptr) {
        return &static_cast<const process_node*>(index.internalPointer())->info;
    }
    return &processes_[static_cast<std::size_t>(index.row())]->info;
}

ipc::inspect::endpoint_rates endpoint_tree_model::rates_at(const QModelIndex& index) const {
    if (!index.isValid() || index.internalPointer() == nullptr) {
        return {};
    }
    const auto* node = static_cast<const process_node*>(index.internalPointer());
    return node->rows[static_cast<std::size_t>(index.row())].rates;
}

QModelIndex endpoint_tree_model::find(const QString& key) const {
    for (std::size_t p = 0; p < processes_.size(); ++p) {
        const auto& node = *processes_[p];
        if (process_key(node.info) == key) {
            return index(static_cast<int>(p), 0);
        }
        for (std::size_t r = 0; r < node.rows.size(); ++r) {
            if (endpoint_key(node.info, node.rows[r].info) == key) {
                return index(static_cast<int>(r), 0, index(static_cast<int>(p), 0));
            }
        }
    }
    return {};
}

QModelIndex endpoint_tree_model::index(int row, int column, const QModelIndex& parent) const {
    if (row < 0 || column < 0 || column >= column_count) {
        return {};
    }
    if (!parent.isValid()) {
        return row < static_cast<int>(processes_.size()) ? createIndex(row, column, nullptr)
                                                         : QModelIndex();
    }
    if (parent.internalPointer() != nullptr ||
        parent.row() >= static_cast<int>(processes_.size())) {
        return {};  // endpoints have no children
    }
    auto* node = processes_[static_cast<std::size_t>(parent.row())].get();
    return row < static_cast<int>(node->rows.size()) ? createIndex(row, column, node)
                                                     : QModelIndex();
}

QModelIndex endpoint_tree_model::parent(const QModelIndex& child) const {
    if (!child.isValid() || child.internalPointer() == nullptr) {
        return {};
    }
    const auto* node = static_cast<const process_node*>(child.internalPointer());
    for (std::size_t p = 0; p < processes_.size(); ++p) {
        if (processes_[p].get() == node) {
            return createIndex(static_cast<int>(p), 0, nullptr);
        }
    }
    return {};
}

int endpoint_tree_model::rowCount(const QModelIndex& parent) const {
    if (!parent.isValid()) {
        return static_cast<int>(processes_.size());
    }
    if (parent.internalPointer() != nullptr || parent.column() != 0) {
        return 0;
    }
    return static_cast<int>(processes_[static_cast<std::size_t>(parent.row())]->rows.size());
}

int endpoint_tree_model::columnCount(const QModelIndex&) const {
    return column_count;
}

QVariant endpoint_tree_model::data(const QModelIndex& index, int role) const {
    if (!index.isValid()) {
        return {};
    }
    if (index.internalPointer() == nullptr) {
        return process_data(*processes_[static_cast<std::size_t>(index.row())], index.column(),
                            role);
    }
    const auto* node = static_cast<const process_node*>(index.internalPointer());
    return endpoint_data(*node, node->rows[static_cast<std::size_t>(index.row())], index.column(),
                         role);
}

QVariant endpoint_tree_model::process_data(const process_node& p, int column, int role) const {
    if (role == key_role) {
        return process_key(p.info);
    }
    if (role == Qt::ForegroundRole && (p.info.spoofed || !p.info.alive)) {
        return QBrush(p.info.spoofed ? Qt::red : Qt::gray);
    }
    if (role != Qt::DisplayRole && role != sort_role) {
        return {};
    }
    switch (column) {
        case col_name:
            return QString::fromStdString(p.info.program);
        case col_pid:
            return role == sort_role ? QVariant(p.info.pid) : QVariant(QString::number(p.info.pid));
        case col_state:
            return p.info.spoofed ? QStringLiteral("spoofed")
                   : p.info.alive ? QStringLiteral("alive")
                                  : QStringLiteral("stale");
        default:
            return {};
    }
}

QVariant endpoint_tree_model::endpoint_data(const process_node& p, const endpoint_row& e,
                                            int column, int role) const {
    if (role == key_role) {
        return endpoint_key(p.info, e.info);
    }
    if (role == Qt::TextAlignmentRole) {
        return column >= col_sent ? QVariant(Qt::AlignRight | Qt::AlignVCenter) : QVariant();
    }
    if (column == col_health && role == Qt::DecorationRole) {
        return health_icon(e.info.health.state);
    }
    if (column == col_health && role == Qt::ToolTipRole) {
        return health_text(e.info.health);
    }
    if (column == col_dropped && role == Qt::BackgroundRole && e.drops_grew) {
        return QBrush(grew_background());
    }
    if (column == col_dropped && role == Qt::ForegroundRole && e.info.counters.dropped != 0) {
        return QBrush(Qt::darkRed);
    }
    if (role == Qt::ForegroundRole && !p.info.alive) {
        return QBrush(Qt::gray);
    }
    if (role != Qt::DisplayRole && role != sort_role) {
        return {};
    }
    const bool sorting = role == sort_role;
    const auto& c = e.info.counters;
    switch (column) {
        case col_name:
            return QString::fromStdString(e.info.name);
        case col_pid:
            return sorting ? QVariant(p.info.pid) : QVariant(QString::number(p.info.pid));
        case col_kind:
            return text(to_string(e.info.kind));
        case col_role:
            return text(to_string(e.info.role));
        case col_state:
            // A dead process's endpoints are not active, whatever their record says.
            return p.info.alive ? text(to_string(e.info.state)) : QStringLiteral("dead");
        case col_health:
            return sorting ? QVariant(static_cast<int>(e.info.health.state))
                           : QVariant(health_words(e.info.health.state));
        case col_sent:
            return number(c.sent, sorting);
        case col_received:
            return number(c.received, sorting);
        case col_rate:
            return sorting ? QVariant(e.rates.messages_per_s())
                           : QVariant(text(units::format_count(e.rates.messages_per_s())));
        case col_dropped:
            return number(c.dropped, sorting);
        case col_p99:
            if (sorting) {
                return qulonglong(e.info.latency.p99_ns);
            }
            return e.info.latency.count == 0
                       ? QStringLiteral("n/a")
                       : text(units::format_duration_ns(e.info.latency.p99_ns));
        default:
            return {};
    }
}

QVariant endpoint_tree_model::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return {};
    }
    static const char* const titles[column_count] = {"Name",   "PID",     "Kind", "Role",
                                                     "State",  "Health",  "Sent", "Received",
                                                     "Msgs/s", "Dropped", "P99"};
    return section >= 0 && section < column_count ? QString(titles[section]) : QVariant();
}

}  // namespace monitor
