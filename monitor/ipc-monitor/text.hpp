#pragma once
// Snapshot strings (UTF-8, already escaped by inspect::printable) and enum names as Qt text.

#include <QString>
#include <string_view>

namespace monitor {

inline QString text(std::string_view s) {
    return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size()));
}

}  // namespace monitor
