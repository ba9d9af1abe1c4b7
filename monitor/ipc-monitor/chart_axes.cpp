#include "chart_axes.hpp"

#include <algorithm>
#include <cmath>

#include "common/units.hpp"

namespace monitor {

namespace {

void clear(QCategoryAxis* axis) {
    for (const QString& label : axis->categoriesLabels()) {
        axis->remove(label);
    }
}

// The smallest round step at or above `rough` (> 0): in base 1024 a power of two (512 KiB,
// 1 MiB, 2 MiB), otherwise 1, 2 or 5 times a power of ten.
double round_step(double rough, double base) {
    if (base == 1024) {
        return std::exp2(std::ceil(std::log2(rough)));
    }
    const double power = std::pow(10.0, std::floor(std::log10(rough)));
    for (const double m : {1.0, 2.0, 5.0}) {
        if (m * power >= rough) {
            return m * power;
        }
    }
    return 10 * power;
}

// A top that a rate or a forged latency could make unusable (negative, NaN, infinite).
double usable_top(double top) {
    constexpr double largest = 1e18;
    return std::isfinite(top) && top > 0 ? std::min(top, largest) : 0;
}

}  // namespace

bool label_values(QCategoryAxis* axis, double top, value_label label, double smallest_step,
                  double base) {
    top = usable_top(top);
    const double step = std::max(round_step(std::max(top, smallest_step) / 5, base), smallest_step);
    const int steps = std::max(1, static_cast<int>(std::ceil(top / step)));
    if (axis->count() == steps + 1 && axis->max() == steps * step) {
        return false;  // the same labels: relabelling would re-lay out the chart for nothing
    }
    clear(axis);
    axis->setStartValue(0);
    for (int i = 0; i <= steps; ++i) {
        axis->append(QString::fromStdString(label(i * step)), i * step);
    }
    axis->setRange(0, steps * step);
    axis->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
    return true;
}

bool label_decades(QCategoryAxis* axis, int low, int high, value_label label) {
    if (axis->count() == high - low + 1 && axis->min() == low && axis->max() == high) {
        return false;
    }
    clear(axis);
    axis->setStartValue(low);
    for (int k = low; k <= high; ++k) {
        axis->append(QString::fromStdString(label(std::pow(10.0, k))), k);
    }
    axis->setRange(low, high);
    axis->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
    return true;
}

bool label_seconds_ago(QCategoryAxis* axis, double window_s, int steps) {
    if (axis->count() == steps + 1 && axis->min() == -window_s) {
        return false;
    }
    clear(axis);
    axis->setStartValue(-window_s);
    for (int i = steps; i >= 0; --i) {
        const double ago = window_s * i / steps;
        axis->append(ago == 0 ? QStringLiteral("now") : QStringLiteral("%1 s ago").arg(ago), -ago);
    }
    axis->setRange(-window_s, 0);
    axis->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
    return true;
}

std::string per_second(double count) {
    return units::format_count(count) + "/s";
}

std::string bytes_per_second(double bytes) {
    return units::format_bytes(bytes) + "/s";
}

std::string nanoseconds(double ns) {
    return units::format_duration_ns(static_cast<std::uint64_t>(std::clamp(ns, 0.0, 1e18)));
}

}  // namespace monitor
