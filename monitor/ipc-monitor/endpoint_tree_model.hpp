#pragma once
// Hosts, their processes and the processes' endpoints, as a tree model updated by diffing each
// host's snapshots: a host keeps its row until it is removed (this host first, then the remote
// ones in the order they were added), a process while it exists (keyed by pid and start time),
// an endpoint while its record does (keyed by record index and generation), so selection and
// expansion survive every refresh. A host that cannot be reached shows why, and no processes.

#include <QAbstractItemModel>
#include <memory>
#include <optional>
#include <vector>

#include "ipc/inspect.hpp"

namespace monitor {

class traffic_history;

class endpoint_tree_model : public QAbstractItemModel {
    Q_OBJECT
  public:
    enum column {
        col_name,
        col_pid,
        col_kind,
        col_role,
        col_state,
        col_health,
        col_sent,
        col_received,
        col_rate,
        col_dropped,
        col_p99,
        column_count
    };
    // Item data role with the row's key (keys.hpp): the endpoint's, the process's or the host's.
    static constexpr int key_role = Qt::UserRole + 1;
    // Item data role: the sort value of a numeric column (qulonglong or double).
    static constexpr int sort_role = Qt::UserRole + 2;

    explicit endpoint_tree_model(QObject* parent = nullptr);
    ~endpoint_tree_model() override;

    // Diffs host `host`'s rows (id as keys.hpp's; empty for this host) against `now`, adding
    // the host's row, titled `title`, if it has none; rates are `history`'s (smoothed), and a
    // row whose dropped or failed count grew since the last update is marked.
    void update(const QString& host, const QString& title, const ipc::inspect::snapshot& now,
                const traffic_history& history);
    // This host's (as "this host (its name)").
    void update(const ipc::inspect::snapshot& now, const traffic_history& history);
    // Shows that `host` cannot be read, and why (empty: waiting for its first answer), without
    // processes.
    void set_unreachable(const QString& host, const QString& title, const QString& why);
    void remove_host(const QString& host);

    // The endpoint behind an index, or nullptr (a host or process row, or an invalid index).
    const ipc::inspect::endpoint_info* endpoint_at(const QModelIndex& index) const;
    // The process of a process or endpoint row, or nullptr.
    const ipc::inspect::process_info* process_at(const QModelIndex& index) const;
    // The id of the host a row belongs to (empty for this host's), or nullopt for an invalid index.
    std::optional<QString> host_at(const QModelIndex& index) const;
    // Smoothed per-second rates of the endpoint behind `index`.
    ipc::inspect::endpoint_rates rates_at(const QModelIndex& index) const;
    // The index of the row with this key, or an invalid index.
    QModelIndex find(const QString& key) const;

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

  private:
    struct endpoint_row {
        ipc::inspect::endpoint_info info;
        ipc::inspect::endpoint_rates rates;
        bool drops_grew = false;  // since the update before
    };
    struct host_node;
    struct process_node {
        host_node* host = nullptr;
        ipc::inspect::process_info info;  // endpoints live in `rows`, not in info.endpoints
        std::vector<endpoint_row> rows;
    };
    struct host_node {
        QString id;
        QString title;
        bool reachable = true;
        QString problem;  // why it is not
        std::vector<std::unique_ptr<process_node>> processes;
    };

    // An index's internal pointer: null for a host row, its host for a process row, its process
    // for an endpoint row.
    const host_node* host_pointer(const void* p) const;
    host_node& host_row(const QString& host, const QString& title);
    int row_of(const host_node& h) const;
    QModelIndex host_index(const host_node& h) const;
    void remove_processes(host_node& h, const QModelIndex& at, const ipc::inspect::snapshot* keep);
    void update_process(host_node& h, int row, process_node& node, ipc::inspect::process_info fresh,
                        const traffic_history& history);
    QVariant host_data(const host_node& h, int column, int role) const;
    QVariant process_data(const process_node& p, int column, int role) const;
    QVariant endpoint_data(const process_node& p, const endpoint_row& e, int column,
                           int role) const;

    std::vector<std::unique_ptr<host_node>> hosts_;
};

}  // namespace monitor
