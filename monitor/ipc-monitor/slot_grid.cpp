#include "slot_grid.hpp"

#include <QCursor>
#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>
#include <algorithm>

#include "common/units.hpp"
#include "text.hpp"

namespace monitor {

namespace {

constexpr int largest_cell = 30;
constexpr int smallest_cell = 9;
constexpr int gap = 3;
constexpr int legend_row = 20;
// The grid grows to this height before its cells shrink: 256 slots fit without a scroll bar.
constexpr int tallest_grid = 150;

constexpr const char* legend_states[] = {"free", "request_ready", "serving", "response_ready",
                                         "abandoned"};

QString legend_name(const char* state) {
    return QString::fromLatin1(state).replace('_', ' ');
}

QString state_shown(const ipc::inspect::slot_info& s) {
    return s.abandoned ? QStringLiteral("abandoned") : text(to_string(s.state));
}

QString duration(std::uint64_t ns) {
    return text(units::format_duration_ns(ns));
}

}  // namespace

slot_grid::slot_grid(QWidget* parent) : QWidget(parent) {
    setMouseTracking(true);
    setMinimumHeight(legend_row + smallest_cell + 2 * gap);
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

void slot_grid::show_slots(const ipc::inspect::slots_info& slots, std::uint64_t taken_ns) {
    const bool same = slots.segment == slots_.segment && slots.slots.size() == slots_.slots.size();
    const double seconds =
        same && taken_ns > taken_ns_ ? static_cast<double>(taken_ns - taken_ns_) / 1e9 : 0;
    loads_.assign(slots.slots.size(), {});
    for (std::size_t i = 0; seconds > 0 && i < slots.slots.size(); ++i) {
        const auto& now = slots.slots[i].counters;
        const auto& before = slots_.slots[i].counters;
        const auto grown = [](std::uint64_t a, std::uint64_t b) {
            return b >= a ? static_cast<double>(b - a) : 0.0;
        };
        loads_[i].calls_per_s = grown(before.calls, now.calls) / seconds;
        loads_[i].busy =
            std::min(1.0, grown(before.latency_sum_ns, now.latency_sum_ns) / (seconds * 1e9));
    }
    const bool resized = slots.slots.size() != slots_.slots.size();
    slots_ = slots;
    taken_ns_ = taken_ns;
    if (resized) {
        updateGeometry();
    }
    update();
    if (hovered_ >= 0 && QToolTip::isVisible()) {
        QToolTip::showText(QCursor::pos(), tooltip_text(hovered_), this);
    }
}

void slot_grid::clear() {
    slots_ = {};
    loads_.clear();
    hovered_ = -1;
    updateGeometry();
    update();
}

// Where each legend entry (a swatch and its words, then the fill's meaning) goes at this width:
// on as many rows as it takes, so that none is cut off on a narrow pane.
std::vector<QPoint> slot_grid::legend_at(int width) const {
    const QFontMetrics metrics(font());
    std::vector<QPoint> at;
    QPoint next(gap, 0);
    for (const char* state : legend_states) {
        const int entry = 16 + metrics.horizontalAdvance(legend_name(state)) + 12;
        if (next.x() + entry > width && next.x() > gap) {
            next = QPoint(gap, next.y() + legend_row);
        }
        at.push_back(next);
        next.rx() += entry;
    }
    return at;
}

int slot_grid::legend_height(int width) const {
    return legend_at(width).back().y() + legend_row;
}

// The largest cell from largest_cell down to smallest_cell with which every slot fits in
// tallest_grid at this width (the smallest, when none does).
slot_grid::layout_for slot_grid::layout_at(int width) const {
    const int count = std::max(1, static_cast<int>(slots_.slots.size()));
    for (int cell = largest_cell; cell >= smallest_cell; --cell) {
        const int columns = std::max(1, (width - gap) / (cell + gap));
        const int rows = (count + columns - 1) / columns;
        if (rows * (cell + gap) + gap <= tallest_grid || cell == smallest_cell) {
            return {cell, columns};
        }
    }
    return {smallest_cell, 1};
}

int slot_grid::heightForWidth(int width) const {
    const int count = std::max(1, static_cast<int>(slots_.slots.size()));
    const auto l = layout_at(width);
    return legend_height(width) + (count + l.columns - 1) / l.columns * (l.cell + gap) + gap;
}

QSize slot_grid::sizeHint() const {
    const int width = 8 * (largest_cell + gap) + gap;  // it wraps into as many rows as needed
    return {width, heightForWidth(width)};
}

QRect slot_grid::cell_rect(int slot) const {
    const auto l = layout_at(width());
    return {gap + (slot % l.columns) * (l.cell + gap),
            legend_height(width()) + gap + (slot / l.columns) * (l.cell + gap), l.cell, l.cell};
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
    const auto legend = legend_at(width());
    for (std::size_t i = 0; i < legend.size(); ++i) {
        const QPoint at = legend[i];
        painter.fillRect(QRect(at.x(), at.y() + 4, 12, 12),
                         colour_of(QString::fromLatin1(legend_states[i])));
        painter.drawText(QRect(at.x() + 16, at.y(), 200, legend_row), Qt::AlignVCenter,
                         legend_name(legend_states[i]));
    }
    QFont small = painter.font();
    small.setPixelSize(std::max(8, layout_at(width()).cell / 2 - 2));
    painter.setFont(small);
    for (int i = 0; i < static_cast<int>(slots_.slots.size()); ++i) {
        const auto& s = slots_.slots[static_cast<std::size_t>(i)];
        const QRect r = cell_rect(i);
        painter.fillRect(r, colour_of(state_shown(s)));
        const double busy = static_cast<std::size_t>(i) < loads_.size()
                                ? loads_[static_cast<std::size_t>(i)].busy
                                : 0;
        const int filled = static_cast<int>(busy * r.height());
        painter.fillRect(QRect(r.left(), r.bottom() + 1 - filled, r.width(), filled),
                         QColor(0x1f, 0x77, 0xb4, 110));
        painter.setPen(s.guest.alive ? Qt::darkGray : Qt::red);
        painter.drawRect(r.adjusted(0, 0, -1, -1));
        if (r.width() >= 20) {
            painter.setPen(Qt::black);
            painter.drawText(r, Qt::AlignCenter, QString::number(i));
        }
    }
}

QString slot_grid::tooltip_text(int slot) const {
    if (slot < 0 || slot >= static_cast<int>(slots_.slots.size())) {
        return {};
    }
    const auto& s = slots_.slots[static_cast<std::size_t>(slot)];
    if (slots_.kind == ipc::inspect::channel_kind::simpleipc) {  // the format's words only
        return tr("slot %1: %2\nrequest %3, message id %4\nhost %5, guest %6")
            .arg(slot)
            .arg(state_shown(s).replace('_', ' '))
            .arg(text(units::format_bytes(static_cast<double>(s.request_length))))
            .arg(s.message_id)
            .arg(s.host_sleeping ? tr("sleeping") : tr("active"),
                 s.guest.sleeping ? tr("sleeping") : tr("active"));
    }
    const auto& c = s.counters;
    const load l = static_cast<std::size_t>(slot) < loads_.size()
                       ? loads_[static_cast<std::size_t>(slot)]
                       : load{};
    return tr("slot %1: %2\nguest pid %3 (%4)\n%5 calls/s, busy %6 %\ncalls %7, completed %8, "
              "timeouts %9, failed %10, late %11\nround trip p50 %12, p99 %13, max %14")
        .arg(slot)
        .arg(state_shown(s).replace('_', ' '))
        .arg(s.guest.pid)
        .arg(s.guest.alive ? tr("alive") : tr("gone"))
        .arg(text(units::format_count(l.calls_per_s)))
        .arg(static_cast<int>(l.busy * 100))
        .arg(c.calls)
        .arg(c.completed)
        .arg(c.timeouts)
        .arg(c.failed)
        .arg(c.late_responses)
        .arg(s.latency.count == 0 ? tr("n/a") : duration(s.latency.p50_ns),
             s.latency.count == 0 ? tr("n/a") : duration(s.latency.p99_ns),
             s.latency.count == 0 ? tr("n/a") : duration(s.latency.max_ns));
}

void slot_grid::mouseMoveEvent(QMouseEvent* event) {
    hovered_ = slot_at(event->position().toPoint());
    QWidget::mouseMoveEvent(event);
}

void slot_grid::leaveEvent(QEvent* event) {
    hovered_ = -1;
    QWidget::leaveEvent(event);
}

bool slot_grid::event(QEvent* e) {
    if (e->type() != QEvent::ToolTip) {
        return QWidget::event(e);
    }
    auto* help = static_cast<QHelpEvent*>(e);
    hovered_ = slot_at(help->pos());
    if (hovered_ < 0) {
        QToolTip::hideText();
        e->ignore();
        return true;
    }
    QToolTip::showText(help->globalPos(), tooltip_text(hovered_), this);
    return true;
}

}  // namespace monitor
