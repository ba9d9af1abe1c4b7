#include "remote_host.hpp"

#include <QNetworkReply>
#include <QNetworkRequest>
#include <QtConcurrent/QtConcurrentRun>
#include <new>

namespace monitor {

remote_host::parsed remote_host::read_snapshot(
    const QByteArray& body, const std::shared_ptr<const ipc::inspect::snapshot>& before) {
    try {
        auto s = ipc::inspect::from_json(
            std::string_view(body.constData(), static_cast<std::size_t>(body.size())));
        if (!s) {
            return parsed{nullptr, QStringLiteral("the answer is not a libipc snapshot (%1)")
                                       .arg(QString::fromStdString(s.error_value().message()))};
        }
        ipc::inspect::judge_health(*s, before.get());
        return parsed{std::make_shared<const ipc::inspect::snapshot>(std::move(*s)), {}};
    } catch (const std::bad_alloc&) {
        return parsed{nullptr, QStringLiteral("the answer is too large to read")};
    }
}

remote_host::remote_host(const QUrl& url, const QByteArray& token, QObject* parent)
    : QObject(parent), url_(url), token_(token) {
    deadline_.setSingleShot(true);
    connect(&deadline_, &QTimer::timeout, this, [this] {
        if (reply_ != nullptr) {
            reply_->abort();  // finished() follows, with OperationCanceledError
        }
    });
    connect(&parsing_, &QFutureWatcher<parsed>::finished, this, [this] {
        parsed p = parsing_.future().takeResult();
        latest_ = std::move(p.snapshot);
        if (latest_ != nullptr) {
            Q_EMIT fetched();
        } else {
            Q_EMIT failed(p.error);
        }
    });
    QTimer::singleShot(0, this, &remote_host::fetch);
}

remote_host::~remote_host() {
    if (reply_ != nullptr) {
        // abort() finishes the reply at once: nothing may reach a host being removed.
        reply_->disconnect(this);
        reply_->abort();
    }
}

QString remote_host::id() const {
    QUrl host = url_;
    host.setUserInfo(QString());
    return host.authority();
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
    } else if ((!url.path().isEmpty() && url.path() != QStringLiteral("/")) || url.hasQuery() ||
               url.hasFragment()) {
        problem = "something after the port (the monitor asks for /snapshot itself)";
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
    if (reply_ != nullptr || parsing_.isRunning() ||
        (since_fetch_.isValid() && since_fetch_.elapsed() < min_period_ms)) {
        return;
    }
    since_fetch_.start();
    QUrl snapshot_url = url_;
    snapshot_url.setPath(QStringLiteral("/snapshot"));
    QNetworkRequest request(snapshot_url);
    request.setTransferTimeout(deadline_ms);
    // ipcstat serve never redirects, and the token must not follow a redirect elsewhere.
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                         QNetworkRequest::ManualRedirectPolicy);
    if (!token_.isEmpty()) {
        request.setRawHeader("Authorization", "Bearer " + token_);
    }
    too_big_ = false;
    reply_ = network_.get(request);
    QNetworkReply* reply = reply_;
    connect(reply, &QNetworkReply::downloadProgress, this, [this, reply](qint64 received, qint64) {
        if (received > max_bytes) {
            too_big_ = true;
            reply->abort();
        }
    });
    connect(reply, &QNetworkReply::finished, this, [this, reply] { finish(reply); });
    deadline_.start(deadline_ms);
}

void remote_host::finish(QNetworkReply* reply) {
    reply->deleteLater();
    deadline_.stop();
    if (too_big_ || reply->error() != QNetworkReply::NoError) {
        latest_ = nullptr;
        Q_EMIT failed(too_big_ ? tr("the answer is over %1 MiB").arg(max_bytes >> 20)
                      : reply->error() == QNetworkReply::OperationCanceledError
                          ? tr("no whole answer within %1 s").arg(deadline_ms / 1000)
                          : reply->errorString());
        return;
    }
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status != 200) {
        latest_ = nullptr;
        Q_EMIT failed(tr("HTTP status %1").arg(status));
        return;
    }
    parsing_.setFuture(QtConcurrent::run(
        [body = reply->readAll(), before = latest_] { return read_snapshot(body, before); }));
}

}  // namespace monitor
