#include "endpoint_tree_model.hpp"

#include "text.hpp"

#include <QBrush>
#include <QString>
#include <QSysInfo>
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

const endpoint_tree_model::host_node* endpoint_tree_model::host_pointer(const void* p) const {
    for (const auto& h : hosts_) {
        if (h.get() == p) {
            return h.get();
        }
    }
    return nullptr;
}

int endpoint_tree_model::row_of(const host_node& h) const {
    for (std::size_t i = 0; i < hosts_.size(); ++i) {
        if (hosts_[i].get() == &h) {
            return static_cast<int>(i);
        }
    }
    return -1;
}

QModelIndex endpoint_tree_model::host_index(const host_node& h) const {
    return index(row_of(h), 0);
}

endpoint_tree_model::host_node& endpoint_tree_model::host_row(const QString& host,
                                                              const QString& title) {
    for (auto& h : hosts_) {
        if (h->id == host) {
            return *h;
        }
    }
    auto node = std::make_unique<host_node>();
    node->id = host;
    node->title = title;
    // This host first: a remote host's row goes after it and after those added before.
    const auto at = host.isEmpty() ? hosts_.begin() : hosts_.end();
    const int row = static_cast<int>(at - hosts_.begin());
    beginInsertRows({}, row, row);
    auto& inserted = **hosts_.insert(at, std::move(node));
    endInsertRows();
    return inserted;
}

// Removes the rows of `h`'s processes that `keep` (null: none) does not hold, from the bottom so
// that row numbers stay valid.
void endpoint_tree_model::remove_processes(host_node& h, const QModelIndex& at,
                                           const ipc::inspect::snapshot* keep) {
    for (int row = static_cast<int>(h.processes.size()) - 1; row >= 0; --row) {
        const auto& info = h.processes[static_cast<std::size_t>(row)]->info;
        const bool present =
            keep != nullptr &&
            std::any_of(keep->processes.begin(), keep->processes.end(),
                        [&](const process_info& p) { return same_process(p, info); });
        if (!present) {
            beginRemoveRows(at, row, row);
            h.processes.erase(h.processes.begin() + row);
            endRemoveRows();
        }
    }
}

void endpoint_tree_model::update(const QString& host, const QString& title,
                                 const ipc::inspect::snapshot& now,
                                 const traffic_history& history) {
    host_node& h = host_row(host, title);
    const QModelIndex at = host_index(h);
    h.title = title;
    h.reachable = true;
    h.problem.clear();
    remove_processes(h, at, &now);
    for (const auto& fresh : now.processes) {
        auto it = std::find_if(h.processes.begin(), h.processes.end(),
                               [&](const auto& node) { return same_process(node->info, fresh); });
        if (it == h.processes.end()) {
            // Filled before the insertion is announced: views (and proxies) that look at the
            // new row when rowsInserted fires see who it is.
            auto node = std::make_unique<process_node>();
            node->host = &h;
            node->info = fresh;
            node->info.endpoints.clear();
            const int row = static_cast<int>(h.processes.size());
            beginInsertRows(at, row, row);
            h.processes.push_back(std::move(node));
            endInsertRows();
            it = h.processes.end() - 1;
        }
        update_process(h, static_cast<int>(it - h.processes.begin()), **it, fresh, history);
    }
    Q_EMIT dataChanged(at, at.siblingAtColumn(column_count - 1));
}

void endpoint_tree_model::update(const ipc::inspect::snapshot& now,
                                 const traffic_history& history) {
    static const QString title = tr("this host (%1)").arg(QSysInfo::machineHostName());
    update({}, title, now, history);
}

void endpoint_tree_model::set_unreachable(const QString& host, const QString& title,
                                          const QString& why) {
    host_node& h = host_row(host, title);
    const QModelIndex at = host_index(h);
    remove_processes(h, at, nullptr);
    h.title = title;
    h.reachable = false;
    h.problem = why;
    Q_EMIT dataChanged(at, at.siblingAtColumn(column_count - 1));
}

void endpoint_tree_model::remove_host(const QString& host) {
    for (std::size_t i = 0; i < hosts_.size(); ++i) {
        if (hosts_[i]->id == host) {
            beginRemoveRows({}, static_cast<int>(i), static_cast<int>(i));
            hosts_.erase(hosts_.begin() + static_cast<std::ptrdiff_t>(i));
            endRemoveRows();
            return;
        }
    }
}

void endpoint_tree_model::update_process(host_node& h, int row, process_node& node,
                                         process_info fresh, const traffic_history& history) {
    const QModelIndex parent_index = index(row, 0, host_index(h));
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
        const auto rates = history.rates(endpoint_key(fresh, e, h.id));
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
    Q_EMIT dataChanged(parent_index, parent_index.siblingAtColumn(column_count - 1));
}

const endpoint_info* endpoint_tree_model::endpoint_at(const QModelIndex& index) const {
    if (!index.isValid() || index.internalPointer() == nullptr ||
        host_pointer(index.internalPointer()) != nullptr) {
        return nullptr;
    }
    const auto* node = static_cast<const process_node*>(index.internalPointer());
    return &node->rows[static_cast<std::size_t>(index.row())].info;
}

const process_info* endpoint_tree_model::process_at(const QModelIndex& index) const {
    if (!index.isValid() || index.internalPointer() == nullptr) {
        return nullptr;
    }
    if (const auto* h = host_pointer(index.internalPointer())) {
        return &h->processes[static_cast<std::size_t>(index.row())]->info;
    }
    return &static_cast<const process_node*>(index.internalPointer())->info;
}

std::optional<QString> endpoint_tree_model::host_at(const QModelIndex& index) const {
    if (!index.isValid()) {
        return std::nullopt;
    }
    const void* p = index.internalPointer();
    if (p == nullptr) {
        return hosts_[static_cast<std::size_t>(index.row())]->id;
    }
    if (const auto* h = host_pointer(p)) {
        return h->id;
    }
    return static_cast<const process_node*>(p)->host->id;
}

ipc::inspect::endpoint_rates endpoint_tree_model::rates_at(const QModelIndex& index) const {
    if (endpoint_at(index) == nullptr) {
        return {};
    }
    const auto* node = static_cast<const process_node*>(index.internalPointer());
    return node->rows[static_cast<std::size_t>(index.row())].rates;
}

QModelIndex endpoint_tree_model::find(const QString& key) const {
    for (const auto& h : hosts_) {
        const QModelIndex host = host_index(*h);
        if (host_key(h->id) == key) {
            return host;
        }
        for (std::size_t p = 0; p < h->processes.size(); ++p) {
            const auto& node = *h->processes[p];
            const QModelIndex process = index(static_cast<int>(p), 0, host);
            if (process_key(node.info, h->id) == key) {
                return process;
            }
            for (std::size_t r = 0; r < node.rows.size(); ++r) {
                if (endpoint_key(node.info, node.rows[r].info, h->id) == key) {
                    return index(static_cast<int>(r), 0, process);
                }
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
        return row < static_cast<int>(hosts_.size()) ? createIndex(row, column, nullptr)
                                                     : QModelIndex();
    }
    if (parent.column() != 0) {
        return {};
    }
    if (parent.internalPointer() == nullptr) {  // a host's processes
        auto* h = hosts_[static_cast<std::size_t>(parent.row())].get();
        return row < static_cast<int>(h->processes.size()) ? createIndex(row, column, h)
                                                           : QModelIndex();
    }
    const auto* h = host_pointer(parent.internalPointer());
    if (h == nullptr) {
        return {};  // endpoints have no children
    }
    auto* node = h->processes[static_cast<std::size_t>(parent.row())].get();
    return row < static_cast<int>(node->rows.size()) ? createIndex(row, column, node)
                                                     : QModelIndex();
}

QModelIndex endpoint_tree_model::parent(const QModelIndex& child) const {
    if (!child.isValid() || child.internalPointer() == nullptr) {
        return {};
    }
    if (const auto* h = host_pointer(child.internalPointer())) {
        return createIndex(row_of(*h), 0, nullptr);
    }
    const auto* node = static_cast<const process_node*>(child.internalPointer());
    const auto& siblings = node->host->processes;
    for (std::size_t p = 0; p < siblings.size(); ++p) {
        if (siblings[p].get() == node) {
            return createIndex(static_cast<int>(p), 0, node->host);
        }
    }
    return {};
}

int endpoint_tree_model::rowCount(const QModelIndex& parent) const {
    if (!parent.isValid()) {
        return static_cast<int>(hosts_.size());
    }
    if (parent.column() != 0) {
        return 0;
    }
    if (parent.internalPointer() == nullptr) {
        return static_cast<int>(hosts_[static_cast<std::size_t>(parent.row())]->processes.size());
    }
    const auto* h = host_pointer(parent.internalPointer());
    return h == nullptr ? 0
                        : static_cast<int>(
                              h->processes[static_cast<std::size_t>(parent.row())]->rows.size());
}

int endpoint_tree_model::columnCount(const QModelIndex&) const {
    return column_count;
}

QVariant endpoint_tree_model::data(const QModelIndex& index, int role) const {
    if (!index.isValid()) {
        return {};
    }
    const void* p = index.internalPointer();
    if (p == nullptr) {
        return host_data(*hosts_[static_cast<std::size_t>(index.row())], index.column(), role);
    }
    if (const auto* h = host_pointer(p)) {
        return process_data(*h->processes[static_cast<std::size_t>(index.row())], index.column(),
                            role);
    }
    const auto* node = static_cast<const process_node*>(p);
    return endpoint_data(*node, node->rows[static_cast<std::size_t>(index.row())], index.column(),
                         role);
}

QVariant endpoint_tree_model::host_data(const host_node& h, int column, int role) const {
    if (role == key_role) {
        return host_key(h.id);
    }
    if (role == Qt::ToolTipRole) {
        return h.reachable ? QVariant() : QVariant(h.problem);
    }
    if (role == Qt::ForegroundRole && !h.reachable) {
        return QBrush(h.problem.isEmpty() ? Qt::gray : Qt::darkRed);
    }
    if (role != Qt::DisplayRole && role != sort_role) {
        return {};
    }
    switch (column) {
        case col_name:
            return h.title;
        case col_pid:  // sorted by pid, the hosts keep their order: this host first
            return role == sort_role ? QVariant(row_of(h)) : QVariant();
        case col_state:
            if (h.id.isEmpty()) {
                return {};  // this host: read directly, never unreachable
            }
            return h.reachable           ? QStringLiteral("reachable")
                   : h.problem.isEmpty() ? QStringLiteral("waiting")
                                         : QStringLiteral("unreachable");
        case col_health:
            return h.reachable ? QVariant() : QVariant(h.problem);
        default:
            return {};
    }
}

QVariant endpoint_tree_model::process_data(const process_node& p, int column, int role) const {
    if (role == key_role) {
        return process_key(p.info, p.host->id);
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
        return endpoint_key(p.info, e.info, p.host->id);
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
