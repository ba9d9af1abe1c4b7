#pragma once
// Chart axes labelled in human units ("20k/s", "4.9 MiB/s", "12 us", "30 s ago") instead of
// printf formats ("2.2e+04"): category axes whose labels sit on round values, rebuilt as the
// data's range changes.

#include <string>

#include <QtCharts/QCategoryAxis>

namespace monitor {

using value_label = std::string (*)(double value);

// 0 up to the first round value at or above `top`, in about five labelled steps, never below
// `smallest_step`: 1, 2 or 5 times a power of ten, or with `base` 1024 (bytes) a power of two,
// so that the labels read 512 KiB, 1.00 MiB, 2.00 MiB. A top that is not a finite positive
// number labels 0 to one step. Returns whether the labels changed: the chart's layout must then
// be invalidated, since Qt Charts sizes an axis for the labels it had when laid out.
bool label_values(QCategoryAxis* axis, double top, value_label label, double smallest_step,
                  double base = 1000);

// A log scale for values plotted as log10 of themselves: labels at each power of ten from
// 10^low to 10^high (low < high), e.g. "1.00 us", "10.0 us", "100 us" with `nanoseconds`. One
// spike then takes a decade, not the whole height. Returns whether the labels changed.
bool label_decades(QCategoryAxis* axis, int low, int high, value_label label);

// Ages from `window_s` seconds ago to now, for points plotted at their age (negative seconds):
// labelled as seconds ago in `steps` steps (fewer on a narrow chart, so that no label is cut
// short) and ending at "now". Returns whether the labels changed.
bool label_seconds_ago(QCategoryAxis* axis, double window_s, int steps);

// Labels for the monitor's axes.
std::string per_second(double count);
std::string bytes_per_second(double bytes);
std::string nanoseconds(double ns);

}  // namespace monitor
