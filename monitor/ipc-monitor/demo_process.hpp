#pragma once
// A running `ipc-demo` parent (which spawns its child), started and stopped by the monitor.

#include <QObject>
#include <QProcess>
#include <QString>

namespace monitor {

// Every option of `ipc-demo` (its --help): what the Launch demo dialog offers.
struct demo_options {
    QString channel = QStringLiteral("ring");     // ring, slots, duplex, broker or stream
    QString name;                                 // channel name
    double rate = 20'000;                         // messages (calls) per second, 0: flat out
    int size = 256;                               // message size in bytes
    double duration_s = 0;                        // 0: until stopped
    int slots = 4;                                // slots only: slots and host threads
    int clients = 4;                              // broker: client processes; stream: writers
    double restart_reader_every_s = 0;            // stream only: 0: never
    QString wait = QStringLiteral("adaptive");    // spin, adaptive or blocking
    QString protocol = QStringLiteral("native");  // duplex only: native or efdstream
};

class demo_process : public QObject {
    Q_OBJECT
  public:
    explicit demo_process(QObject* parent = nullptr);
    ~demo_process() override;

    // Where ipc-demo is: $IPC_DEMO, next to this program, the build tree's demo/, or PATH.
    static QString program();

    // The command line for `options`: `<channel> --name N --rate R --size S --wait W
    // --duration D`, and `--slots K` for slots, `--protocol P` for duplex, `--clients N` for
    // broker, `--writers N --restart-reader-every S` for stream.
    static QStringList arguments(const demo_options& options);
    // Starts ipc-demo with those arguments; false if it cannot.
    bool start(const demo_options& options);
    // SIGINT (the demo's clean stop), then waits for it; kills it if it lingers.
    void stop();
    bool running() const;

  Q_SIGNALS:
    // One line of its output (stdout and stderr), without the line end.
    void line(const QString& text);
    void finished(int exit_code);

  private:
    void read_lines();

    QProcess process_;
    QByteArray partial_;  // the start of a line not ended yet
};

}  // namespace monitor
