#include "endpoint_details.hpp"

#include "text.hpp"

#include <QGroupBox>
#include <QLabel>
#include <QProgressBar>
#include <QVBoxLayout>
#include <QtCharts/QBarCategoryAxis>
#include <QtCharts/QBarSet>
#include <algorithm>

#include "common/units.hpp"
#include "ipc/histogram.hpp"
#include "slot_grid.hpp"

namespace monitor {

namespace {

constexpr double window_s = 60;

double us(std::uint64_t ns) {
    return static_cast<double>(ns) / 1000.0;
}

}  // namespace

endpoint_details::endpoint_details(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    title_ = new QLabel(tr("Select an endpoint"), this);
    title_->setStyleSheet(QStringLiteral("font-weight: bold; font-size: 14px"));
    counters_ = new QLabel(this);
    counters_->setTextFormat(Qt::RichText);
    layout->addWidget(title_);
    layout->addWidget(counters_);
    throughput_.label = per_second;
    throughput_.right_label = bytes_per_second;
    throughput_.smallest_step = 1;
    latency_.label = microseconds;
    latency_.smallest_step = 0.001;
    layout->addWidget(
        make_chart(tr("Throughput"), {tr("messages/s (left)"), tr("bytes/s (right)"), QString()},
                   throughput_, true),
        1);
    layout->addWidget(make_chart(tr("Latency of the samples in each refresh"),
                                 {tr("p50"), tr("p99"), tr("max")}, latency_, false),
                      1);
    histogram_chart_ = new QChart;
    histogram_chart_->setTitle(tr("Latency histogram (since the endpoint opened)"));
    histogram_chart_->legend()->hide();
    histogram_chart_->setMargins(QMargins(2, 2, 2, 2));
    histogram_ = new QBarSeries;
    histogram_chart_->addSeries(histogram_);
    auto* histogram_view = new QChartView(histogram_chart_, this);
    histogram_view->setMinimumHeight(140);
    layout->addWidget(histogram_view, 1);

    ring_box_ = new QGroupBox(tr("Ring occupancy"), this);
    auto* ring_layout = new QVBoxLayout(ring_box_);
    occupancy_ = new QProgressBar(ring_box_);
    ring_text_ = new QLabel(ring_box_);
    ring_layout->addWidget(occupancy_);
    ring_layout->addWidget(ring_text_);
    layout->addWidget(ring_box_);

    slots_box_ = new QGroupBox(tr("Slots"), this);
    auto* slots_layout = new QVBoxLayout(slots_box_);
    grid_ = new slot_grid(slots_box_);
    slots_layout->addWidget(grid_);
    layout->addWidget(slots_box_);
    show_nothing();
}

QChartView* endpoint_details::make_chart(const QString& title, const QStringList& names,
                                         series_set& set, bool second_axis) {
    auto* chart = new QChart;
    chart->setTitle(title);
    chart->setMargins(QMargins(2, 2, 2, 2));  // a 768-pixel screen leaves little height
    set.x = new QCategoryAxis;
    label_seconds_ago(set.x, 0, window_s);
    set.y = new QCategoryAxis;
    label_values(set.y, 1, set.label, set.smallest_step);
    chart->addAxis(set.x, Qt::AlignBottom);
    chart->addAxis(set.y, Qt::AlignLeft);
    set.y_right = nullptr;
    if (second_axis) {
        set.y_right = new QCategoryAxis;
        label_values(set.y_right, 1, set.right_label, set.smallest_step, 1024);
        chart->addAxis(set.y_right, Qt::AlignRight);
    }
    QLineSeries** slots[] = {&set.first, &set.second, &set.third};
    for (int i = 0; i < 3; ++i) {
        *slots[i] = new QLineSeries;
        (*slots[i])->setName(names.value(i));
        chart->addSeries(*slots[i]);
        (*slots[i])->attachAxis(set.x);
        (*slots[i])->attachAxis(i == 1 && set.y_right != nullptr ? set.y_right : set.y);
        (*slots[i])->setVisible(!names.value(i).isEmpty());
    }
    auto* view = new QChartView(chart, this);
    view->setRenderHint(QPainter::Antialiasing);
    view->setMinimumHeight(160);
    return view;
}

void endpoint_details::append(series_set& set, double t, double a, double b, double c) {
    double top = 0;
    double top_right = 0;
    for (auto [series, value] : {std::pair{set.first, a}, {set.second, b}, {set.third, c}}) {
        series->append(t, value);
        while (series->count() > 0 && series->at(0).x() < t - window_s) {
            series->remove(0);
        }
        double& scale = series == set.second && set.y_right != nullptr ? top_right : top;
        for (const auto& point : series->points()) {
            scale = series->isVisible() ? std::max(scale, point.y()) : scale;
        }
    }
    label_seconds_ago(set.x, t, window_s);
    label_values(set.y, top, set.label, set.smallest_step);
    if (set.y_right != nullptr) {
        label_values(set.y_right, top_right, set.right_label, set.smallest_step, 1024);
    }
}

void endpoint_details::show_nothing() {
    shown_key_.clear();
    previous_.reset();
    title_->setText(tr("Select an endpoint"));
    counters_->clear();
    for (auto* s : {throughput_.first, throughput_.second, throughput_.third, latency_.first,
                    latency_.second, latency_.third}) {
        s->clear();
    }
    histogram_->clear();
    ring_box_->hide();
    slots_box_->hide();
}

void endpoint_details::show_endpoint(const ipc::inspect::snapshot& s,
                                     const ipc::inspect::process_info& p,
                                     const ipc::inspect::endpoint_info& e,
                                     const ipc::inspect::endpoint_rates& rates,
                                     const QString& key) {
    if (key != shown_key_) {
        show_nothing();
        shown_key_ = key;
        first_taken_ns_ = s.taken_ns;
    }
    title_->setText(
        tr("%1 — %2 %3 in %4 (pid %5)")
            .arg(text(e.name), text(to_string(e.kind)), text(to_string(e.role)), text(p.program))
            .arg(p.pid));
    show_counters(e, rates);
    const double t = static_cast<double>(s.taken_ns - first_taken_ns_) / 1e9;
    append(throughput_, t, rates.sent_per_s + rates.received_per_s,
           rates.bytes_out_per_s + rates.bytes_in_per_s, 0);
    append_latency(t, e);
    show_histogram(e);
    show_channel(s, e);
}

void endpoint_details::append_latency(double t, const ipc::inspect::endpoint_info& e) {
    if (!previous_) {
        previous_ = e;  // the first refresh of this endpoint: nothing to compare
        return;
    }
    const auto recent = ipc::inspect::interval_latency(&*previous_, e);
    previous_ = e;
    if (recent.count == 0) {
        return;  // no new samples: no point, rather than a misleading one
    }
    append(latency_, t, us(recent.p50_ns), us(recent.p99_ns), us(recent.max_ns));
}

void endpoint_details::show_counters(const ipc::inspect::endpoint_info& e,
                                     const ipc::inspect::endpoint_rates& rates) {
    const auto& c = e.counters;
    counters_->setText(tr("<table cellspacing=6>"
                          "<tr><td>sent</td><td align=right>%1</td><td>%2/s</td>"
                          "<td>received</td><td align=right>%3</td><td>%4/s</td></tr>"
                          "<tr><td>bytes out</td><td align=right>%5</td><td>%6/s</td>"
                          "<td>bytes in</td><td align=right>%7</td><td>%8/s</td></tr>"
                          "<tr><td>dropped</td><td align=right>%9</td><td></td>"
                          "<td>failed</td><td align=right>%10</td><td></td></tr>"
                          "<tr><td>queue depth</td><td align=right>%11</td><td>max %12</td>"
                          "<td>latency p50 / p99 / max</td><td colspan=2>%13 / %14 / %15</td></tr>"
                          "</table>")
                           .arg(c.sent)
                           .arg(text(units::format_count(rates.sent_per_s)))
                           .arg(c.received)
                           .arg(text(units::format_count(rates.received_per_s)))
                           .arg(text(units::format_bytes(static_cast<double>(c.bytes_out))))
                           .arg(text(units::format_bytes(rates.bytes_out_per_s)))
                           .arg(text(units::format_bytes(static_cast<double>(c.bytes_in))))
                           .arg(text(units::format_bytes(rates.bytes_in_per_s)))
                           .arg(c.dropped)
                           .arg(c.failed)
                           .arg(c.queue_depth)
                           .arg(c.queue_depth_hwm)
                           .arg(text(units::format_duration_ns(e.latency.p50_ns)))
                           .arg(text(units::format_duration_ns(e.latency.p99_ns)))
                           .arg(text(units::format_duration_ns(e.latency.max_ns))));
}

// One bar per power of two (the log-linear buckets summed), from the first to the last one used.
void endpoint_details::show_histogram(const ipc::inspect::endpoint_info& e) {
    histogram_->clear();
    const auto& b = e.latency_buckets;
    std::vector<std::uint64_t> per_octave;
    QStringList labels;
    for (std::size_t i = 0; i < b.size(); ++i) {
        const std::size_t octave = i / ipc::histogram::sub_bucket_count;
        if (per_octave.size() <= octave) {
            per_octave.resize(octave + 1, 0);
        }
        per_octave[octave] += b[i];
    }
    const auto first = std::find_if(per_octave.begin(), per_octave.end(), [](auto v) { return v; });
    const auto last =
        std::find_if(per_octave.rbegin(), per_octave.rend(), [](auto v) { return v; });
    if (first == per_octave.end()) {
        return;
    }
    auto* set = new QBarSet(tr("samples"));
    for (auto it = first; it != last.base(); ++it) {
        const auto bucket =
            static_cast<std::size_t>(it - per_octave.begin()) * ipc::histogram::sub_bucket_count;
        *set << static_cast<double>(*it);
        labels << text(units::format_duration_ns(ipc::histogram::lower_bound(bucket)));
    }
    histogram_->append(set);
    for (auto* axis : histogram_chart_->axes()) {
        histogram_chart_->removeAxis(axis);
        delete axis;
    }
    auto* x = new QBarCategoryAxis;
    x->append(labels);
    histogram_chart_->addAxis(x, Qt::AlignBottom);
    histogram_->attachAxis(x);
    auto* y = new QCategoryAxis;
    label_values(y, static_cast<double>(*std::max_element(first, last.base())), units::format_count,
                 1);
    histogram_chart_->addAxis(y, Qt::AlignLeft);
    histogram_->attachAxis(y);
}

void endpoint_details::show_channel(const ipc::inspect::snapshot& s,
                                    const ipc::inspect::endpoint_info& e) {
    const auto& segment = e.segment;
    ring_box_->hide();
    slots_box_->hide();
    for (const auto& r : s.rings) {
        if (r.segment == segment && !r.error.empty()) {
            occupancy_->setRange(0, 1000);
            occupancy_->setValue(0);
            occupancy_->setFormat(tr("unknown"));
            ring_text_->setText(tr("ring state unavailable: %1").arg(text(r.error)));
            ring_box_->show();
        } else if (r.segment == segment) {
            occupancy_->setRange(0, 1000);
            occupancy_->setValue(
                r.capacity == 0 ? 0 : static_cast<int>(1000 * r.occupancy_bytes / r.capacity));
            occupancy_->setFormat(
                tr("%1 of %2")
                    .arg(text(units::format_bytes(static_cast<double>(r.occupancy_bytes))),
                         text(units::format_bytes(static_cast<double>(r.capacity)))));
            ring_text_->setText(
                tr("high-water mark %1 · %2 messages waiting · writer %3%4 · reader %5%6")
                    .arg(text(units::format_bytes(static_cast<double>(r.occupancy_hwm_bytes))))
                    .arg(r.occupancy_messages)
                    .arg(r.writer.pid)
                    .arg(r.writer.sleeping ? tr(" (sleeping)") : QString())
                    .arg(r.reader.pid)
                    .arg(r.reader.sleeping ? tr(" (sleeping)") : QString()));
            ring_box_->show();
        }
    }
    for (const auto& g : s.slots) {
        if (g.segment == segment) {
            slots_box_->setTitle(tr("Slots: %1 × %2 B requests, %3 B responses, %4 refused")
                                     .arg(g.slot_count)
                                     .arg(g.request_capacity)
                                     .arg(g.response_capacity)
                                     .arg(g.calls_refused));
            grid_->show_slots(g);
            slots_box_->show();
        }
    }
}

}  // namespace monitor
