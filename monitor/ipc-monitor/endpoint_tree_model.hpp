#pragma once
// Processes and their endpoints, as a tree model updated by diffing snapshots: a process keeps
// its row while it exists (keyed by pid and start time), an endpoint while its record does (keyed
// by record index and generation), so selection and expansion survive every refresh.

#include <QAbstractItemModel>
#include <memory>
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
    // Item data role with the endpoint's key, "pid:start_time:index:generation" (or the process's).
    static constexpr int key_role = Qt::UserRole + 1;
    // Item data role: the sort value of a numeric column (qulonglong or double).
    static constexpr int sort_role = Qt::UserRole + 2;

    explicit endpoint_tree_model(QObject* parent = nullptr);
    ~endpoint_tree_model() override;

    // Diffs `now` against the rows shown; rates are `history`'s (smoothed), and a row whose
    // dropped or failed count grew since the last update is marked.
    void update(const ipc::inspect::snapshot& now, const traffic_history& history);

    // The endpoint behind an index, or nullptr (a process row, or an invalid index).
    const ipc::inspect::endpoint_info* endpoint_at(const QModelIndex& index) const;
    const ipc::inspect::process_info* process_at(const QModelIndex& index) const;
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
    struct process_node {
        ipc::inspect::process_info info;  // endpoints live in `rows`, not in info.endpoints
        std::vector<endpoint_row> rows;
    };

    void update_process(int row, process_node& node, ipc::inspect::process_info fresh,
                        const traffic_history& history);
    QVariant process_data(const process_node& p, int column, int role) const;
    QVariant endpoint_data(const process_node& p, const endpoint_row& e, int column,
                           int role) const;

    std::vector<std::unique_ptr<process_node>> processes_;
};

}  // namespace monitor
