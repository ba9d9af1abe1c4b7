#pragma once
// The slots of one slots channel as a grid of cells coloured by state, with a legend; a cell's
// tooltip gives its counters.

#include <QWidget>

#include "ipc/inspect.hpp"

namespace monitor {

class slot_grid : public QWidget {
    Q_OBJECT
  public:
    explicit slot_grid(QWidget* parent = nullptr);

    void show_slots(const ipc::inspect::slots_info& slots);
    void clear();
    QSize sizeHint() const override;
    bool hasHeightForWidth() const override { return true; }
    int heightForWidth(int width) const override;

    // The colour of a state ("free", "request_ready", "serving", "response_ready", "abandoned").
    static QColor colour_of(const QString& state);

  protected:
    void paintEvent(QPaintEvent* event) override;
    bool event(QEvent* event) override;

  private:
    int columns() const { return columns_for(width()); }
    static int columns_for(int width);
    QRect cell_rect(int slot) const;
    int slot_at(QPoint pos) const;

    ipc::inspect::slots_info slots_;
};

}  // namespace monitor
