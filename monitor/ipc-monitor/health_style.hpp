#pragma once
// How a health state looks wherever the monitor shows one: a colour, a round icon of that
// colour, and its words ("peer dead"), so that the tree, the channels view and the details
// pane agree.

#include <QColor>
#include <QIcon>
#include <QString>

#include "ipc/inspect.hpp"

namespace monitor {

QColor health_colour(ipc::inspect::health_state h);
const QIcon& health_icon(ipc::inspect::health_state h);
QString health_words(ipc::inspect::health_state h);
// "peer dead: writer 4242 died", or just the words without a reason.
QString health_text(const ipc::inspect::health_verdict& h);
// A row's background when its drops or failures grew since the refresh before.
QColor grew_background();

}  // namespace monitor
