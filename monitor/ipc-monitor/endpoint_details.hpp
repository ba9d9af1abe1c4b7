#pragma once
// The selected endpoint: its counters and rates, charts of the last minute (messages/s and
// bytes/s; latency p50/p99/max), the current latency histogram, its ring's occupancy, or its
// slots channel's grid.

#include <QWidget>
#include <QtCharts/QBarSeries>
#include <QtCharts/QCategoryAxis>
#include <QtCharts/QChartView>
#include <QtCharts/QLineSeries>
#include <QtCharts/QValueAxis>
#include <optional>

#include "chart_axes.hpp"
#include "ipc/inspect.hpp"

class QLabel;
class QProgressBar;
class QGroupBox;

namespace monitor {

class slot_grid;

class endpoint_details : public QWidget {
    Q_OBJECT
  public:
    explicit endpoint_details(QWidget* parent = nullptr);

    // Shows `e` (owned by `p`) as of snapshot `s`; `rates` over the last refresh. A different
    // endpoint than last time restarts the charts.
    void show_endpoint(const ipc::inspect::snapshot& s, const ipc::inspect::process_info& p,
                       const ipc::inspect::endpoint_info& e,
                       const ipc::inspect::endpoint_rates& rates, const QString& key);
    void show_nothing();

  private:
    struct series_set {
        QLineSeries* first;
        QLineSeries* second;
        QLineSeries* third;
        QCategoryAxis* x;
        QCategoryAxis* y;
        QCategoryAxis* y_right;             // the second series' own scale, or nullptr
        value_label label = nullptr;        // of the left axis
        value_label right_label = nullptr;  // of the right axis, in bytes (powers of 1024)
        double smallest_step = 1;           // of the axes' labelled steps
    };
    // `second_axis`: the second series has a unit of its own, on a right-hand axis.
    QChartView* make_chart(const QString& title, const QStringList& names, series_set& set,
                           bool second_axis);
    void append(series_set& set, double t, double a, double b, double c);
    void show_counters(const ipc::inspect::endpoint_info& e,
                       const ipc::inspect::endpoint_rates& rates);
    void show_histogram(const ipc::inspect::endpoint_info& e);
    // p50, p99 and max of the samples since the last refresh (the histogram's difference).
    void append_latency(double t, const ipc::inspect::endpoint_info& e);
    void show_channel(const ipc::inspect::snapshot& s, const ipc::inspect::endpoint_info& e);

    QLabel* title_ = nullptr;
    QLabel* counters_ = nullptr;
    series_set throughput_{};
    series_set latency_{};
    QBarSeries* histogram_ = nullptr;
    QChart* histogram_chart_ = nullptr;
    QGroupBox* ring_box_ = nullptr;
    QProgressBar* occupancy_ = nullptr;
    QLabel* ring_text_ = nullptr;
    QGroupBox* slots_box_ = nullptr;
    slot_grid* grid_ = nullptr;
    QString shown_key_;
    std::uint64_t first_taken_ns_ = 0;
    std::optional<ipc::inspect::endpoint_info> previous_;  // the shown endpoint, last refresh
};

}  // namespace monitor
