#pragma once
// A remote `ipcstat serve` the monitor watches: its /snapshot fetched when asked, never on the
// GUI thread's time. QNetworkAccessManager runs the HTTP exchange in its own thread; the JSON is
// read, and health judged against the answer before, on a pool thread; every fetch has a
// deadline and a size limit, and one fetch at a time is in flight, so a host that hangs costs
// one pending request and nothing else.

#include <QByteArray>
#include <QElapsedTimer>
#include <QFutureWatcher>
#include <QNetworkAccessManager>
#include <QObject>
#include <QPointer>
#include <QTimer>
#include <QUrl>
#include <memory>
#include <optional>

#include "ipc/inspect.hpp"

class QNetworkReply;

namespace monitor {

class remote_host : public QObject {
    Q_OBJECT
  public:
    static constexpr int deadline_ms = 5000;                 // for a whole fetch
    static constexpr qint64 max_bytes = 64LL * 1024 * 1024;  // of one snapshot document
    // A snapshot costs the served host about 6 ms of CPU per 100 endpoints (docs/BENCHMARKS.md),
    // so a monitor refreshing at 10 Hz still asks each host at most once a second.
    static constexpr int min_period_ms = 1000;

    // `url`: where `ipcstat serve` listens (http or https, host and port); `token`: sent as a
    // bearer token when not empty. The first fetch starts once the event loop runs, so a token
    // set right after construction goes with it.
    remote_host(const QUrl& url, const QByteArray& token, QObject* parent = nullptr);
    ~remote_host() override;

    // "host:port" ("[::1]:port" for IPv6), as the tree names it.
    QString id() const;
    const QUrl& url() const { return url_; }
    void set_token(const QByteArray& token) { token_ = token; }
    // Fetches /snapshot now, unless a fetch is still in flight or the last one started less than
    // min_period_ms ago.
    void fetch();
    // Its last answer, health judged against the one before; null before the first answer and
    // after a failed fetch.
    const ipc::inspect::snapshot* latest() const { return latest_.get(); }

    // The URL as a user may give it ("http://host:port", "host:port"), or why it is no URL
    // the monitor can fetch from.
    static std::optional<QUrl> parse_url(const QString& text, QString* why = nullptr);

  Q_SIGNALS:
    void fetched();
    void failed(const QString& why);

  private:
    struct parsed {
        std::shared_ptr<const ipc::inspect::snapshot> snapshot;
        QString error;
    };
    // Reads a document and judges its health against the answer before (for `dropping`): on a
    // pool thread, since a large host's snapshot costs milliseconds to read and to judge.
    static parsed read_snapshot(const QByteArray& body,
                                const std::shared_ptr<const ipc::inspect::snapshot>& before);
    void finish(QNetworkReply* reply);

    QUrl url_;
    QByteArray token_;
    QNetworkAccessManager network_;
    QPointer<QNetworkReply> reply_;
    QElapsedTimer since_fetch_;
    bool too_big_ = false;
    QTimer deadline_;
    QFutureWatcher<parsed> parsing_;
    std::shared_ptr<const ipc::inspect::snapshot> latest_;
};

}  // namespace monitor
