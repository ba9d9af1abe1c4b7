#pragma once
// How full a channel is, drawn as a bar filled to a fraction with a label over it: in a table
// cell (occupancy_delegate) and in the details pane (occupancy_bar). Painted by hand: a styled
// QProgressBar cost several per cent of a core to repaint at every 100 ms refresh.

#include <QStyledItemDelegate>
#include <QWidget>

namespace monitor {

// Green while there is room, amber from 50 %, red from 90 % (where health says backpressure).
void paint_occupancy(QPainter& painter, const QRect& bar, double fraction, const QString& label);

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

class occupancy_bar : public QWidget {
    Q_OBJECT
  public:
    explicit occupancy_bar(QWidget* parent = nullptr);
    // Repaints only when what it shows changes.
    void show_fraction(double fraction, const QString& label);
    QSize sizeHint() const override;

  protected:
    void paintEvent(QPaintEvent* event) override;

  private:
    double fraction_ = 0;
    QString label_;
};

}  // namespace monitor
