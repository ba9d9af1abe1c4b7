#pragma once
// A running `ipc-demo` parent (which spawns its child), started and stopped by the monitor.

#include <QObject>
#include <QProcess>
#include <QString>

namespace monitor {

class demo_process : public QObject {
    Q_OBJECT
  public:
    explicit demo_process(QObject* parent = nullptr);
    ~demo_process() override;

    // Where ipc-demo is: $IPC_DEMO, next to this program, the build tree's demo/, or PATH.
    static QString program();

    // Starts `ipc-demo <channel> --rate RATE --size SIZE --name NAME`; false if it cannot.
    bool start(const QString& channel, int rate, int size, const QString& name);
    // SIGINT (the demo's clean stop), then waits for it; kills it if it lingers.
    void stop();
    bool running() const;

  Q_SIGNALS:
    void output(const QString& text);
    void finished(int exit_code);

  private:
    QProcess process_;
};

}  // namespace monitor
