// The monitor watching other hosts' `ipcstat serve`: a real one (a child ipcstat serving this
// host, under its own host row), and two fake ones served by the test, one that answers garbage
// and one that takes the request and never answers. The window keeps turning its event loop
// while a host hangs, and shows each host's state.

#include <gtest/gtest.h>

#include <QAction>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>
#include <QTreeView>
#include <fstream>
#include <memory>
#include <vector>

#include "endpoint_details.hpp"
#include "endpoint_tree_model.hpp"
#include "ipc/ring.hpp"
#include "keys.hpp"
#include "main_window.hpp"
#include "remote_host.hpp"
#include "support/ipcstat_server.hpp"
#include "support/names.hpp"

namespace {

using model = monitor::endpoint_tree_model;

// Listens on loopback; `answer` (when not empty) is written to each client once it has sent
// its request, and the connection is kept open either way.
class fake_host {
  public:
    explicit fake_host(QByteArray answer) : answer_(std::move(answer)) {
        EXPECT_TRUE(server_.listen(QHostAddress::LocalHost));
        QObject::connect(&server_, &QTcpServer::newConnection, [this] {
            while (QTcpSocket* s = server_.nextPendingConnection()) {
                QObject::connect(s, &QTcpSocket::readyRead, s, [this, s] {
                    s->readAll();
                    if (!answer_.isEmpty()) {
                        s->write(answer_);
                    }
                });
                ++requests_;
            }
        });
    }
    QString url() const { return QStringLiteral("http://127.0.0.1:%1").arg(server_.serverPort()); }
    QString id() const { return QStringLiteral("127.0.0.1:%1").arg(server_.serverPort()); }
    int requests() const { return requests_; }

  private:
    QByteArray answer_;
    QTcpServer server_;
    int requests_ = 0;
};

QString state_of(const monitor::main_window& w, const QString& host) {
    return w.model()
        ->find(monitor::host_key(host))
        .siblingAtColumn(model::col_state)
        .data()
        .toString();
}

TEST(MonitorRemote, GarbageAndHangingHostsAreShownAndTheWindowKeepsTurning) {
    fake_host garbage(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\ngarbage");
    fake_host hanging({});
    monitor::main_window window(false);
    window.show_tab(1);
    ASSERT_TRUE(window.add_host(garbage.url(), false));
    ASSERT_TRUE(window.add_host(hanging.url(), false));
    EXPECT_EQ(state_of(window, hanging.id()), QStringLiteral("waiting"));

    ASSERT_TRUE(QTest::qWaitFor(
        [&] { return state_of(window, garbage.id()) == QStringLiteral("unreachable"); }, 20'000));
    const QModelIndex row = window.model()->find(monitor::host_key(garbage.id()));
    EXPECT_TRUE(row.data(Qt::ToolTipRole).toString().contains(QStringLiteral("not a libipc")))
        << row.data(Qt::ToolTipRole).toString().toStdString();
    EXPECT_EQ(window.model()->rowCount(row), 0);
    // The hanging host holds its request, and the window goes on: a refresh returns at once (one
    // that waited on the host would return after the deadline, the host unreachable by then),
    // and asks it nothing more while its request is pending.
    ASSERT_TRUE(QTest::qWaitFor([&] { return hanging.requests() == 1; }, 20'000));
    window.refresh();
    EXPECT_EQ(state_of(window, hanging.id()), QStringLiteral("waiting"));
    EXPECT_FALSE(QTest::qWaitFor([&] { return hanging.requests() > 1; }, 500))
        << "one fetch at a time";
    // Its deadline passes: unreachable, and tried again at the refreshes after.
    ASSERT_TRUE(QTest::qWaitFor(
        [&] { return state_of(window, hanging.id()) == QStringLiteral("unreachable"); },
        monitor::remote_host::deadline_ms * 4));
    const int before = hanging.requests();
    window.refresh();
    ASSERT_TRUE(QTest::qWaitFor([&] { return hanging.requests() > before; }, 20'000));
}

// A real `ipcstat serve` (this host, served over HTTP): its host row holds the ring's endpoints,
// selecting one shows it in the details, and what acts on this host only is disabled meanwhile.
TEST(MonitorRemote, AServedHostShowsItsProcessesAndEndpoints) {
    const std::string name = ipc::test::unique_name("remote");
    auto writer = ipc::ring_writer::open(name);
    auto reader = ipc::ring_reader::open(name);
    ASSERT_TRUE(writer && reader);
    ASSERT_TRUE(writer->try_send(std::as_bytes(std::span("hello", 5))));
    ipc::test::ipcstat_server served;
    ASSERT_TRUE(served.ready());
    monitor::main_window window(false);
    window.show_tab(1);
    const QString id = QStringLiteral("127.0.0.1:%1").arg(served.port);
    ASSERT_TRUE(window.add_host(QStringLiteral("127.0.0.1:%1").arg(served.port), false));
    QString why;
    EXPECT_FALSE(
        window.add_host(QStringLiteral("http://127.0.0.1:%1/").arg(served.port), false, &why));
    EXPECT_TRUE(why.contains(QStringLiteral("already"))) << why.toStdString();

    const QString key_prefix = id + QLatin1Char('|');
    QModelIndex endpoint;
    ASSERT_TRUE(QTest::qWaitFor(
        [&] {
            const QModelIndex host = window.model()->find(monitor::host_key(id));
            for (int p = 0; p < window.model()->rowCount(host); ++p) {
                const QModelIndex process = window.model()->index(p, 0, host);
                for (int e = 0; e < window.model()->rowCount(process); ++e) {
                    const QModelIndex row = window.model()->index(e, 0, process);
                    if (row.data().toString() == QString::fromStdString(name)) {
                        endpoint = row;
                        return true;
                    }
                }
            }
            return false;
        },
        20'000));
    EXPECT_EQ(state_of(window, id), QStringLiteral("reachable"));
    EXPECT_TRUE(endpoint.data(model::key_role).toString().startsWith(key_prefix));
    auto* tree = window.tree();
    auto* proxy = tree->model();
    const QModelIndex shown = [&] {
        for (int h = 0; h < proxy->rowCount(); ++h) {
            const QModelIndex host = proxy->index(h, 0);
            if (host.data(model::key_role).toString() == monitor::host_key(id)) {
                return host;
            }
        }
        return QModelIndex();
    }();
    ASSERT_TRUE(shown.isValid());
    tree->setCurrentIndex(shown);
    EXPECT_FALSE(window.demo_action()->isEnabled()) << "a demo would start on this host";
    const auto* filter = qobject_cast<const QSortFilterProxyModel*>(proxy);
    ASSERT_NE(filter, nullptr);
    ASSERT_TRUE(window.details()->showing_nothing());
    tree->setCurrentIndex(filter->mapFromSource(endpoint));
    EXPECT_FALSE(window.details()->showing_nothing()) << "the remote endpoint's details";
    tree->setCurrentIndex(proxy->index(0, 0));  // this host
    EXPECT_TRUE(window.demo_action()->isEnabled());
    window.remove_host(id);
    EXPECT_FALSE(window.model()->find(monitor::host_key(id)).isValid());
}

// A token given right after the host (as --token-file is, after the remembered hosts) goes with
// the first request: the host is never shown refused on the way.
TEST(MonitorRemote, TheTokenGoesWithTheFirstFetch) {
    const std::string file = "/tmp/" + ipc::test::unique_name("token");
    std::ofstream(file) << "s3cret\n";
    ipc::test::ipcstat_server served({"--token-file", file});
    ::unlink(file.c_str());
    ASSERT_TRUE(served.ready());
    monitor::main_window window(false);
    const QString id = QStringLiteral("127.0.0.1:%1").arg(served.port);
    ASSERT_TRUE(window.add_host(id, false));
    window.set_token("s3cret");
    ASSERT_TRUE(
        QTest::qWaitFor([&] { return state_of(window, id) != QStringLiteral("waiting"); }, 20'000));
    EXPECT_EQ(state_of(window, id), QStringLiteral("reachable"))
        << window.model()
               ->find(monitor::host_key(id))
               .data(Qt::ToolTipRole)
               .toString()
               .toStdString();
}

TEST(MonitorRemote, RefusesWhatIsNoServedAddress) {
    for (const char* bad :
         {"ftp://host:21", "http://", "host-without-port", "http://h:1/metrics"}) {
        QString why;
        EXPECT_FALSE(monitor::remote_host::parse_url(QString::fromLatin1(bad), &why)) << bad;
        EXPECT_FALSE(why.isEmpty()) << bad;
    }
    EXPECT_TRUE(monitor::remote_host::parse_url(QStringLiteral("10.0.0.7:9464")));
    EXPECT_TRUE(monitor::remote_host::parse_url(QStringLiteral("https://[::1]:9464/")));
}

// Hosts added as Add host… adds them come back at the next start; --connect's do not.
TEST(MonitorRemote, AddedHostsAreRemembered) {
    const QString kept = QStringLiteral("http://192.0.2.1:9464");
    {
        monitor::main_window window(true);
        ASSERT_TRUE(window.add_host(kept, true));
        ASSERT_TRUE(window.add_host(QStringLiteral("http://192.0.2.2:9464"), false));
    }
    monitor::main_window again(true);
    EXPECT_EQ(again.remote_hosts(), QStringList{QStringLiteral("192.0.2.1:9464")});
    again.remove_host(QStringLiteral("192.0.2.1:9464"));
    monitor::main_window third(true);
    EXPECT_TRUE(third.remote_hosts().isEmpty());
}

}  // namespace
