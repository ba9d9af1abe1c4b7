#pragma once
// Every connection a control socket reports, one row each, as the reporting side sees it: who
// is at the other end and since when, messages each way (totals and rates from the previous
// snapshot), and how full each direction's ring is (drawn as bars by occupancy_delegate). Rows
// are keyed by process and ring, so selection survives refreshes.

#include <string_view>
#include <vector>

class QTableView;

#include "ipc/inspect.hpp"
#include "keyed_table_model.hpp"

namespace monitor {

class connection_table_model : public keyed_table_model {
    Q_OBJECT
  public:
    enum column {
        col_channel,
        col_side,
        col_peer,
        col_uid,
        col_connected,
        col_messages_in,
        col_messages_out,
        col_rate_in,
        col_rate_out,
        col_ring_in,
        col_ring_out,
        column_count
    };
    // Item data role: "<pid>/<channel>/<side>" of the reporting process, for a view of one
    // server's connections (owner_of gives the same for an endpoint).
    static constexpr int owner_role = Qt::UserRole + 1;
    // Item data role: how full the column's ring is, 0..1, for the bar.
    static constexpr int fraction_role = Qt::UserRole + 2;
    // Item data role: the sort value of a column.
    static constexpr int sort_role = Qt::UserRole + 3;
    // Item data role: the key of the reporting side's endpoint that reads the connection (its
    // details stand for the row), or empty when the snapshot has none.
    static constexpr int endpoint_key_role = Qt::UserRole + 4;

    explicit connection_table_model(QObject* parent = nullptr);

    static QString owner_of(std::int32_t pid, const std::string& channel, std::string_view side);

    void update(const ipc::inspect::snapshot& now);

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;

  private:
    struct rate {
        double messages_per_s = 0;
        double bytes_per_s = 0;
    };
    struct row {
        ipc::inspect::connection_info info;
        QString key;
        QString endpoint_key;
        std::uint64_t taken_ns = 0;
        rate in;
        rate out;
    };
    static QString key_of(const ipc::inspect::connection_info& c);
    static rate rate_between(const ipc::inspect::connection_flow& before,
                             const ipc::inspect::connection_flow& after, std::uint64_t elapsed_ns);
    QVariant display(const row& r, int column, bool sorting) const;

    std::vector<row> rows_;
    std::uint64_t taken_ns_ = 0;
};

// Sets up a view of the model: bars for the rings, one line per row, and columns as wide as the
// values they grow to (so that a rate that gains a digit is not elided).
void set_up_connection_view(QTableView* view);

}  // namespace monitor
