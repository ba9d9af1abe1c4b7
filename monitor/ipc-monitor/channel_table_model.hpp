#pragma once
// Every channel as one row, whatever its kind: its ends and their pids, health, rate, bytes/s,
// drops, occupancy (drawn as a bar by occupancy_delegate) and p99. Updated by diffing
// snapshots: a channel keeps its row while its segment exists, so selection survives refreshes.

#include <vector>

#include "ipc/inspect.hpp"
#include "keyed_table_model.hpp"

namespace monitor {

class traffic_history;

class channel_table_model : public keyed_table_model {
    Q_OBJECT
  public:
    enum column {
        col_name,
        col_kind,
        col_ends,
        col_health,
        col_rate,
        col_bytes,
        col_dropped,
        col_occupancy,
        col_p99,
        column_count
    };
    // Item data role: the key of the endpoint whose details stand for the channel (the one
    // that measures latency: a ring's reader, a slots host; else any), or empty when none.
    static constexpr int endpoint_key_role = Qt::UserRole + 1;
    // Item data role: the channel's segment, its row's key.
    static constexpr int segment_role = Qt::UserRole + 2;
    // Item data role: how full it is, 0..1 (the occupancy column), for the bar.
    static constexpr int fraction_role = Qt::UserRole + 3;
    // Item data role: the sort value of a column.
    static constexpr int sort_role = Qt::UserRole + 4;

    explicit channel_table_model(QObject* parent = nullptr);

    void update(const ipc::inspect::snapshot& now, const traffic_history& history);
    QModelIndex find(const QString& segment) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;

  private:
    struct row {
        ipc::inspect::channel_info info;
        QString endpoint_key;
        double messages_per_s = 0;
        double bytes_per_s = 0;
        std::uint64_t dropped = 0;
        std::uint64_t failed = 0;
        bool drops_grew = false;        // dropped or failed, since the update before
        bool measures_latency = false;  // endpoint_key's role
        std::uint64_t p99_ns = 0;
        bool has_latency = false;
    };
    static row summarise(const ipc::inspect::snapshot& now, const ipc::inspect::channel_info& c,
                         const traffic_history& history);
    QVariant display(const row& r, int column, bool sorting) const;

    std::vector<row> rows_;
};

}  // namespace monitor
