#pragma once
// "Launch demo": starts an ipc-demo parent/child pair with every option ipc-demo has (channel,
// name, rate, size, duration, slots, wait strategy, duplex protocol), shows its output line by
// line, and stops it. It opens beside the main window, not over the rows it makes appear.

#include <QDialog>

#include "demo_process.hpp"

class QComboBox;
class QDoubleSpinBox;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;

namespace monitor {

class demo_dialog : public QDialog {
    Q_OBJECT
  public:
    explicit demo_dialog(QWidget* parent = nullptr);
    // Starts a demo without the dialog's buttons (the --demo option, tests).
    bool start(const demo_options& options);
    // The channel name a demo of `channel` started here uses unless told otherwise.
    static QString channel_name(const QString& channel);
    void stop();
    // The channel of the demo running; empty when none runs.
    QString running_channel() const;
    // What the form says now.
    demo_options chosen() const;
    // Where the dialog goes when shown: beside `window` where the screen has room, else in the
    // screen's bottom-right corner (over the details, not over the channel rows).
    static QPoint place_beside(const QRect& window, const QSize& dialog, const QRect& screen);

  Q_SIGNALS:
    // A demo started or ended: its channel, or empty.
    void running_changed(const QString& channel);

  protected:
    void showEvent(QShowEvent* event) override;

  private:
    void update_buttons();

    demo_process* demo_ = nullptr;
    QString name_;  // of the demo started last
    QComboBox* channel_ = nullptr;
    QLineEdit* name_edit_ = nullptr;
    QDoubleSpinBox* rate_ = nullptr;
    QSpinBox* size_ = nullptr;
    QDoubleSpinBox* duration_ = nullptr;
    QSpinBox* slots_ = nullptr;
    QSpinBox* clients_ = nullptr;
    QDoubleSpinBox* restart_ = nullptr;
    QComboBox* wait_ = nullptr;
    QComboBox* protocol_ = nullptr;
    QPlainTextEdit* log_ = nullptr;
    QPushButton* start_ = nullptr;
    QPushButton* stop_ = nullptr;
};

}  // namespace monitor
