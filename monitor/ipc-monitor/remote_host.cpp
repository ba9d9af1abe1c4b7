#include "remote_host.hpp"

#include <QNetworkReply>
#include <QNetworkRequest>
#include <QtConcurrent/QtConcurrentRun>

namespace monitor {

remote_host::remote_host(const QUrl& url, const QByteArray& token, QObject* parent)
    : QObject(parent), url_(url), token_(token) {
    deadline_.setSingleShot(true);
    connect(&deadline_, &QTimer::timeout, this, [this] {
        if (reply_ != nullptr) {
            reply_->abort();  // finished() follows, with OperationCanceledError
        }
    });
    connect(&parsing_, &QFutureWatcher<parsed>::finished, this, [this] {
        const parsed p = parsing_.result();
        if (p.snapshot) {
            Q_EMIT fetched(*p.snapshot);
        } else {
            Q_EMIT failed(p.error);
        }
    });
}

remote_host::~remote_host() {
    if (reply_ != nullptr) {
        // abort() finishes the reply at once: nothing may reach a host being removed.
        reply_->disconnect(this);
        reply_->abort();
    }
}

QString remote_host::id() const {
    return QStringLiteral("%1:%2").arg(url_.host()).arg(url_.port());
}

std::optional<QUrl> remote_host::parse_url(const QString& text, QString* why) {
    const QString trimmed = text.trimmed();
    QUrl url = QUrl::fromUserInput(
        trimmed.contains(QStringLiteral("://")) ? trimmed : QStringLiteral("http://") + trimmed);
    const char* problem = nullptr;
    if (!url.isValid() || url.host().isEmpty()) {
        problem = "no host in it";
    } else if (url.scheme() != QStringLiteral("http") && url.scheme() != QStringLiteral("https")) {
        problem = "only http:// and https:// are served by ipcstat serve";
    } else if (url.port() <= 0) {
        problem = "no port in it (ipcstat serve --listen names one)";
    } else if (!url.path().isEmpty() && url.path() != QStringLiteral("/")) {
        problem = "a path after the port (the monitor asks for /snapshot itself)";
    }
    if (problem != nullptr) {
        if (why != nullptr) {
            *why = QStringLiteral("%1: %2").arg(trimmed, QString::fromUtf8(problem));
        }
        return std::nullopt;
    }
    url.setPath(QString());
    return url;
}

void remote_host::fetch() {
    if (reply_ != nullptr || parsing_.isRunning()) {
        return;
    }
    QUrl snapshot_url = url_;
    snapshot_url.setPath(QStringLiteral("/snapshot"));
    QNetworkRequest request(snapshot_url);
    request.setTransferTimeout(deadline_ms);
    if (!token_.isEmpty()) {
        request.setRawHeader("Authorization", "Bearer " + token_);
    }
    reply_ = network_.get(request);
    QNetworkReply* reply = reply_;
    connect(reply, &QNetworkReply::downloadProgress, this, [reply](qint64 received, qint64) {
        if (received > max_bytes) {
            reply->abort();
        }
    });
    connect(reply, &QNetworkReply::finished, this, [this, reply] { finish(reply); });
    deadline_.start(deadline_ms);
}

void remote_host::finish(QNetworkReply* reply) {
    reply->deleteLater();
    deadline_.stop();
    const bool too_big = reply->bytesAvailable() > max_bytes;
    if (reply->error() != QNetworkReply::NoError || too_big) {
        const QString why = reply->error() == QNetworkReply::OperationCanceledError || too_big
                                ? tr("no whole answer within %1 s, or over %2 MiB")
                                      .arg(deadline_ms / 1000)
                                      .arg(max_bytes >> 20)
                                : reply->errorString();
        Q_EMIT failed(why);
        return;
    }
    const QByteArray body = reply->readAll();
    parsing_.setFuture(QtConcurrent::run([body] {
        auto s = ipc::inspect::from_json(
            std::string_view(body.constData(), static_cast<std::size_t>(body.size())));
        return s ? parsed{std::move(*s), {}}
                 : parsed{std::nullopt,
                          tr("the answer is not a libipc snapshot (%1)")
                              .arg(QString::fromStdString(s.error_value().message()))};
    }));
}

}  // namespace monitor
