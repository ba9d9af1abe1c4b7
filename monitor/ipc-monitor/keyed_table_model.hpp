#pragma once
// What the monitor's table models share: rows that keep their place across snapshots, matched
// by a key (so that selection and scrolling survive refreshes), and column headings with tips.

#include <QAbstractTableModel>
#include <algorithm>
#include <span>
#include <vector>

namespace monitor {

struct column_heading {
    const char* title;
    const char* tip;
};

class keyed_table_model : public QAbstractTableModel {
  public:
    keyed_table_model(std::span<const column_heading> headings, QObject* parent);

    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

  protected:
    // Makes `rows` the `fresh` ones: a shown row whose key is not among them is removed, a new
    // key is appended, and a row that stays is replaced by its fresh one after
    // `carry(old, fresh)` (what is measured between two snapshots).
    template <class Row, class Key, class Carry>
    void replace_rows(std::vector<Row>& rows, std::vector<Row> fresh, Key key, Carry carry) {
        for (int i = static_cast<int>(rows.size()) - 1; i >= 0; --i) {
            const auto& gone = key(rows[static_cast<std::size_t>(i)]);
            if (std::none_of(fresh.begin(), fresh.end(),
                             [&](const Row& r) { return key(r) == gone; })) {
                beginRemoveRows({}, i, i);
                rows.erase(rows.begin() + i);
                endRemoveRows();
            }
        }
        for (auto& row : fresh) {
            auto it = std::find_if(rows.begin(), rows.end(),
                                   [&](const Row& r) { return key(r) == key(row); });
            if (it == rows.end()) {
                const int at = static_cast<int>(rows.size());
                beginInsertRows({}, at, at);
                rows.push_back(std::move(row));
                endInsertRows();
                continue;
            }
            carry(*it, row);
            *it = std::move(row);
            const int at = static_cast<int>(it - rows.begin());
            Q_EMIT dataChanged(index(at, 0), index(at, columnCount() - 1));
        }
    }

    // Whether `index` is one of this table's cells.
    bool is_cell(const QModelIndex& index) const;

  private:
    std::span<const column_heading> headings_;
};

}  // namespace monitor
