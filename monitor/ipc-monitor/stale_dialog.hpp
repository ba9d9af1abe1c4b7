#pragma once
// "Remove stale segments": every stale segment with what it still holds (a ring's unread
// messages and bytes, a slots channel's unanswered calls), each with a check box, so that the
// user removes what they chose and knows what is lost. Broken segments that are not known to be
// stale are listed without a box, with why they were kept.

#include <QDialog>
#include <string>
#include <vector>

#include "ipc/inspect.hpp"

class QListWidget;

namespace monitor {

class stale_dialog : public QDialog {
    Q_OBJECT
  public:
    explicit stale_dialog(const ipc::inspect::snapshot& s, QWidget* parent = nullptr);
    // What one segment still holds, in words ("7 unread messages, 1.00 KiB").
    static QString leftover(const ipc::inspect::snapshot& s,
                            const ipc::inspect::segment_entry& segment);
    // The names of the segments checked now.
    std::vector<std::string> chosen() const;
    QListWidget* list() const { return list_; }
    bool any_stale() const { return any_stale_; }

  private:
    QListWidget* list_ = nullptr;
    bool any_stale_ = false;
};

}  // namespace monitor
