#include "keyed_table_model.hpp"

namespace monitor {

keyed_table_model::keyed_table_model(std::span<const column_heading> headings, QObject* parent)
    : QAbstractTableModel(parent), headings_(headings) {}

int keyed_table_model::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(headings_.size());
}

QVariant keyed_table_model::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || section < 0 || section >= columnCount()) {
        return {};
    }
    const auto& heading = headings_[static_cast<std::size_t>(section)];
    if (role == Qt::DisplayRole) {
        return QString::fromLatin1(heading.title);
    }
    return role == Qt::ToolTipRole ? QVariant(QString::fromLatin1(heading.tip)) : QVariant();
}

bool keyed_table_model::is_cell(const QModelIndex& index) const {
    return checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid);
}

}  // namespace monitor
