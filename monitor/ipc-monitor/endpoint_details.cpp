#include "endpoint_details.hpp"

#include <QGraphicsLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QStackedWidget>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "common/units.hpp"
#include "health_style.hpp"
#include "ipc/histogram.hpp"
#include "slot_grid.hpp"
#include "text.hpp"

namespace monitor {

namespace {

constexpr double window_s = 60;
// A linear axis shrinks only once its data fits in this share of it, so that it does not jump
// back and forth as a rate wanders around a round value.
constexpr double shrink_below = 0.5;

QString bytes(std::uint64_t n) {
    return text(units::format_bytes(static_cast<double>(n)));
}

double log_ns(std::uint64_t ns) {
    return std::log10(static_cast<double>(std::max<std::uint64_t>(ns, 1)));
}

QLabel* wrapping_label(QWidget* parent) {
    auto* label = new QLabel(parent);
    label->setWordWrap(true);
    label->setTextFormat(Qt::RichText);
    return label;
}

}  // namespace

endpoint_details::endpoint_details(QWidget* parent) : QWidget(parent) {
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    pages_ = new QStackedWidget(this);
    outer->addWidget(pages_);
    auto* empty = new QLabel(
        tr("Select a channel or an endpoint on the left to see its traffic, latency and "
           "state here.\n\nNothing running? Demo ▸ Launch demo… starts a parent and child that "
           "talk over a ring or slots."),
        pages_);
    empty->setAlignment(Qt::AlignCenter);
    empty->setWordWrap(true);
    empty->setMargin(40);
    pages_->addWidget(empty);

    auto* content = new QWidget(pages_);
    auto* columns = new QHBoxLayout(content);
    columns->setContentsMargins(0, 0, 0, 0);
    auto* info = new QVBoxLayout;
    title_ = new QLabel(content);
    title_->setStyleSheet(QStringLiteral("font-weight: bold; font-size: 14px"));
    title_->setWordWrap(true);
    health_ = wrapping_label(content);
    counters_ = wrapping_label(content);
    info->addWidget(title_);
    info->addWidget(health_);
    info->addWidget(counters_);

    ring_box_ = new QGroupBox(tr("Ring occupancy"), content);
    auto* ring_layout = new QVBoxLayout(ring_box_);
    occupancy_ = new QProgressBar(ring_box_);
    occupancy_->setRange(0, 1000);
    ring_text_ = new QLabel(ring_box_);
    ring_text_->setWordWrap(true);
    ring_layout->addWidget(occupancy_);
    ring_layout->addWidget(ring_text_);
    info->addWidget(ring_box_);

    slots_box_ = new QGroupBox(tr("Slots"), content);
    auto* slots_layout = new QVBoxLayout(slots_box_);
    grid_ = new slot_grid(slots_box_);
    slots_layout->addWidget(grid_);
    info->addWidget(slots_box_);
    info->addStretch(1);
    columns->addLayout(info, 2);

    messages_.label = per_second;
    bytes_.label = bytes_per_second;
    bytes_.base = 1024;
    latency_.label = nanoseconds;
    latency_.log_scale = true;
    auto* charts = new QGridLayout;
    charts->addWidget(make_chart(tr("Messages/s (1 s average)"), {QString()}, messages_), 0, 0);
    charts->addWidget(make_chart(tr("Bytes/s (1 s average)"), {QString()}, bytes_), 0, 1);
    charts->addWidget(make_chart(QString(), {tr("p50"), tr("p99"), tr("max")}, latency_), 1, 0);

    histogram_chart_ = new QChart;
    histogram_chart_->legend()->hide();
    histogram_chart_->setMargins(QMargins(2, 2, 2, 2));
    histogram_top_ = new QLineSeries(histogram_chart_);
    histogram_ = new QAreaSeries(histogram_top_);
    histogram_->setColor(QColor(0x42, 0x85, 0xf4));
    histogram_->setBorderColor(QColor(0x1a, 0x5f, 0xc8));
    histogram_chart_->addSeries(histogram_);
    histogram_x_ = new QCategoryAxis;
    histogram_y_ = new QCategoryAxis;
    histogram_y_->setTruncateLabels(false);
    histogram_chart_->addAxis(histogram_x_, Qt::AlignBottom);
    histogram_chart_->addAxis(histogram_y_, Qt::AlignLeft);
    histogram_->attachAxis(histogram_x_);
    histogram_->attachAxis(histogram_y_);
    auto* histogram_view = new QChartView(histogram_chart_, content);
    histogram_view->setMinimumHeight(140);
    charts->addWidget(histogram_view, 1, 1);
    columns->addLayout(charts, 5);
    pages_->addWidget(content);
    show_nothing();
}

QChartView* endpoint_details::make_chart(const QString& title, const QStringList& names,
                                         chart_set& set) {
    static const QColor colours[] = {{0x1f, 0x77, 0xb4}, {0xff, 0x7f, 0x0e}, {0xd6, 0x27, 0x28}};
    set.chart = new QChart;
    set.chart->setTitle(title);
    set.chart->setMargins(QMargins(2, 2, 2, 2));  // a 768-pixel screen leaves little height
    set.chart->legend()->setVisible(names.size() > 1);
    set.chart->legend()->setAlignment(Qt::AlignTop);
    set.x = new QCategoryAxis;
    label_seconds_ago(set.x, 0, window_s);
    set.y = new QCategoryAxis;
    set.y->setTruncateLabels(false);
    set.chart->addAxis(set.x, Qt::AlignBottom);
    set.chart->addAxis(set.y, Qt::AlignLeft);
    for (int i = 0; i < names.size(); ++i) {
        auto* line = new QLineSeries;
        line->setName(names[i]);
        QPen pen(colours[i], i == 2 ? 1.0 : 2.0);
        pen.setStyle(i == 2 ? Qt::DashLine : Qt::SolidLine);
        line->setPen(pen);
        set.chart->addSeries(line);
        line->attachAxis(set.x);
        line->attachAxis(set.y);
        set.lines.push_back(line);
    }
    rescale(set, 0);
    auto* view = new QChartView(set.chart, this);
    view->setMinimumHeight(140);
    return view;
}

void endpoint_details::show_nothing() {
    shown_key_.clear();
    shown_until_ns_ = 0;
    histogram_count_ = ~std::uint64_t{0};
    for (auto* set : {&messages_, &bytes_, &latency_}) {
        for (auto* line : set->lines) {
            line->clear();
        }
        set->shown_top = 0;
    }
    histogram_top_->clear();
    grid_->clear();
    pages_->setCurrentIndex(0);
}

bool endpoint_details::showing_nothing() const {
    return pages_->currentIndex() == 0;
}

QStringList endpoint_details::axis_labels() const {
    QStringList labels;
    for (auto* axis :
         {messages_.x, messages_.y, bytes_.y, latency_.y, histogram_x_, histogram_y_}) {
        labels << axis->categoriesLabels();
    }
    return labels;
}

void endpoint_details::show_endpoint(const ipc::inspect::snapshot& s,
                                     const ipc::inspect::process_info& p,
                                     const ipc::inspect::endpoint_info& e, const QString& key,
                                     const traffic_history& history) {
    const auto& points = history.points(key);
    if (key != shown_key_) {
        show_nothing();
        shown_key_ = key;
        reset_charts(points, history.origin_ns());
    } else {
        add_points(points, history.origin_ns());
    }
    pages_->setCurrentIndex(1);
    title_->setText(
        tr("%1 — %2 %3 in %4 (pid %5)")
            .arg(text(e.name), text(to_string(e.kind)), text(to_string(e.role)), text(p.program))
            .arg(p.pid));
    health_->setText(
        QStringLiteral("<span style='color:%1'>●</span> %2")
            .arg(health_colour(e.health.state).name(), health_text(e.health).toHtmlEscaped()));
    show_counters(e, history.rates(key));
    show_latency_state(e);
    show_histogram(e);
    show_channel(s, e);
}

void endpoint_details::reset_charts(const std::deque<traffic_history::point>& points,
                                    std::uint64_t origin_ns) {
    QList<QPointF> messages, bytes, p50, p99, max;
    for (const auto& p : points) {
        const double t = static_cast<double>(p.taken_ns - origin_ns) / 1e9;
        messages.append({t, p.rates.messages_per_s()});
        bytes.append({t, p.rates.bytes_per_s()});
        if (p.latency.count != 0) {
            p50.append({t, log_ns(p.latency.p50_ns)});
            p99.append({t, log_ns(p.latency.p99_ns)});
            max.append({t, log_ns(p.latency.max_ns)});
        }
    }
    // One replace per line: a chart laid out once, not once per point.
    messages_.lines[0]->replace(messages);
    bytes_.lines[0]->replace(bytes);
    latency_.lines[0]->replace(p50);
    latency_.lines[1]->replace(p99);
    latency_.lines[2]->replace(max);
    shown_until_ns_ = points.empty() ? 0 : points.back().taken_ns;
    const double now_s =
        points.empty() ? 0 : static_cast<double>(points.back().taken_ns - origin_ns) / 1e9;
    for (auto* set : {&messages_, &bytes_, &latency_}) {
        rescale(*set, now_s);
    }
}

void endpoint_details::add_points(const std::deque<traffic_history::point>& points,
                                  std::uint64_t origin_ns) {
    for (const auto& p : points) {
        if (p.taken_ns > shown_until_ns_) {
            add_point(p, origin_ns);
            shown_until_ns_ = p.taken_ns;
        }
    }
    const double now_s =
        static_cast<double>(shown_until_ns_ - std::min(shown_until_ns_, origin_ns)) / 1e9;
    for (auto* set : {&messages_, &bytes_, &latency_}) {
        rescale(*set, now_s);
    }
}

void endpoint_details::add_point(const traffic_history::point& p, std::uint64_t origin_ns) {
    const double t = static_cast<double>(p.taken_ns - origin_ns) / 1e9;
    messages_.lines[0]->append(t, p.rates.messages_per_s());
    bytes_.lines[0]->append(t, p.rates.bytes_per_s());
    if (p.latency.count != 0) {
        latency_.lines[0]->append(t, log_ns(p.latency.p50_ns));
        latency_.lines[1]->append(t, log_ns(p.latency.p99_ns));
        latency_.lines[2]->append(t, log_ns(p.latency.max_ns));
    }
}

// Drops what left the window, and labels both axes for what is left: linear axes grow at
// once and shrink only when the data fits in half of them; the log axis spans whole decades.
void endpoint_details::rescale(chart_set& set, double now_s) {
    double low = std::numeric_limits<double>::infinity();
    double high = 0;
    for (auto* line : set.lines) {
        int old = 0;
        while (old < line->count() && line->at(old).x() < now_s - window_s) {
            ++old;
        }
        if (old > 0) {
            line->removePoints(0, old);
        }
        for (const auto& point : line->points()) {
            low = std::min(low, point.y());
            high = std::max(high, point.y());
        }
    }
    // "45 s ago" needs about 70 pixels: five labels from 420 pixels on, three below.
    label_seconds_ago(set.x, now_s, window_s, set.chart->plotArea().width() >= 420 ? 4 : 2);
    bool relabelled = false;
    if (set.log_scale) {
        // At least three decades from 100 ns, so that one sample does not fill the height.
        const int bottom = std::isfinite(low) ? std::max(0, static_cast<int>(std::floor(low))) : 2;
        const int top = std::max(bottom + 3, static_cast<int>(std::ceil(high)));
        relabelled = label_decades(set.y, bottom, top, set.label);
    } else {
        if (high > set.shown_top || high < set.shown_top * shrink_below) {
            set.shown_top = high;
        }
        relabelled = label_values(set.y, set.shown_top, set.label, set.smallest_step, set.base);
    }
    if (relabelled && set.chart->layout() != nullptr) {
        set.chart->layout()->invalidate();  // room for the new labels' width
    }
}

void endpoint_details::show_counters(const ipc::inspect::endpoint_info& e,
                                     const ipc::inspect::endpoint_rates& rates) {
    const auto& c = e.counters;
    const auto per_s = [](double v) { return text(units::format_count(v)) + "/s"; };
    const auto latency = e.latency.count == 0
                             ? tr("n/a")
                             : tr("%1 / %2 / %3")
                                   .arg(text(units::format_duration_ns(e.latency.p50_ns)),
                                        text(units::format_duration_ns(e.latency.p99_ns)),
                                        text(units::format_duration_ns(e.latency.max_ns)));
    const QString dropped_style =
        c.dropped != 0 ? QStringLiteral(" style='color:#b71c1c'") : QString();
    counters_->setText(
        tr("<table cellspacing=3>"
           "<tr><td>sent</td><td align=right>%1</td><td>%2</td></tr>"
           "<tr><td>received</td><td align=right>%3</td><td>%4</td></tr>"
           "<tr><td>bytes out</td><td align=right>%5</td><td>%6/s</td></tr>"
           "<tr><td>bytes in</td><td align=right>%7</td><td>%8/s</td></tr>"
           "<tr><td>dropped</td><td align=right%9>%10</td><td></td></tr>"
           "<tr><td>failed</td><td align=right>%11</td><td></td></tr>"
           "<tr><td>depth last seen</td><td align=right>%12</td><td>max %13</td></tr>"
           "<tr><td>latency p50 / p99 / max&nbsp;</td><td colspan=2>%14</td></tr>"
           "</table>")
            .arg(c.sent)
            .arg(per_s(rates.sent_per_s))
            .arg(c.received)
            .arg(per_s(rates.received_per_s))
            .arg(bytes(c.bytes_out), bytes(static_cast<std::uint64_t>(rates.bytes_out_per_s)),
                 bytes(c.bytes_in), bytes(static_cast<std::uint64_t>(rates.bytes_in_per_s)),
                 dropped_style)
            .arg(c.dropped)
            .arg(c.failed)
            .arg(c.queue_depth)
            .arg(c.queue_depth_hwm)
            .arg(latency));
}

void endpoint_details::show_latency_state(const ipc::inspect::endpoint_info& e) {
    if (e.latency.count != 0) {
        latency_.chart->setTitle(tr("Latency of each refresh's samples (log scale)"));
    } else if (e.role == ipc::inspect::endpoint_role::writer) {
        latency_.chart->setTitle(
            tr("Latency: n/a. A writer does not measure it; its reader does (select the reader "
               "or the channel)"));
    } else {
        latency_.chart->setTitle(tr("Latency: no samples yet"));
    }
}

// One step per power of two (the log-linear buckets summed), from the first to the last one
// used, labelled at a few of their lower bounds so that no label is cut short.
void endpoint_details::show_histogram(const ipc::inspect::endpoint_info& e) {
    if (e.latency.count == histogram_count_) {
        return;  // nothing new: no redraw
    }
    histogram_count_ = e.latency.count;
    const auto& b = e.latency_buckets;
    std::vector<std::uint64_t> per_octave;
    for (std::size_t i = 0; i < b.size(); ++i) {
        const std::size_t octave = i / ipc::histogram::sub_bucket_count;
        per_octave.resize(std::max(per_octave.size(), octave + 1), 0);
        per_octave[octave] += b[i];
    }
    const auto first = std::find_if(per_octave.begin(), per_octave.end(), [](auto v) { return v; });
    const auto last =
        std::find_if(per_octave.rbegin(), per_octave.rend(), [](auto v) { return v; }).base();
    if (first == per_octave.end()) {
        histogram_top_->clear();
        histogram_chart_->setTitle(e.role == ipc::inspect::endpoint_role::writer
                                       ? tr("Latency histogram: n/a (measured by the reader)")
                                       : tr("Latency histogram: no samples yet"));
        return;
    }
    histogram_chart_->setTitle(tr("Latency histogram since the endpoint opened"));
    QList<QPointF> steps;
    std::uint64_t tallest = 0;
    const int bins = static_cast<int>(last - first);
    for (int j = 0; j < bins; ++j) {
        const auto count = static_cast<double>(first[j]);
        steps.append({static_cast<double>(j), count});
        steps.append({static_cast<double>(j + 1), count});
        tallest = std::max(tallest, first[j]);
    }
    histogram_top_->replace(steps);
    for (const QString& label : histogram_x_->categoriesLabels()) {
        histogram_x_->remove(label);
    }
    // A label per 90 pixels or so: "16.4 us" needs about 60.
    const int room = std::max(2, static_cast<int>(histogram_chart_->plotArea().width()) / 90);
    const int every = std::max(1, (bins + room - 1) / room);
    const auto first_octave = static_cast<std::size_t>(first - per_octave.begin());
    histogram_x_->setStartValue(0);
    for (int j = 0; j < bins; j += every) {  // none at the right edge, where it would be cut
        const auto bucket =
            (first_octave + static_cast<std::size_t>(j)) * ipc::histogram::sub_bucket_count;
        histogram_x_->append(text(units::format_duration_ns(ipc::histogram::lower_bound(bucket))),
                             j);
    }
    histogram_x_->setRange(0, bins);
    histogram_x_->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
    label_values(histogram_y_, static_cast<double>(tallest), units::format_count, 1);
    histogram_chart_->layout()->invalidate();
}

void endpoint_details::show_channel(const ipc::inspect::snapshot& s,
                                    const ipc::inspect::endpoint_info& e) {
    ring_box_->hide();
    slots_box_->hide();
    for (const auto& r : s.rings) {
        if (r.segment != e.segment) {
            continue;
        }
        ring_box_->show();
        if (!r.error.empty()) {
            occupancy_->setValue(0);
            occupancy_->setFormat(tr("unknown"));
            ring_text_->setText(tr("ring state unavailable: %1").arg(text(r.error)));
            continue;
        }
        occupancy_->setValue(
            r.capacity == 0 ? 0 : static_cast<int>(1000 * r.occupancy_bytes / r.capacity));
        occupancy_->setFormat(tr("%1 of %2").arg(bytes(r.occupancy_bytes), bytes(r.capacity)));
        ring_text_->setText(
            tr("%1 messages waiting now · high-water mark %2 · writer %3%4 · reader %5%6")
                .arg(r.occupancy_messages)
                .arg(bytes(r.occupancy_hwm_bytes))
                .arg(r.writer.pid)
                .arg(r.writer.sleeping ? tr(" (sleeping)") : QString())
                .arg(r.reader.pid)
                .arg(r.reader.sleeping ? tr(" (sleeping)") : QString()));
    }
    for (const auto& g : s.slots) {
        if (g.segment == e.segment) {
            slots_box_->setTitle(tr("Slots: %1 × %2 requests, %3 responses, %4 refused · darker "
                                    "fill: time busy")
                                     .arg(g.slot_count)
                                     .arg(bytes(g.request_capacity), bytes(g.response_capacity))
                                     .arg(g.calls_refused));
            grid_->show_slots(g, s.taken_ns);
            slots_box_->show();
        }
    }
}

}  // namespace monitor
