#include "chart_axes.hpp"

#include <cmath>

#include "common/units.hpp"

namespace monitor {

namespace {

void clear(QCategoryAxis* axis) {
    for (const QString& label : axis->categoriesLabels()) {
        axis->remove(label);
    }
}

// 1, 2 or 5 times a power of ten times a power of `base` (its largest at or below `rough`), the
// smallest such step at or above `rough`.
double round_step(double rough, double base) {
    double unit = 1;
    while (unit * base <= rough) {
        unit *= base;
    }
    const double scaled = rough / unit;
    const double power = std::pow(10.0, std::floor(std::log10(scaled)));
    for (const double m : {1.0, 2.0, 5.0}) {
        if (m * power >= scaled) {
            return m * power * unit;
        }
    }
    return 10 * power * unit;
}

}  // namespace

void label_values(QCategoryAxis* axis, double top, value_label label, double smallest_step,
                  double base) {
    clear(axis);
    const double step = std::max(round_step(std::max(top, smallest_step) / 5, base), smallest_step);
    const int steps = std::max(1, static_cast<int>(std::ceil(top / step)));
    axis->setStartValue(0);
    for (int i = 0; i <= steps; ++i) {
        axis->append(QString::fromStdString(label(i * step)), i * step);
    }
    axis->setRange(0, steps * step);
    axis->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
}

void label_seconds_ago(QCategoryAxis* axis, double now_s, double window_s) {
    clear(axis);
    constexpr int steps = 4;
    axis->setStartValue(now_s - window_s);
    for (int i = steps; i >= 0; --i) {
        const double ago = window_s * i / steps;
        axis->append(ago == 0 ? QStringLiteral("now") : QStringLiteral("%1 s ago").arg(ago),
                     now_s - ago);
    }
    axis->setRange(now_s - window_s, now_s);
    axis->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
}

std::string per_second(double count) {
    return units::format_count(count) + "/s";
}

std::string bytes_per_second(double bytes) {
    return units::format_bytes(bytes) + "/s";
}

std::string microseconds(double us) {
    return units::format_duration_ns(static_cast<std::uint64_t>(std::llround(us * 1000)));
}

}  // namespace monitor
