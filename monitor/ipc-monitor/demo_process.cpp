#include "demo_process.hpp"

#include <signal.h>

#include <QCoreApplication>
#include <QFileInfo>
#include <QStandardPaths>
#include <utility>

namespace monitor {

demo_process::demo_process(QObject* parent) : QObject(parent) {
    process_.setProcessChannelMode(QProcess::MergedChannels);
    connect(&process_, &QProcess::readyRead, this, &demo_process::read_lines);
    connect(&process_, &QProcess::finished, this, [this](int code) {
        read_lines();
        if (!partial_.isEmpty()) {
            Q_EMIT line(QString::fromLocal8Bit(std::exchange(partial_, {})));
        }
        Q_EMIT finished(code);
    });
}

demo_process::~demo_process() {
    stop();
}

QString demo_process::program() {
    const QString from_env = qEnvironmentVariable("IPC_DEMO");
    if (!from_env.isEmpty()) {
        return from_env;
    }
    const QString here = QCoreApplication::applicationDirPath();
    for (const QString& candidate : {here + "/ipc-demo", here + "/../../demo/ipc-demo"}) {
        if (QFileInfo(candidate).isExecutable()) {
            return QFileInfo(candidate).canonicalFilePath();
        }
    }
    return QStandardPaths::findExecutable(QStringLiteral("ipc-demo"));
}

// Output comes in chunks that may end mid-line: whole lines only, so that a log shows each on
// its own.
void demo_process::read_lines() {
    partial_ += process_.readAll();
    for (qsizetype end = partial_.indexOf('\n'); end >= 0; end = partial_.indexOf('\n')) {
        Q_EMIT line(QString::fromLocal8Bit(partial_.first(end)));
        partial_.remove(0, end + 1);
    }
}

QStringList demo_process::arguments(const demo_options& o) {
    QStringList args = {o.channel,
                        QStringLiteral("--name"),
                        o.name,
                        QStringLiteral("--rate"),
                        QString::number(o.rate, 'f', 0),
                        QStringLiteral("--size"),
                        QString::number(o.size),
                        QStringLiteral("--wait"),
                        o.wait,
                        QStringLiteral("--duration"),
                        QString::number(o.duration_s, 'g', 12)};
    if (o.channel == QLatin1String("slots")) {
        args << QStringLiteral("--slots") << QString::number(o.slots);
    }
    if (o.channel == QLatin1String("duplex")) {
        args << QStringLiteral("--protocol") << o.protocol;
    }
    if (o.channel == QLatin1String("broker")) {
        args << QStringLiteral("--clients") << QString::number(o.clients);
    }
    if (o.channel == QLatin1String("stream")) {
        args << QStringLiteral("--writers") << QString::number(o.clients)
             << QStringLiteral("--restart-reader-every")
             << QString::number(o.restart_reader_every_s, 'g', 12);
    }
    return args;
}

bool demo_process::start(const demo_options& options) {
    if (running() || program().isEmpty()) {
        return false;
    }
    partial_.clear();
    process_.start(program(), arguments(options));
    return process_.waitForStarted(5000);
}

void demo_process::stop() {
    if (!running()) {
        return;
    }
    ::kill(static_cast<pid_t>(process_.processId()), SIGINT);
    if (!process_.waitForFinished(5000)) {
        process_.kill();
        process_.waitForFinished(5000);
    }
}

bool demo_process::running() const {
    return process_.state() != QProcess::NotRunning;
}

}  // namespace monitor
