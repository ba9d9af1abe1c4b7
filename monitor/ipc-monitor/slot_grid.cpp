#include "slot_grid.hpp"

#include <QHelpEvent>
#include <QPainter>
#include <QToolTip>

#include "text.hpp"

namespace monitor {

namespace {

constexpr int cell = 26;
constexpr int gap = 4;
constexpr int legend_height = 22;

QString state_shown(const ipc::inspect::slot_info& s) {
    return s.abandoned ? QStringLiteral("abandoned") : text(to_string(s.state));
}

}  // namespace

slot_grid::slot_grid(QWidget* parent) : QWidget(parent) {
    setMouseTracking(true);
    setMinimumHeight(legend_height + cell + 2 * gap);
}

QColor slot_grid::colour_of(const QString& state) {
    if (state == QLatin1String("request_ready")) {
        return QColor(0xf2, 0xc9, 0x4c);
    }
    if (state == QLatin1String("serving")) {
        return QColor(0xf2, 0x99, 0x4a);
    }
    if (state == QLatin1String("response_ready")) {
        return QColor(0x6f, 0xcf, 0x97);
    }
    if (state == QLatin1String("abandoned")) {
        return QColor(0xeb, 0x57, 0x57);
    }
    return QColor(0xe0, 0xe0, 0xe0);  // free
}

void slot_grid::show_slots(const ipc::inspect::slots_info& slots) {
    slots_ = slots;
    updateGeometry();
    update();
}

void slot_grid::clear() {
    slots_ = {};
    update();
}

int slot_grid::columns_for(int width) {
    return std::max(1, (width - gap) / (cell + gap));
}

// As many rows as the slots need at this width, so that none is cut off.
int slot_grid::heightForWidth(int width) const {
    const int count = std::max(1, static_cast<int>(slots_.slots.size()));
    const int cols = columns_for(width);
    return legend_height + (count + cols - 1) / cols * (cell + gap) + gap;
}

QSize slot_grid::sizeHint() const {
    const int width = 16 * (cell + gap) + gap;
    return {width, heightForWidth(width)};
}

QRect slot_grid::cell_rect(int slot) const {
    const int cols = columns();
    return {gap + (slot % cols) * (cell + gap), legend_height + gap + (slot / cols) * (cell + gap),
            cell, cell};
}

int slot_grid::slot_at(QPoint pos) const {
    for (int i = 0; i < static_cast<int>(slots_.slots.size()); ++i) {
        if (cell_rect(i).contains(pos)) {
            return i;
        }
    }
    return -1;
}

void slot_grid::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    int x = gap;
    for (const char* state : {"free", "request_ready", "serving", "response_ready", "abandoned"}) {
        painter.fillRect(QRect(x, 5, 12, 12), colour_of(QString::fromLatin1(state)));
        painter.drawText(QRect(x + 16, 0, 120, legend_height), Qt::AlignVCenter,
                         QString::fromLatin1(state).replace('_', ' '));
        x += 16 + painter.fontMetrics().horizontalAdvance(QString::fromLatin1(state)) + 14;
    }
    for (int i = 0; i < static_cast<int>(slots_.slots.size()); ++i) {
        const auto& s = slots_.slots[static_cast<std::size_t>(i)];
        const QRect r = cell_rect(i);
        painter.fillRect(r, colour_of(state_shown(s)));
        painter.setPen(s.guest.alive ? Qt::darkGray : Qt::red);
        painter.drawRect(r.adjusted(0, 0, -1, -1));
        painter.setPen(Qt::black);
        painter.drawText(r, Qt::AlignCenter, QString::number(i));
    }
}

bool slot_grid::event(QEvent* e) {
    if (e->type() != QEvent::ToolTip) {
        return QWidget::event(e);
    }
    auto* help = static_cast<QHelpEvent*>(e);
    const int i = slot_at(help->pos());
    if (i < 0) {
        QToolTip::hideText();
        e->ignore();
        return true;
    }
    const auto& s = slots_.slots[static_cast<std::size_t>(i)];
    const auto& c = s.counters;
    QToolTip::showText(help->globalPos(),
                       tr("slot %1: %2\nguest pid %3 (%4)\ncalls %5, completed %6, timeouts %7, "
                          "failed %8, late %9\nround trip p50 %10 ns, p99 %11 ns")
                           .arg(i)
                           .arg(state_shown(s))
                           .arg(s.guest.pid)
                           .arg(s.guest.alive ? tr("alive") : tr("gone"))
                           .arg(c.calls)
                           .arg(c.completed)
                           .arg(c.timeouts)
                           .arg(c.failed)
                           .arg(c.late_responses)
                           .arg(s.latency.p50_ns)
                           .arg(s.latency.p99_ns),
                       this);
    return true;
}

}  // namespace monitor
