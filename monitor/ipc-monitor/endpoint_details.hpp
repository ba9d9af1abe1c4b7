#pragma once
// The selected endpoint (or the channel it stands for): its health and counters, charts of the
// last minute from the monitor's history (messages/s and bytes/s side by side; latency p50, p99
// and max on a log scale), its latency histogram, its ring's occupancy or its slots channel's
// grid, a broker server's connections (those its process reports for that channel, in place of
// the latency charts). With nothing selected, a page that says what to do.

#include <QWidget>
#include <QtCharts/QAreaSeries>
#include <QtCharts/QCategoryAxis>
#include <QtCharts/QChartView>
#include <QtCharts/QLineSeries>
#include <array>
#include <vector>

#include "chart_axes.hpp"
#include "ipc/inspect.hpp"
#include "traffic_history.hpp"

class QAbstractItemModel;
class QLabel;
class QGroupBox;
class QSortFilterProxyModel;
class QStackedWidget;
class QTableView;

namespace monitor {

class occupancy_bar;
class slot_grid;

class endpoint_details : public QWidget {
    Q_OBJECT
  public:
    explicit endpoint_details(QWidget* parent = nullptr);

    // Shows `e` (owned by `p`) as of snapshot `s`, with its history. Another endpoint than last
    // time redraws the charts from its history; the same one adds what is new.
    void show_endpoint(const ipc::inspect::snapshot& s, const ipc::inspect::process_info& p,
                       const ipc::inspect::endpoint_info& e, const QString& key,
                       const traffic_history& history);
    // A channel no endpoint of this snapshot stands for (another program's ZIPC ring or
    // SimpleIPC slots, found by their layout): its shared state only.
    void show_channel_only(const ipc::inspect::snapshot& s, const ipc::inspect::channel_info& c);
    void show_nothing();
    // The connection_table_model whose rows a broker endpoint's details list.
    void set_connections(QAbstractItemModel* connections);
    bool showing_nothing() const;
    // The charts' current y labels and x labels (for tests).
    QStringList axis_labels() const;

  private:
    // One chart: its lines, a time axis in seconds ago, and a value axis in human units.
    struct chart_set {
        QChart* chart = nullptr;
        std::vector<QLineSeries*> lines;
        QCategoryAxis* x = nullptr;
        QCategoryAxis* y = nullptr;
        value_label label = nullptr;
        double smallest_step = 1;
        double base = 1000;
        bool log_scale = false;  // values plotted as log10 (latency)
        double shown_top = 0;    // the top the axis was labelled for (linear scales)
    };
    QChartView* make_chart(const QString& title, const QStringList& names, chart_set& set);
    void draw_charts(const std::deque<traffic_history::point>& points, std::uint64_t now_ns);
    void rescale(chart_set& set);
    void show_counters(const ipc::inspect::endpoint_info& e,
                       const ipc::inspect::endpoint_rates& rates);
    void show_latency_state(const ipc::inspect::endpoint_info& e);
    void show_histogram(const ipc::inspect::endpoint_info& e);
    void show_channel(const ipc::inspect::snapshot& s, const std::string& segment);
    void show_ring(const ipc::inspect::ring_info& r);
    void show_connections(const ipc::inspect::process_info& p,
                          const ipc::inspect::endpoint_info& e);

    QStackedWidget* pages_ = nullptr;
    QLabel* title_ = nullptr;
    QWidget* counters_box_ = nullptr;  // hidden for a channel nobody counts for
    QWidget* charts_column_ = nullptr;
    QLabel* health_icon_ = nullptr;
    QLabel* health_ = nullptr;
    ipc::inspect::health_state shown_health_ = ipc::inspect::health_state::ok;
    static constexpr int counter_count = 8;
    static constexpr int dropped_row = 4;
    QLabel* counters_[counter_count][2] = {};  // total, rate
    chart_set messages_{};
    chart_set bytes_{};
    chart_set latency_{};
    QChart* histogram_chart_ = nullptr;
    QAreaSeries* histogram_ = nullptr;
    QLineSeries* histogram_top_ = nullptr;
    QCategoryAxis* histogram_x_ = nullptr;
    QCategoryAxis* histogram_y_ = nullptr;
    QGroupBox* ring_box_ = nullptr;
    occupancy_bar* occupancy_ = nullptr;
    QLabel* ring_text_ = nullptr;
    QGroupBox* slots_box_ = nullptr;
    slot_grid* grid_ = nullptr;
    QChartView* latency_view_ = nullptr;
    QChartView* histogram_view_ = nullptr;
    QGroupBox* connections_box_ = nullptr;
    QSortFilterProxyModel* connections_ = nullptr;
    QTableView* connection_view_ = nullptr;
    QString shown_key_;
    std::uint64_t charts_drawn_ns_ = 0;    // snapshot time the charts were last drawn for
    std::uint64_t shown_until_ns_ = 0;     // the newest history point on the charts
    std::array<int, 3> histogram_span_{};  // first octave, octaves, labels room: as labelled
    std::uint64_t histogram_count_ = ~std::uint64_t{0};  // samples the histogram was drawn with
};

}  // namespace monitor
