#pragma once
// What the monitor's table models share: rows that keep their place across snapshots, matched
// by a key (so that selection and scrolling survive refreshes), and column headings with tips.

#include <QAbstractTableModel>
#include <map>
#include <span>
#include <type_traits>
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
        // Keys looked up in maps: a thousand rows at 10 Hz must not cost a million comparisons.
        using key_type = std::decay_t<std::invoke_result_t<Key&, const Row&>>;
        std::map<key_type, std::size_t> wanted;
        for (std::size_t i = 0; i < fresh.size(); ++i) {
            wanted.emplace(key(fresh[i]), i);
        }
        for (int i = static_cast<int>(rows.size()) - 1; i >= 0; --i) {
            if (!wanted.contains(key(rows[static_cast<std::size_t>(i)]))) {
                beginRemoveRows({}, i, i);
                rows.erase(rows.begin() + i);
                endRemoveRows();
            }
        }
        std::map<key_type, std::size_t> shown;
        for (std::size_t i = 0; i < rows.size(); ++i) {
            shown.emplace(key(rows[i]), i);
        }
        for (auto& row : fresh) {
            const auto it = shown.find(key(row));
            if (it == shown.end()) {
                const int at = static_cast<int>(rows.size());
                beginInsertRows({}, at, at);
                shown.emplace(key(row), rows.size());
                rows.push_back(std::move(row));
                endInsertRows();
                continue;
            }
            carry(rows[it->second], row);
            rows[it->second] = std::move(row);
            const int at = static_cast<int>(it->second);
            Q_EMIT dataChanged(index(at, 0), index(at, columnCount() - 1));
        }
    }

    // Whether `index` is one of this table's cells.
    bool is_cell(const QModelIndex& index) const;

  private:
    std::span<const column_heading> headings_;
};

}  // namespace monitor
