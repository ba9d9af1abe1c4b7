#pragma once
// The slots of one slots channel as a grid of cells coloured by state, each filled from the
// bottom (darker) by how busy the slot was since the refresh before: the round trips of the
// calls it completed meanwhile, as a share of that time (a call in flight counts when it ends),
// with a legend. Cells shrink to fit from 1 to 256 slots; numbers are
// drawn while they fit. A cell's tooltip gives its counters in human units and follows each
// refresh.

#include <QWidget>
#include <vector>

#include "ipc/inspect.hpp"

namespace monitor {

class slot_grid : public QWidget {
    Q_OBJECT
  public:
    explicit slot_grid(QWidget* parent = nullptr);

    // `taken_ns`: the snapshot's time, for the per-slot rates since the one before.
    void show_slots(const ipc::inspect::slots_info& slots, std::uint64_t taken_ns);
    void clear();
    QSize sizeHint() const override;
    bool hasHeightForWidth() const override { return true; }
    int heightForWidth(int width) const override;

    // The colour of a state ("free", "request_ready", "serving", "response_ready", "abandoned").
    static QColor colour_of(const QString& state);
    // Where slot `slot` is drawn at the current size (for tests).
    QRect cell_rect(int slot) const;
    // What its tooltip says.
    QString tooltip_text(int slot) const;

  protected:
    void paintEvent(QPaintEvent* event) override;
    bool event(QEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void leaveEvent(QEvent* event) override;

  private:
    struct layout_for {
        int cell;
        int columns;
    };
    layout_for layout_at(int width) const;
    std::vector<QPoint> legend_at(int width) const;
    int legend_height(int width) const;
    int slot_at(QPoint pos) const;

    struct load {
        double calls_per_s = 0;
        double busy = 0;  // 0..1
    };
    ipc::inspect::slots_info slots_;
    std::vector<load> loads_;
    std::uint64_t taken_ns_ = 0;
    int hovered_ = -1;
};

}  // namespace monitor
