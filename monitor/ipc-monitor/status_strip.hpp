#pragma once
// The right end of the status bar, which temporary messages (an export's confirmation) never
// cover: what the last refresh found, a banner while paused, and the demo the monitor runs, with
// a button that stops it.

#include <QWidget>

class QLabel;
class QPushButton;

namespace monitor {

class status_strip : public QWidget {
    Q_OBJECT
  public:
    explicit status_strip(QWidget* parent = nullptr);

    // This host's.
    void show_counts(std::size_t processes, std::size_t endpoints, std::size_t segments);
    // How many of the remote hosts answered last time (nothing shown without any).
    void show_remote_hosts(std::size_t reachable, std::size_t watched);
    void show_paused(bool paused);
    // The channel of the demo this monitor runs; empty when none runs.
    void show_demo(const QString& channel);

    bool paused_shown() const;
    bool demo_shown() const;

  Q_SIGNALS:
    void stop_demo_clicked();

  private:
    QLabel* counts_ = nullptr;
    QLabel* remote_ = nullptr;
    QLabel* paused_ = nullptr;
    QLabel* demo_ = nullptr;
    QPushButton* stop_demo_ = nullptr;
};

}  // namespace monitor
