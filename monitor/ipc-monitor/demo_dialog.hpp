#pragma once
// "Launch demo": starts an ipc-demo parent/child pair for a chosen channel, rate and size,
// shows its output, and stops it.

#include <QDialog>

class QComboBox;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;

namespace monitor {

class demo_process;

class demo_dialog : public QDialog {
    Q_OBJECT
  public:
    explicit demo_dialog(QWidget* parent = nullptr);
    // Starts a demo without the dialog's buttons (the --demo option).
    bool start(const QString& channel, int rate, int size);
    // The channel name a demo of `channel` started here uses.
    static QString channel_name(const QString& channel);
    void stop();
    // The channel of the demo running; empty when none runs.
    QString running_channel() const;

  Q_SIGNALS:
    // A demo started or ended: its channel, or empty.
    void running_changed(const QString& channel);

  private:
    void update_buttons();

    demo_process* demo_ = nullptr;
    QString name_;  // of the demo started last
    QComboBox* channel_ = nullptr;
    QSpinBox* rate_ = nullptr;
    QSpinBox* size_ = nullptr;
    QPlainTextEdit* log_ = nullptr;
    QPushButton* start_ = nullptr;
    QPushButton* stop_ = nullptr;
};

}  // namespace monitor
