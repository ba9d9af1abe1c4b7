#include "health_style.hpp"

#include <QCoreApplication>
#include <QPainter>
#include <QPixmap>
#include <QPointer>
#include <array>

#include "text.hpp"

namespace monitor {

using ipc::inspect::health_state;

QColor health_colour(health_state h) {
    switch (h) {
        case health_state::ok:
            return {0x2e, 0x9e, 0x4f};
        case health_state::idle:
            return {0x9e, 0x9e, 0x9e};
        case health_state::backpressure:
            return {0xe0, 0xa0, 0x00};
        case health_state::dropping:
            return {0xe6, 0x6a, 0x00};
        case health_state::peer_dead:
            return {0xd3, 0x2f, 0x2f};
        case health_state::corrupt:
            return {0x8e, 0x24, 0xaa};
        case health_state::stale:
            return {0x79, 0x55, 0x48};
    }
    return Qt::black;
}

namespace {

// One dot per state, made once and owned by the application: pixmaps must not outlive it, as a
// function's static would.
class health_icons : public QObject {
  public:
    explicit health_icons(QObject* application) : QObject(application) {
        for (std::size_t i = 0; i < icons.size(); ++i) {
            QPixmap dot(16, 16);
            dot.fill(Qt::transparent);
            QPainter painter(&dot);
            painter.setRenderHint(QPainter::Antialiasing);
            painter.setPen(Qt::NoPen);
            painter.setBrush(health_colour(static_cast<health_state>(i)));
            painter.drawEllipse(QRectF(2, 2, 12, 12));
            icons[i] = QIcon(dot);
        }
    }
    std::array<QIcon, static_cast<std::size_t>(health_state::corrupt) + 1> icons;
};

}  // namespace

const QIcon& health_icon(health_state h) {
    static QPointer<health_icons> made;
    if (made == nullptr) {
        made = new health_icons(QCoreApplication::instance());
    }
    return made->icons[static_cast<std::size_t>(h)];
}

QString health_words(health_state h) {
    return text(to_string(h)).replace(QLatin1Char('_'), QLatin1Char(' '));
}

QString health_text(const ipc::inspect::health_verdict& h) {
    return h.reason.empty() ? health_words(h.state)
                            : QStringLiteral("%1: %2").arg(health_words(h.state), text(h.reason));
}

QColor grew_background() {
    return {0xff, 0xd6, 0xd6};
}

}  // namespace monitor
