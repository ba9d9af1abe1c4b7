#include "occupancy_bar.hpp"

#include <QApplication>
#include <QPainter>
#include <algorithm>

namespace monitor {

void paint_occupancy(QPainter& painter, const QRect& bar, double fraction, const QString& label) {
    fraction = std::clamp(fraction, 0.0, 1.0);
    const QColor fill = fraction >= 0.9   ? QColor(0xef, 0x9a, 0x9a)
                        : fraction >= 0.5 ? QColor(0xff, 0xe0, 0x82)
                                          : QColor(0xa5, 0xd6, 0xa7);
    painter.save();
    painter.fillRect(bar, QColor(0xf5, 0xf5, 0xf5));
    const int filled = static_cast<int>(fraction * bar.width());
    painter.fillRect(
        QRect(bar.topLeft(), QSize(std::max(filled, fraction > 0 ? 2 : 0), bar.height())), fill);
    painter.setPen(QColor(0xbd, 0xbd, 0xbd));
    painter.drawRect(bar.adjusted(0, 0, -1, -1));
    painter.setPen(Qt::black);  // on the bar's light colours, whatever the palette
    painter.drawText(bar, Qt::AlignCenter, label);
    painter.restore();
}

occupancy_delegate::occupancy_delegate(int fraction_role, QObject* parent)
    : QStyledItemDelegate(parent), fraction_role_(fraction_role) {}

// The cell's own background (selection included) first, then the bar and its text.
void occupancy_delegate::paint(QPainter* painter, const QStyleOptionViewItem& option,
                               const QModelIndex& index) const {
    QStyleOptionViewItem cell = option;
    initStyleOption(&cell, index);
    const QString label = cell.text;
    cell.text.clear();
    const QStyle* style = cell.widget != nullptr ? cell.widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &cell, painter, cell.widget);
    paint_occupancy(*painter, option.rect.adjusted(3, 3, -3, -3),
                    index.data(fraction_role_).toDouble(), label);
}

occupancy_bar::occupancy_bar(QWidget* parent) : QWidget(parent) {
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
}

void occupancy_bar::show_fraction(double fraction, const QString& label) {
    if (fraction == fraction_ && label == label_) {
        return;
    }
    fraction_ = fraction;
    label_ = label;
    update();
}

QSize occupancy_bar::sizeHint() const {
    return {200, fontMetrics().height() + 8};
}

void occupancy_bar::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    paint_occupancy(painter, rect(), fraction_, label_);
}

}  // namespace monitor
