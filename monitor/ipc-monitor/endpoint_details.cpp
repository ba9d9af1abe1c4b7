#include "endpoint_details.hpp"

#include <QGraphicsLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QRegularExpression>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableView>
#include <QVBoxLayout>
#include <algorithm>
#include <array>
#include <cmath>

#include "common/units.hpp"
#include "connection_table_model.hpp"
#include "health_style.hpp"
#include "ipc/histogram.hpp"
#include "occupancy_bar.hpp"
#include "slot_grid.hpp"
#include "text.hpp"

namespace monitor {

namespace {

constexpr double window_s = 60;
constexpr std::uint64_t chart_period_ns = 250'000'000;
// A linear axis shrinks only once its data fits in this share of it, so that it does not jump
// back and forth as a rate wanders around a round value.
constexpr double shrink_below = 0.5;

QString bytes(std::uint64_t n) {
    return text(units::format_bytes(static_cast<double>(n)));
}

// QChart::setTitle lays the chart out again even for the same text.
void set_title(QChart* chart, const QString& title) {
    if (chart->title() != title) {
        chart->setTitle(title);
    }
}

// Square corners: the rounded background was filled as an antialiased path at every repaint,
// about a tenth of the monitor's time at 10 Hz.
void plain_background(QChart* chart) {
    chart->setBackgroundRoundness(0);
}

double log_ns(std::uint64_t ns) {
    return std::log10(static_cast<double>(std::max<std::uint64_t>(ns, 1)));
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
    // A splitter, not a box layout: its sizes do not follow the labels' text, so a counter that
    // grows a digit does not resize (and re-lay out) every chart at each refresh.
    auto* columns = new QHBoxLayout(content);
    columns->setContentsMargins(0, 0, 0, 0);
    auto* split = new QSplitter(content);
    columns->addWidget(split);
    auto* info_column = new QWidget(split);
    auto* info = new QVBoxLayout(info_column);
    info->setContentsMargins(0, 0, 4, 0);
    title_ = new QLabel(content);
    title_->setStyleSheet(QStringLiteral("font-weight: bold; font-size: 14px"));
    title_->setWordWrap(true);
    auto* health_row = new QHBoxLayout;
    health_icon_ = new QLabel(content);
    health_ = new QLabel(content);
    health_->setWordWrap(true);
    health_row->addWidget(health_icon_);
    health_row->addWidget(health_, 1);
    info->addWidget(title_);
    info->addLayout(health_row);
    // Plain labels in a grid, not a rich-text table: a refresh then lays out no document.
    counters_box_ = new QWidget(content);
    auto* counters = new QGridLayout(counters_box_);
    counters->setContentsMargins(0, 0, 0, 0);
    counters->setHorizontalSpacing(12);
    counters->setVerticalSpacing(1);
    const QString names[counter_count] = {
        tr("sent"),    tr("received"), tr("bytes out"),       tr("bytes in"),
        tr("dropped"), tr("failed"),   tr("depth last seen"), tr("latency p50 / p99 / max")};
    for (int row = 0; row < counter_count; ++row) {
        counters->addWidget(new QLabel(names[row], content), row, 0);
        for (int column = 0; column < 2; ++column) {
            counters_[row][column] = new QLabel(content);
            counters->addWidget(counters_[row][column], row, column + 1,
                                column == 0 ? Qt::AlignRight : Qt::AlignLeft);
        }
    }
    counters->setColumnStretch(3, 1);
    info->addWidget(counters_box_);

    ring_box_ = new QGroupBox(tr("Ring occupancy"), content);
    auto* ring_layout = new QVBoxLayout(ring_box_);
    occupancy_ = new occupancy_bar(ring_box_);
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
    split->addWidget(info_column);

    messages_.label = per_second;
    bytes_.label = bytes_per_second;
    bytes_.base = 1024;
    latency_.label = nanoseconds;
    latency_.log_scale = true;
    charts_column_ = new QWidget(split);
    auto* chart_column = charts_column_;
    auto* charts = new QGridLayout(chart_column);
    charts->setContentsMargins(0, 0, 0, 0);
    charts->addWidget(make_chart(tr("Messages/s (1 s average)"), {QString()}, messages_), 0, 0);
    charts->addWidget(make_chart(tr("Bytes/s (1 s average)"), {QString()}, bytes_), 0, 1);
    latency_view_ = make_chart(QString(), {tr("p50"), tr("p99"), tr("max")}, latency_);
    charts->addWidget(latency_view_, 1, 0);

    histogram_chart_ = new QChart;
    histogram_chart_->legend()->hide();
    histogram_chart_->setMargins(QMargins(2, 2, 2, 2));
    plain_background(histogram_chart_);
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
    histogram_view_ = new QChartView(histogram_chart_, content);
    histogram_view_->setMinimumHeight(140);
    charts->addWidget(histogram_view_, 1, 1);
    // A broker server's own record measures no latency: its connections take the latency
    // charts' place, as wide as the charts.
    connections_box_ = new QGroupBox(tr("Connections"), content);
    auto* connections_layout = new QVBoxLayout(connections_box_);
    connections_ = new QSortFilterProxyModel(this);
    connections_->setFilterRole(connection_table_model::owner_role);
    connections_->setSortRole(connection_table_model::sort_role);
    connection_view_ = new QTableView(connections_box_);
    connection_view_->setModel(connections_);
    connection_view_->setSelectionMode(QAbstractItemView::NoSelection);
    connections_layout->addWidget(connection_view_);
    charts->addWidget(connections_box_, 1, 0, 1, 2);
    split->addWidget(chart_column);
    // Shares, not the panes' size hints: a wide slot grid must not squeeze the charts.
    split->setSizes({2000, 5000});
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 5);
    pages_->addWidget(content);
    show_nothing();
}

QChartView* endpoint_details::make_chart(const QString& title, const QStringList& names,
                                         chart_set& set) {
    static const QColor colours[] = {{0x1f, 0x77, 0xb4}, {0xff, 0x7f, 0x0e}, {0xd6, 0x27, 0x28}};
    set.chart = new QChart;
    set.chart->setTitle(title);
    set.chart->setMargins(QMargins(2, 2, 2, 2));  // a 768-pixel screen leaves little height
    plain_background(set.chart);
    set.chart->legend()->setVisible(names.size() > 1);
    set.chart->legend()->setAlignment(Qt::AlignTop);
    set.x = new QCategoryAxis;
    label_seconds_ago(set.x, window_s, 4);
    set.y = new QCategoryAxis;
    set.y->setTruncateLabels(false);
    set.chart->addAxis(set.x, Qt::AlignBottom);
    set.chart->addAxis(set.y, Qt::AlignLeft);
    for (int i = 0; i < names.size(); ++i) {
        auto* line = new QLineSeries;
        line->setName(names[i]);
        // One-pixel cosmetic pens: Qt draws them without stroking a path, which for a minute
        // of points at 10 Hz was much of the monitor's cost. max is dashed to tell it apart.
        QPen pen(colours[i], 1.0);
        pen.setCosmetic(true);
        pen.setStyle(i == 2 ? Qt::DashLine : Qt::SolidLine);
        line->setPen(pen);
        set.chart->addSeries(line);
        line->attachAxis(set.x);
        line->attachAxis(set.y);
        set.lines.push_back(line);
    }
    rescale(set);
    auto* view = new QChartView(set.chart, this);
    view->setMinimumHeight(140);
    return view;
}

void endpoint_details::show_nothing() {
    shown_key_.clear();
    charts_drawn_ns_ = 0;
    histogram_count_ = ~std::uint64_t{0};
    histogram_span_ = {};
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
    if (key != shown_key_) {
        show_nothing();
        shown_key_ = key;
    }
    pages_->setCurrentIndex(1);
    counters_box_->show();
    charts_column_->show();
    title_->setText(
        tr("%1 — %2 %3 in %4 (pid %5)")
            .arg(text(e.name), text(to_string(e.kind)), text(to_string(e.role)), text(p.program))
            .arg(p.pid));
    if (e.health.state != shown_health_ || health_icon_->pixmap().isNull()) {
        shown_health_ = e.health.state;  // a pixmap set again repaints and re-lays out
        health_icon_->setPixmap(health_icon(e.health.state).pixmap(12, 12));
    }
    health_->setText(health_text(e.health));
    show_counters(e, history.rates(key));
    // A minute across a few hundred pixels moves less than a pixel per 100 ms refresh: the
    // charts are drawn again at most every chart_period_ns (numbers and tables every refresh).
    if (charts_drawn_ns_ == 0 || s.taken_ns - charts_drawn_ns_ >= chart_period_ns) {
        charts_drawn_ns_ = s.taken_ns;
        draw_charts(history.points(key), s.taken_ns);
        show_latency_state(e);
        show_histogram(e);
    }
    show_channel(s, e.segment);
    show_connections(p, e);
}

void endpoint_details::show_channel_only(const ipc::inspect::snapshot& s,
                                         const ipc::inspect::channel_info& c) {
    const QString key = QStringLiteral("channel:") + text(c.segment);
    if (key != shown_key_) {
        show_nothing();
        shown_key_ = key;
    }
    pages_->setCurrentIndex(1);
    const bool foreign = c.kind == ipc::inspect::channel_kind::zipc ||
                         c.kind == ipc::inspect::channel_kind::simpleipc;
    title_->setText(foreign ? tr("%1 — %2, another program's format (no libipc endpoint: its "
                                 "shared state only)")
                                  .arg(text(c.name), text(to_string(c.kind)))
                            : tr("%1 — %2 (no endpoint in this snapshot)")
                                  .arg(text(c.name), text(to_string(c.kind))));
    if (c.health.state != shown_health_ || health_icon_->pixmap().isNull()) {
        shown_health_ = c.health.state;
        health_icon_->setPixmap(health_icon(c.health.state).pixmap(12, 12));
    }
    health_->setText(health_text(c.health));
    // Nobody counts for such a channel: no counters, no charts.
    counters_box_->hide();
    charts_column_->hide();
    show_channel(s, c.segment);
}

// The window's points, at their age: the time axis stays put ("60 s ago" to "now") and only
// the lines move, so that a refresh re-lays out no axis labels.
void endpoint_details::draw_charts(const std::deque<traffic_history::point>& points,
                                   std::uint64_t now_ns) {
    QList<QPointF> messages, bytes, p50, p99, max;
    // Rates at most a point per quarter second (and always the newest): they are averaged over
    // a second anyway, and 240 points is more than a chart has pixels to show them. Every
    // latency point is kept: each holds other samples, and a spike must not be skipped.
    constexpr double spacing_s = 0.25;
    double last_rate_s = -2 * window_s;
    for (std::size_t i = 0; i < points.size(); ++i) {
        const auto& p = points[i];
        const double age_s = (static_cast<double>(p.taken_ns) - static_cast<double>(now_ns)) / 1e9;
        if (age_s < -window_s) {
            continue;
        }
        if (age_s - last_rate_s >= spacing_s || i + 1 == points.size()) {
            last_rate_s = age_s;
            messages.append({age_s, p.rates.messages_per_s()});
            bytes.append({age_s, p.rates.bytes_per_s()});
        }
        if (p.latency.count != 0) {
            p50.append({age_s, log_ns(p.latency.p50_ns)});
            p99.append({age_s, log_ns(p.latency.p99_ns)});
            max.append({age_s, log_ns(p.latency.max_ns)});
        }
    }
    // One replace per line: a chart laid out once, not once per point.
    messages_.lines[0]->replace(messages);
    bytes_.lines[0]->replace(bytes);
    latency_.lines[0]->replace(p50);
    latency_.lines[1]->replace(p99);
    latency_.lines[2]->replace(max);
    for (auto* set : {&messages_, &bytes_, &latency_}) {
        rescale(*set);
    }
}

// Labels the value axis for what the lines hold: a linear axis grows at once and shrinks only
// when the data fits in half of it; the log axis spans whole decades. The time axis has fewer
// labels on a narrow chart.
void endpoint_details::rescale(chart_set& set) {
    double low = std::numeric_limits<double>::infinity();
    double high = 0;
    for (auto* line : set.lines) {
        for (const auto& point : line->points()) {
            low = std::min(low, point.y());
            high = std::max(high, point.y());
        }
    }
    // "45 s ago" needs about 70 pixels: five labels from 420 pixels on, three below.
    bool relabelled =
        label_seconds_ago(set.x, window_s, set.chart->plotArea().width() >= 420 ? 4 : 2);
    if (set.log_scale) {
        // At least three decades (from 100 ns while there are no points), so that one sample
        // does not fill the height.
        const int bottom = std::isfinite(low) ? std::max(0, static_cast<int>(std::floor(low))) : 2;
        const int top = std::max(bottom + 3, static_cast<int>(std::ceil(high)));
        relabelled = label_decades(set.y, bottom, top, set.label) || relabelled;
    } else {
        if (high > set.shown_top || high < set.shown_top * shrink_below) {
            set.shown_top = high;
        }
        relabelled = label_values(set.y, set.shown_top, set.label, set.smallest_step, set.base) ||
                     relabelled;
    }
    if (relabelled && set.chart->layout() != nullptr) {
        set.chart->layout()->invalidate();  // room for the new labels' width
    }
}

void endpoint_details::show_counters(const ipc::inspect::endpoint_info& e,
                                     const ipc::inspect::endpoint_rates& rates) {
    const auto& c = e.counters;
    const auto per_s = [](double v) { return text(units::format_count(v)) + "/s"; };
    const auto bytes_per_s = [](double v) { return text(units::format_bytes(v)) + "/s"; };
    const QString latency = e.latency.count == 0
                                ? tr("n/a")
                                : tr("%1 / %2 / %3")
                                      .arg(text(units::format_duration_ns(e.latency.p50_ns)),
                                           text(units::format_duration_ns(e.latency.p99_ns)),
                                           text(units::format_duration_ns(e.latency.max_ns)));
    const QString values[counter_count][2] = {
        {QString::number(c.sent), per_s(rates.sent_per_s)},
        {QString::number(c.received), per_s(rates.received_per_s)},
        {bytes(c.bytes_out), bytes_per_s(rates.bytes_out_per_s)},
        {bytes(c.bytes_in), bytes_per_s(rates.bytes_in_per_s)},
        {QString::number(c.dropped), QString()},
        {QString::number(c.failed), QString()},
        {QString::number(c.queue_depth), tr("max %1").arg(c.queue_depth_hwm)},
        {latency, QString()}};
    for (int row = 0; row < counter_count; ++row) {
        counters_[row][0]->setText(values[row][0]);  // QLabel ignores an unchanged text
        counters_[row][1]->setText(values[row][1]);
    }
    // setStyleSheet restyles even for the same sheet: only when dropped turns non-zero.
    const QString dropped_style = c.dropped != 0 ? QStringLiteral("color: #b71c1c") : QString();
    if (counters_[dropped_row][0]->styleSheet() != dropped_style) {
        counters_[dropped_row][0]->setStyleSheet(dropped_style);
    }
}

void endpoint_details::show_latency_state(const ipc::inspect::endpoint_info& e) {
    if (e.latency.count != 0) {
        set_title(latency_.chart, tr("Latency of each refresh's samples (log scale)"));
    } else if (e.role == ipc::inspect::endpoint_role::writer) {
        set_title(
            latency_.chart,
            tr("Latency: n/a. A writer does not measure it; its reader does (select the reader "
               "or the channel)"));
    } else {
        set_title(latency_.chart, tr("Latency: no samples yet"));
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
        set_title(histogram_chart_, e.role == ipc::inspect::endpoint_role::writer
                                        ? tr("Latency histogram: n/a (measured by the reader)")
                                        : tr("Latency histogram: no samples yet"));
        return;
    }
    set_title(histogram_chart_, tr("Latency histogram since the endpoint opened"));
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
    // A label per 90 pixels or so ("16.4 us" needs about 60), relabelled only when the span of
    // octaves or the room changes: relabelling re-lays out the chart.
    const int room = std::max(2, static_cast<int>(histogram_chart_->plotArea().width()) / 90);
    const auto first_octave = static_cast<int>(first - per_octave.begin());
    const std::array<int, 3> span = {first_octave, bins, room};
    bool relabelled = false;
    if (span != histogram_span_) {
        histogram_span_ = span;
        relabelled = true;
        for (const QString& label : histogram_x_->categoriesLabels()) {
            histogram_x_->remove(label);
        }
        const int every = std::max(1, (bins + room - 1) / room);
        histogram_x_->setStartValue(0);
        for (int j = 0; j < bins; j += every) {  // none at the right edge, where it would be cut
            const auto bucket =
                static_cast<std::size_t>(first_octave + j) * ipc::histogram::sub_bucket_count;
            histogram_x_->append(
                text(units::format_duration_ns(ipc::histogram::lower_bound(bucket))), j);
        }
        histogram_x_->setRange(0, bins);
        histogram_x_->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
    }
    if (label_values(histogram_y_, static_cast<double>(tallest), units::format_count, 1) ||
        relabelled) {
        histogram_chart_->layout()->invalidate();
    }
}

void endpoint_details::set_connections(QAbstractItemModel* connections) {
    if (connections_->sourceModel() == connections) {
        return;  // asked at every refresh: a new source would reset the view
    }
    connections_->setSourceModel(connections);
    set_up_connection_view(connection_view_);
    // Its channel and side are the selection's.
    for (int column : {connection_table_model::col_channel, connection_table_model::col_side}) {
        connection_view_->setColumnHidden(column, true);
    }
}

// A broker server's connections, in place of the latency charts its own record has no samples
// for.
void endpoint_details::show_connections(const ipc::inspect::process_info& p,
                                        const ipc::inspect::endpoint_info& e) {
    const bool server = e.kind == ipc::inspect::channel_kind::broker &&
                        e.role == ipc::inspect::endpoint_role::server &&
                        connections_->sourceModel() != nullptr;
    latency_view_->setVisible(!server);
    histogram_view_->setVisible(!server);
    if (!server) {
        connections_box_->hide();
        return;
    }
    const QString owner = connection_table_model::owner_of(p.pid, e.name, to_string(e.role));
    connections_->setFilterRegularExpression(
        QRegularExpression(QStringLiteral("^%1$").arg(QRegularExpression::escape(owner))));
    connections_box_->setTitle(
        tr("Connections of %1 (%2)").arg(text(e.name), QString::number(connections_->rowCount())));
    connections_box_->show();
}

void endpoint_details::show_ring(const ipc::inspect::ring_info& r) {
    ring_box_->show();
    if (!r.error.empty()) {
        occupancy_->show_fraction(0, tr("unknown"));
        ring_text_->setText(tr("ring state unavailable: %1").arg(text(r.error)));
        return;
    }
    occupancy_->show_fraction(
        r.capacity == 0 ? 0
                        : static_cast<double>(r.occupancy_bytes) / static_cast<double>(r.capacity),
        tr("%1 of %2").arg(bytes(r.occupancy_bytes), bytes(r.capacity)));
    if (r.kind == ipc::inspect::channel_kind::zipc) {
        ring_text_->setText(tr("%1 messages waiting now · slots of %2 · head %3, tail %4")
                                .arg(r.occupancy_messages)
                                .arg(bytes(r.max_message))
                                .arg(r.read_index)
                                .arg(r.write_index));
        return;
    }
    ring_text_->setText(
        tr("%1 messages waiting now · high-water mark %2 · writer %3%4 · reader %5%6")
            .arg(r.occupancy_messages)
            .arg(bytes(r.occupancy_hwm_bytes))
            .arg(r.writer.pid)
            .arg(r.writer.sleeping ? tr(" (sleeping)") : QString())
            .arg(r.reader.pid)
            .arg(r.reader.sleeping ? tr(" (sleeping)") : QString()));
}

void endpoint_details::show_channel(const ipc::inspect::snapshot& s, const std::string& segment) {
    ring_box_->hide();
    slots_box_->hide();
    for (const auto& r : s.rings) {
        if (r.segment == segment) {
            show_ring(r);
        }
    }
    for (const auto& g : s.slots) {
        if (g.segment == segment) {
            slots_box_->setTitle(
                g.kind == ipc::inspect::channel_kind::simpleipc
                    ? tr("SimpleIPC slots: %1 × %2 each way · states only (the format keeps no "
                         "counters)")
                          .arg(g.slot_count)
                          .arg(bytes(g.request_capacity))
                    : tr("Slots: %1 × %2 requests, %3 responses, %4 refused · darker "
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
