#pragma once
// What the monitor remembers of each endpoint from the moment it started (not from a click):
// its counters and the latency of its new samples at every refresh, for a little over the
// charts' minute. Rates are smoothed over rate_window_ns (or the span between two refreshes,
// when that is longer), so that a 100 ms refresh shows a steady 5k/s instead of 355, 4.99k,
// 370 as messages land on either side of each refresh.

#include <QHash>
#include <QString>
#include <cstdint>
#include <deque>

#include "ipc/inspect.hpp"

namespace monitor {

// One host's: its snapshots' times are that host's clock, and its keys carry its id.
class traffic_history {
  public:
    explicit traffic_history(const QString& host = {}) : host_(host) {}

    static constexpr std::uint64_t rate_window_ns = 1'000'000'000;
    static constexpr std::uint64_t keep_ns = 62'000'000'000;  // the charts' 60 s, and a window

    struct point {
        std::uint64_t taken_ns = 0;
        ipc::inspect::endpoint_rates rates;  // smoothed, ending here; zero at an endpoint's first
        ipc::inspect::latency_summary latency;  // of the samples taken since the point before
    };

    // Adds a point for every endpoint in `s`, and forgets endpoints not seen for keep_ns.
    void record(const ipc::inspect::snapshot& s);
    // The endpoint's points, oldest first (empty for an unknown key).
    const std::deque<point>& points(const QString& key) const;
    // Its latest smoothed rates.
    ipc::inspect::endpoint_rates rates(const QString& key) const;

  private:
    struct counted {
        std::uint64_t taken_ns;
        ipc::inspect::endpoint_info info;  // for its counters and latency buckets
    };
    struct track {
        std::deque<point> points;
        std::deque<counted> recent;  // the counters of the last rate window, for smoothing
    };
    void add(track& t, std::uint64_t taken_ns, const ipc::inspect::endpoint_info& e);

    QString host_;
    QHash<QString, track> tracks_;
};

}  // namespace monitor
