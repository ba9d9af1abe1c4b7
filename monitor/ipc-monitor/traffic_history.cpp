#include "traffic_history.hpp"

#include "keys.hpp"

namespace monitor {

void traffic_history::record(const ipc::inspect::snapshot& s) {
    for (const auto& p : s.processes) {
        for (const auto& e : p.endpoints) {
            add(tracks_[endpoint_key(p, e, host_)], s.taken_ns, e);
        }
    }
    for (auto it = tracks_.begin(); it != tracks_.end();) {
        const bool forgotten =
            it->points.empty() || s.taken_ns - it->points.back().taken_ns > keep_ns;
        it = forgotten ? tracks_.erase(it) : std::next(it);
    }
}

void traffic_history::add(track& t, std::uint64_t taken_ns, const ipc::inspect::endpoint_info& e) {
    if (!t.recent.empty() && taken_ns <= t.recent.back().taken_ns) {
        return;  // the same snapshot twice: nothing new
    }
    point now;
    now.taken_ns = taken_ns;
    if (!t.recent.empty()) {
        now.latency = ipc::inspect::interval_latency(&t.recent.back().info, e);
        // The newest counters at least a window old (or the oldest kept, in the first second),
        // so the rate spans a second or a little more; with refreshes further apart than a
        // window, the refresh before.
        while (t.recent.size() >= 2 && taken_ns - t.recent[1].taken_ns >= rate_window_ns) {
            t.recent.pop_front();
        }
        const auto& base = t.recent.front();
        now.rates = ipc::inspect::rates(base.info, e, taken_ns - base.taken_ns);
    }
    t.recent.push_back({taken_ns, e});
    t.points.push_back(now);
    while (taken_ns - t.points.front().taken_ns > keep_ns) {
        t.points.pop_front();
    }
}

const std::deque<traffic_history::point>& traffic_history::points(const QString& key) const {
    static const std::deque<point> none;
    const auto it = tracks_.find(key);
    return it == tracks_.end() ? none : it->points;
}

ipc::inspect::endpoint_rates traffic_history::rates(const QString& key) const {
    const auto& p = points(key);
    return p.empty() ? ipc::inspect::endpoint_rates{} : p.back().rates;
}

}  // namespace monitor
