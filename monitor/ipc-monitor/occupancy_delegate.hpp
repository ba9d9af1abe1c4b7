#pragma once
// Draws a cell as a bar filled to the fraction its model gives (occupancy), with the cell's
// text over it: how full each channel is, readable at a glance down a column.

#include <QStyledItemDelegate>

namespace monitor {

class occupancy_delegate : public QStyledItemDelegate {
    Q_OBJECT
  public:
    // `fraction_role`: the item data role holding 0..1.
    occupancy_delegate(int fraction_role, QObject* parent = nullptr);
    void paint(QPainter* painter, const QStyleOptionViewItem& option,
               const QModelIndex& index) const override;

  private:
    int fraction_role_;
};

}  // namespace monitor
