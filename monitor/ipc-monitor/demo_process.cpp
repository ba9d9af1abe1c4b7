#include "demo_process.hpp"

#include <signal.h>

#include <QCoreApplication>
#include <QFileInfo>
#include <QStandardPaths>

namespace monitor {

demo_process::demo_process(QObject* parent) : QObject(parent) {
    process_.setProcessChannelMode(QProcess::MergedChannels);
    connect(&process_, &QProcess::readyRead, this,
            [this] { Q_EMIT output(QString::fromLocal8Bit(process_.readAll())); });
    connect(&process_, &QProcess::finished, this, [this](int code) { Q_EMIT finished(code); });
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

bool demo_process::start(const QString& channel, int rate, int size, const QString& name) {
    if (running() || program().isEmpty()) {
        return false;
    }
    process_.start(program(), {channel, QStringLiteral("--rate"), QString::number(rate),
                               QStringLiteral("--size"), QString::number(size),
                               QStringLiteral("--name"), name});
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
