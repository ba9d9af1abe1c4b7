#include "stale_dialog.hpp"

#include <QDialogButtonBox>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

#include "common/units.hpp"
#include "text.hpp"

namespace monitor {

namespace {

constexpr int name_role = Qt::UserRole + 1;

}  // namespace

stale_dialog::stale_dialog(const ipc::inspect::snapshot& s, QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("Remove stale segments"));
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(
        tr("No live process uses the checked segments. Removing one loses what it still holds.")));
    list_ = new QListWidget(this);
    for (const auto& seg : s.segments) {
        if (!seg.stale && seg.error.empty()) {
            continue;
        }
        auto* item = new QListWidgetItem(
            QStringLiteral("%1 — %2").arg(text(seg.name), leftover(s, seg)), list_);
        item->setData(name_role, text(seg.name));
        if (seg.stale) {
            item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsUserCheckable);
            item->setCheckState(Qt::Checked);
            any_stale_ = true;
        } else {
            item->setFlags(Qt::ItemIsEnabled);
            item->setText(item->text() + tr(" (kept: not known to be stale)"));
        }
    }
    layout->addWidget(list_);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    auto* remove = buttons->addButton(tr("Remove checked"), QDialogButtonBox::AcceptRole);
    remove->setEnabled(any_stale_);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
    resize(640, 360);
}

QString stale_dialog::leftover(const ipc::inspect::snapshot& s,
                               const ipc::inspect::segment_entry& segment) {
    if (!segment.error.empty()) {
        return tr("broken: %1").arg(text(segment.error));
    }
    for (const auto& r : s.rings) {
        if (r.segment == segment.name) {
            return tr("ring, %1 unread messages, %2")
                .arg(r.occupancy_messages)
                .arg(text(units::format_bytes(static_cast<double>(r.occupancy_bytes))));
        }
    }
    for (const auto& g : s.slots) {
        if (g.segment == segment.name) {
            int unanswered = 0;
            for (const auto& slot : g.slots) {
                unanswered += slot.state != ipc::inspect::slot_state::free ? 1 : 0;
            }
            return tr("slots, %1 calls unanswered").arg(unanswered);
        }
    }
    return tr("%1 of pid %2, %3")
        .arg(text(to_string(segment.kind)))
        .arg(segment.creator_pid)
        .arg(text(units::format_bytes(static_cast<double>(segment.size))));
}

std::vector<std::string> stale_dialog::chosen() const {
    std::vector<std::string> names;
    for (int i = 0; i < list_->count(); ++i) {
        const auto* item = list_->item(i);
        if ((item->flags() & Qt::ItemIsUserCheckable) && item->checkState() == Qt::Checked) {
            names.push_back(item->data(name_role).toString().toStdString());
        }
    }
    return names;
}

}  // namespace monitor
