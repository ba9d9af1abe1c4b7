#include "occupancy_delegate.hpp"

#include <QApplication>
#include <QPainter>
#include <algorithm>

namespace monitor {

occupancy_delegate::occupancy_delegate(int fraction_role, QObject* parent)
    : QStyledItemDelegate(parent), fraction_role_(fraction_role) {}

// The cell's own background (selection included) first, then the bar, then the text over both.
void occupancy_delegate::paint(QPainter* painter, const QStyleOptionViewItem& option,
                               const QModelIndex& index) const {
    QStyleOptionViewItem cell = option;
    initStyleOption(&cell, index);
    const QString label = cell.text;
    cell.text.clear();
    const QStyle* style = cell.widget != nullptr ? cell.widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &cell, painter, cell.widget);

    const double fraction = std::clamp(index.data(fraction_role_).toDouble(), 0.0, 1.0);
    const QRect bar = option.rect.adjusted(3, 3, -3, -3);
    // Green while there is room, amber from 50 %, red from 90 % (where health says backpressure).
    const QColor fill = fraction >= 0.9   ? QColor(0xef, 0x9a, 0x9a)
                        : fraction >= 0.5 ? QColor(0xff, 0xe0, 0x82)
                                          : QColor(0xa5, 0xd6, 0xa7);
    painter->save();
    painter->fillRect(bar, QColor(0xf5, 0xf5, 0xf5));
    const int filled = static_cast<int>(fraction * bar.width());
    painter->fillRect(
        QRect(bar.topLeft(), QSize(std::max(filled, fraction > 0 ? 2 : 0), bar.height())), fill);
    painter->setPen(QColor(0xbd, 0xbd, 0xbd));
    painter->drawRect(bar.adjusted(0, 0, -1, -1));
    painter->setPen(Qt::black);  // on the bar's light colours, whatever the selection
    painter->drawText(bar, Qt::AlignCenter, label);
    painter->restore();
}

}  // namespace monitor
