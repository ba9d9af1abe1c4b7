// The monitor's model and window, offscreen (QT_QPA_PLATFORM=offscreen): model consistency
// across updates (QAbstractItemModelTester), rows that stay put, and a window that survives a
// segment removed or overwritten with garbage while it is shown.

#include <gtest/gtest.h>

#include <cstdlib>
#include <limits>

#include <sys/wait.h>
#include <QAbstractItemModelTester>
#include <QAction>
#include <QApplication>
#include <QDir>
#include <QGuiApplication>
#include <QLabel>
#include <QListWidget>
#include <QPersistentModelIndex>
#include <QPushButton>
#include <QScreen>
#include <QSettings>
#include <QStatusBar>
#include <QTableView>
#include <QTemporaryDir>
#include <QTreeView>
#include <QtCharts/QCategoryAxis>
#include <QtCharts/QChartView>
#include <QtCharts/QLineSeries>
#include <csignal>
#include <cstring>

#include "channel_table_model.hpp"
#include "chart_axes.hpp"
#include "connection_table_model.hpp"
#include "demo_dialog.hpp"
#include "demo_process.hpp"
#include "endpoint_details.hpp"
#include "endpoint_tree_model.hpp"
#include "ipc/ring.hpp"
#include "ipc/shm.hpp"
#include "ipc/simpleipc.hpp"
#include "ipc/telemetry.hpp"
#include "keys.hpp"
#include "main_window.hpp"
#include "slot_grid.hpp"
#include "stale_dialog.hpp"
#include "status_strip.hpp"
#include "support/broker_pair.hpp"
#include "support/child_process.hpp"
#include "support/names.hpp"
#include "support/tamper.hpp"
#include "traffic_history.hpp"

namespace {

using ipc::inspect::endpoint_info;
using ipc::inspect::process_info;
using ipc::inspect::snapshot;

endpoint_info endpoint(std::uint32_t index, std::uint32_t generation, const std::string& name,
                       std::uint64_t sent) {
    endpoint_info e;
    e.index = index;
    e.generation = generation;
    e.state = ipc::inspect::endpoint_state::active;
    e.kind = ipc::inspect::channel_kind::ring;
    e.role = ipc::inspect::endpoint_role::writer;
    e.name = name;
    e.counters.sent = sent;
    return e;
}

process_info process(std::int32_t pid, std::vector<endpoint_info> endpoints) {
    process_info p;
    p.pid = pid;
    p.start_time = 1000 + static_cast<std::uint64_t>(pid);
    p.program = "prog" + std::to_string(pid);
    p.alive = true;
    p.endpoints = std::move(endpoints);
    return p;
}

snapshot at(std::uint64_t t_ns, std::vector<process_info> processes) {
    snapshot s;
    s.taken_ns = t_ns;
    s.processes = std::move(processes);
    return s;
}

// What the window does at each refresh: the history first, then the model.
struct fed_tree {
    monitor::endpoint_tree_model model;
    monitor::traffic_history history;
    void update(const snapshot& s) {
        history.record(s);
        model.update(s, history);
    }
    // This host's row, above its processes.
    QModelIndex here() const { return model.index(0, 0); }
};

TEST(MonitorModel, StaysConsistentAcrossInsertsRemovalsAndReuse) {
    fed_tree model;
    QAbstractItemModelTester tester(&model.model,
                                    QAbstractItemModelTester::FailureReportingMode::Fatal);
    model.update(
        at(1'000'000'000, {process(10, {endpoint(0, 1, "a", 5)}),
                           process(20, {endpoint(0, 1, "b", 1), endpoint(1, 1, "c", 0)})}));
    EXPECT_EQ(model.model.rowCount(), 1) << "this host";
    EXPECT_EQ(model.model.rowCount(model.here()), 2);
    // Process 10 goes, 30 comes, 20's record 1 is reused (new generation), counters move.
    model.update(at(2'000'000'000, {process(20, {endpoint(0, 1, "b", 101), endpoint(1, 2, "d", 0)}),
                                    process(30, {})}));
    EXPECT_EQ(model.model.rowCount(model.here()), 2);
    const QModelIndex p20 = model.model.find(QStringLiteral("20:1020"));
    ASSERT_TRUE(p20.isValid());
    ASSERT_EQ(model.model.rowCount(p20), 2);
    EXPECT_EQ(model.model.index(1, monitor::endpoint_tree_model::col_name, p20).data().toString(),
              "d");
    model.update(at(3'000'000'000, {}));
    EXPECT_EQ(model.model.rowCount(model.here()), 0);
}

// Hosts come and go around this host's row: a remote host added first, this host put above it,
// a host with processes turning unreachable, one removed while a row of it is persistent.
TEST(MonitorModel, HostsStayConsistent) {
    monitor::endpoint_tree_model model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    monitor::traffic_history far("far:1");
    model.set_unreachable(QStringLiteral("far:1"), QStringLiteral("far:1"), QString());
    const auto s = at(1'000'000'000, {process(10, {endpoint(0, 1, "a", 5)})});
    far.record(s);
    model.update(QStringLiteral("far:1"), QStringLiteral("far:1"), s, far);
    monitor::traffic_history here;
    here.record(s);
    model.update(s, here);
    ASSERT_EQ(model.rowCount(), 2);
    EXPECT_EQ(model.index(0, 0).data(monitor::endpoint_tree_model::key_role).toString(),
              monitor::host_key({}))
        << "this host first";
    const QPersistentModelIndex far_endpoint = model.find(QStringLiteral("far:1|10:1010:0:1"));
    ASSERT_TRUE(far_endpoint.isValid());
    EXPECT_EQ(*model.host_at(far_endpoint), QStringLiteral("far:1"));
    EXPECT_EQ(model.endpoint_at(far_endpoint)->name, "a");
    model.set_unreachable(QStringLiteral("far:1"), QStringLiteral("far:1"), QStringLiteral("down"));
    EXPECT_FALSE(far_endpoint.isValid());
    const QModelIndex far_row = model.find(monitor::host_key(QStringLiteral("far:1")));
    EXPECT_EQ(model.rowCount(far_row), 0);
    EXPECT_EQ(far_row.siblingAtColumn(monitor::endpoint_tree_model::col_state).data().toString(),
              QStringLiteral("unreachable"));
    model.update(QStringLiteral("far:1"), QStringLiteral("far:1"), s, far);
    const QPersistentModelIndex again = model.find(QStringLiteral("far:1|10:1010:0:1"));
    ASSERT_TRUE(again.isValid());
    model.remove_host(QStringLiteral("far:1"));
    EXPECT_FALSE(again.isValid());
    EXPECT_EQ(model.rowCount(), 1);
    EXPECT_TRUE(model.find(QStringLiteral("10:1010:0:1")).isValid()) << "this host's row stays";
}

// A dead process's endpoints do not say "active", whatever their records say.
TEST(MonitorModel, EndpointsOfADeadProcessSayDead) {
    fed_tree fed;
    auto gone = process(40, {endpoint(0, 1, "left", 3)});
    gone.alive = false;
    fed.update(at(1'000'000'000, {gone}));
    const QModelIndex row = fed.model.find(QStringLiteral("40:1040:0:1"));
    ASSERT_TRUE(row.isValid());
    EXPECT_EQ(row.siblingAtColumn(monitor::endpoint_tree_model::col_state).data().toString(),
              QStringLiteral("dead"));
    EXPECT_EQ(
        fed.model.index(0, monitor::endpoint_tree_model::col_state, fed.here()).data().toString(),
        QStringLiteral("stale"));
}

TEST(MonitorModel, RowsStayPutAndRatesFollowTheCounters) {
    fed_tree fed;
    auto& model = fed.model;
    fed.update(at(1'000'000'000, {process(20, {endpoint(0, 1, "b", 100)})}));
    const QPersistentModelIndex b = model.find(QStringLiteral("20:1020:0:1"));
    ASSERT_TRUE(b.isValid());
    // A process appears before it and another endpoint after it: b is still b.
    fed.update(
        at(2'000'000'000, {process(10, {endpoint(0, 1, "a", 0)}),
                           process(20, {endpoint(0, 1, "b", 350), endpoint(1, 1, "x", 0)})}));
    ASSERT_TRUE(b.isValid());
    EXPECT_EQ(b.data().toString(), "b");
    EXPECT_EQ(b.data(monitor::endpoint_tree_model::key_role).toString(), "20:1020:0:1");
    EXPECT_DOUBLE_EQ(model.rates_at(b).sent_per_s, 250.0);
    EXPECT_EQ(model.endpoint_at(b)->counters.sent, 350u);
}

// The tree's row of the process with this pid, or an invalid index.
QModelIndex process_row_of(const QTreeView& tree, pid_t pid) {
    const QModelIndex here = tree.model()->index(0, 0);
    for (int row = 0; row < tree.model()->rowCount(here); ++row) {
        const QModelIndex cell =
            tree.model()->index(row, monitor::endpoint_tree_model::col_pid, here);
        if (cell.data().toString() == QString::number(pid)) {
            return cell.siblingAtColumn(0);
        }
    }
    return {};
}

// A ring with both ends open in this process, for the window to show.
struct live_ring {
    std::string name;
    ipc::ring_writer writer;
    ipc::ring_reader reader;
    explicit live_ring(std::string channel) : name(std::move(channel)) {
        auto w = ipc::ring_writer::open(name);
        EXPECT_TRUE(w) << w.error_value().message();
        auto r = ipc::ring_reader::open(name);
        EXPECT_TRUE(r) << r.error_value().message();
        writer = w ? std::move(*w) : ipc::ring_writer{};
        reader = r ? std::move(*r) : ipc::ring_reader{};
    }
};

// Through the real view and proxy: the selected endpoint and the expanded process stay as they
// were while other processes' rows come and go, and a collapsed one stays collapsed.
TEST(MonitorWindow, SelectionAndExpansionSurviveRefreshes) {
    const live_ring ring(ipc::test::unique_name("kept"));
    const auto& name = ring.name;
    monitor::main_window window(false);
    window.show();
    window.refresh();
    auto* tree = window.findChild<QTreeView*>();
    ASSERT_NE(tree, nullptr);
    QAbstractItemModelTester tester(tree->model(),
                                    QAbstractItemModelTester::FailureReportingMode::Fatal);
    ASSERT_TRUE(window.select_endpoint(QString::fromStdString(name), QStringLiteral("reader")));
    const QString key =
        tree->currentIndex().data(monitor::endpoint_tree_model::key_role).toString();
    const QPersistentModelIndex process = tree->currentIndex().parent();
    ASSERT_TRUE(tree->isExpanded(process));
    // A process that appears later is expanded too: its row says who it is when inserted.
    const auto late_name = ipc::test::unique_name("late");
    ipc::test::child_process late(
        {IPC_TEST_RING_PEER, "write", late_name, "0", "1", "64", "adaptive", "0", "hold"});
    ASSERT_TRUE(ipc::test::eventually(
        [&] {
            window.refresh();
            return process_row_of(*tree, late.pid()).isValid();
        },
        std::chrono::seconds(10)));
    EXPECT_TRUE(tree->isExpanded(process_row_of(*tree, late.pid())));
    late.kill(SIGKILL);
    ASSERT_TRUE(late.wait(std::chrono::seconds(10)));
    (void)ipc::shm::unlink(ipc::shm::object_name("ring", late_name));  // its creator was killed
    for (int i = 0; i < 3; ++i) {
        auto other = ipc::ring_writer::open(ipc::test::unique_name("churn"));  // rows come...
        ASSERT_TRUE(other);
        window.refresh();
        other->close();  // ...and go
        window.refresh();
    }
    EXPECT_EQ(tree->currentIndex().data(monitor::endpoint_tree_model::key_role).toString(), key);
    EXPECT_TRUE(tree->isExpanded(process));
    tree->collapse(process);
    window.refresh();
    EXPECT_FALSE(tree->isExpanded(process));
    window.close();
}

// A segment that turns to garbage, then vanishes, while the window shows it.
TEST(MonitorWindow, SurvivesASegmentCorruptedThenRemovedWhileShown) {
    const auto name = ipc::test::unique_name("shown");
    ipc::ring_options o;
    o.keep_segment = true;
    auto writer = ipc::ring_writer::open(name, o);
    ASSERT_TRUE(writer);
    auto reader = ipc::ring_reader::open(name, o);
    ASSERT_TRUE(reader);
    monitor::main_window window(false);
    window.show();
    window.refresh();
    ASSERT_TRUE(window.select_endpoint(QString::fromStdString(name), QStringLiteral("reader")));
    const auto object = ipc::shm::object_name("ring", name);
    {
        ipc::test::tamper t(object);
        std::memset(t.map.data() + 64, 0xab, t.map.size() - 64);  // control block and data
    }
    window.refresh();
    bool error_row = false;
    for (const auto& seg : window.latest().segments) {
        error_row = error_row || ("/" + seg.name == object && !seg.error.empty());
    }
    EXPECT_TRUE(error_row) << "the corrupt ring is listed with its error";
    auto* errors = window.findChild<QListWidget*>();
    ASSERT_NE(errors, nullptr);
    EXPECT_FALSE(
        errors->findItems(QString::fromStdString(object.substr(1)), Qt::MatchStartsWith).isEmpty());
    writer->close();
    reader->close();
    ASSERT_TRUE(ipc::shm::unlink(object));
    window.refresh();
    for (const auto& seg : window.latest().segments) {
        EXPECT_NE("/" + seg.name, object);
    }
    window.close();
}

// The first start's size is bounded by the screen it opens on (it once opened at 1600x950
// whatever the screen, half off a 1366x768 one; the offscreen platform's screen is smaller still).
TEST(MonitorWindow, FirstStartSizeIsBoundedByTheScreen) {
    monitor::main_window window(false);
    const QRect available = QGuiApplication::primaryScreen()->availableGeometry();
    EXPECT_LE(window.width(), available.width());
    EXPECT_LE(window.height(), available.height());
    EXPECT_TRUE(available.contains(window.geometry().center()));
}

// --demo selects the demo's endpoint once it appears, so its charts are live from the start.
TEST(MonitorWindow, SelectsAnEndpointOnceItAppears) {
    monitor::main_window window(false);
    const auto name = ipc::test::unique_name("appears");
    window.select_when_it_appears(QString::fromStdString(name), QStringLiteral("reader"));
    EXPECT_TRUE(window.selection_pending()) << "nothing of that name exists yet";
    const live_ring ring(name);
    ASSERT_TRUE(ipc::test::eventually(
        [&] {
            window.refresh();
            return !window.selection_pending();
        },
        std::chrono::seconds(10)));
    auto* tree = window.findChild<QTreeView*>();
    ASSERT_NE(tree, nullptr);
    EXPECT_EQ(tree->currentIndex().data().toString(), QString::fromStdString(name));
}

// Another program's SimpleIPC slots (here libipc's host with telemetry off: no endpoint at all)
// are a channel of kind simpleipc; selected, its slot grid shows each slot's state, and its
// rates say n/a rather than an idle 0/s.
TEST(MonitorWindow, AForeignChannelShowsItsSlotsWithoutAnEndpoint) {
    const auto bare = ipc::test::unique_name("legacy").substr(0, 30);
    ipc::simpleipc_options o;
    o.slots = 5;
    o.slot_size = 256;
    o.telemetry = false;
    auto host = ipc::simpleipc_host::open("/" + bare, o);
    ASSERT_TRUE(host);
    std::vector<std::byte> response(128);
    ASSERT_EQ(
        host->call_on(2, std::vector<std::byte>(9), response, std::chrono::milliseconds(1)).code(),
        ipc::errc::timeout);  // no guest: its request stays posted
    monitor::main_window window(false);
    window.select_when_it_appears(QString::fromStdString(bare), QString());
    window.refresh();
    EXPECT_FALSE(window.selection_pending());
    EXPECT_FALSE(window.details()->showing_nothing());
    auto* grid = window.details()->findChild<monitor::slot_grid*>();
    ASSERT_NE(grid, nullptr);
    EXPECT_TRUE(grid->isVisibleTo(window.details()));
    EXPECT_NE(grid->tooltip_text(2).indexOf(QStringLiteral("request ready")), -1)
        << grid->tooltip_text(2).toStdString();
    EXPECT_NE(grid->tooltip_text(1).indexOf(QStringLiteral("free")), -1);
    const QModelIndex row = window.channel_view()->currentIndex();
    EXPECT_EQ(row.siblingAtColumn(monitor::channel_table_model::col_kind).data().toString(),
              QStringLiteral("simpleipc"));
    EXPECT_EQ(row.siblingAtColumn(monitor::channel_table_model::col_rate).data().toString(),
              QStringLiteral("n/a"));
    host->close();
}

QAction* action_named(QWidget& window, const QString& text) {
    for (auto* action : window.findChildren<QAction*>()) {
        if (action->text() == text) {
            return action;
        }
    }
    return nullptr;
}

// Pause is shown by more than a pressed button: the action says Resume, and a banner says that
// the figures are frozen.
TEST(MonitorWindow, PauseSaysResumeAndShowsABanner) {
    monitor::main_window window(false);
    auto* strip = window.findChild<monitor::status_strip*>();
    ASSERT_NE(strip, nullptr);
    QAction* pause = action_named(window, QStringLiteral("Pause"));
    ASSERT_NE(pause, nullptr);
    EXPECT_FALSE(strip->paused_shown());
    pause->trigger();
    EXPECT_EQ(pause->text(), QStringLiteral("Resume"));
    EXPECT_TRUE(strip->paused_shown());
    pause->trigger();
    EXPECT_EQ(pause->text(), QStringLiteral("Pause"));
    EXPECT_FALSE(strip->paused_shown());
}

// An export says where it went, in the status bar, and the next one starts in that folder.
TEST(MonitorWindow, ExportConfirmsAndRemembersItsFolder) {
    monitor::main_window window(false);
    const QString dir = QString::fromStdString(::testing::TempDir());
    const QString path = QDir(dir).filePath(QStringLiteral("monitor-export.json"));
    ASSERT_TRUE(window.export_to(path));
    EXPECT_TRUE(window.statusBar()->currentMessage().contains(path))
        << window.statusBar()->currentMessage().toStdString();
    EXPECT_EQ(QDir(window.export_folder()), QDir(dir));
    EXPECT_FALSE(window.export_to(QStringLiteral("/nonexistent-dir/x.json")));
}

// A demo the monitor runs is shown in the main window with a button that stops it.
TEST(MonitorWindow, ARunningDemoIsShownWithAStopButton) {
    ::setenv("IPC_DEMO", IPC_TEST_DEMO, 1);
    monitor::main_window window(false);
    auto* strip = window.findChild<monitor::status_strip*>();
    ASSERT_NE(strip, nullptr);
    EXPECT_FALSE(strip->demo_shown());
    monitor::demo_options options;
    options.name = monitor::demo_dialog::channel_name(options.channel);
    options.rate = 1000;
    options.size = 64;
    ASSERT_TRUE(window.start_demo(options));
    EXPECT_TRUE(strip->demo_shown());
    QPushButton* stop = nullptr;
    for (auto* button : strip->findChildren<QPushButton*>()) {
        stop = button->text() == QStringLiteral("Stop demo") ? button : stop;
    }
    ASSERT_NE(stop, nullptr);
    stop->click();  // stops and waits for the demo
    EXPECT_FALSE(strip->demo_shown());
}

// Every chart axis speaks human units (no "2.2e+04"), and time runs up to "now".
TEST(MonitorWindow, ChartAxesUseHumanUnitsAndTimeEndsNow) {
    live_ring ring(ipc::test::unique_name("axes"));
    const auto& name = ring.name;
    monitor::main_window window(false);
    window.refresh();
    ASSERT_TRUE(window.select_endpoint(QString::fromStdString(name), QStringLiteral("reader")));
    const std::vector<std::byte> message(1000);
    for (int refresh = 0; refresh < 3; ++refresh) {
        for (int i = 0; i < 20'000; ++i) {  // large counts and byte rates
            ASSERT_TRUE(ring.writer.try_send(message));
            ASSERT_TRUE(ring.reader.try_read());
            ring.reader.release();
        }
        window.refresh();
    }
    int time_axes = 0;
    int labelled = 0;
    for (auto* view : window.findChildren<QChartView*>()) {
        for (auto* axis : view->chart()->axes()) {
            auto* category = qobject_cast<QCategoryAxis*>(axis);
            if (category == nullptr) {
                continue;  // the histogram's buckets
            }
            const QStringList labels = category->categoriesLabels();
            ++labelled;
            for (const auto& label : labels) {
                EXPECT_FALSE(label.contains(QStringLiteral("e+"))) << label.toStdString();
            }
            if (!labels.isEmpty() && labels.back() == QStringLiteral("now")) {
                ++time_axes;
                EXPECT_EQ(labels.front(), QStringLiteral("60 s ago"));
                EXPECT_EQ(category->max(), 0) << "points are plotted at their age";
            }
        }
    }
    EXPECT_EQ(time_axes, 3) << "messages, bytes and latency";
    for (auto* view : window.details()->findChildren<QChartView*>()) {
        for (auto* series : view->chart()->series()) {
            auto* line = qobject_cast<QLineSeries*>(series);
            if (line != nullptr && line->count() > 0 && line->isVisible()) {
                EXPECT_LE(line->at(line->count() - 1).x(), 0.0);
                EXPECT_GE(line->at(line->count() - 1).x(), -1.0) << "the latest point is now";
            }
        }
    }
    EXPECT_EQ(labelled, 8) << "three time axes, three value axes, the histogram's two";
}

// The value axes step by round numbers of their unit: powers of 1024 for bytes.
TEST(ChartAxes, StepsAreRoundInTheirUnit) {
    QCategoryAxis axis;
    monitor::label_values(&axis, 5.5 * 1024 * 1024, monitor::bytes_per_second, 1, 1024);
    EXPECT_EQ(axis.categoriesLabels().join(' '),
              QStringLiteral("0 B/s 2.00 MiB/s 4.00 MiB/s 6.00 MiB/s"));
    QCategoryAxis three;
    monitor::label_values(&three, 3.0 * 1024 * 1024, monitor::bytes_per_second, 1, 1024);
    EXPECT_EQ(three.categoriesLabels().join(' '),
              QStringLiteral("0 B/s 1.00 MiB/s 2.00 MiB/s 3.00 MiB/s"));
    QCategoryAxis unusable;
    monitor::label_values(&unusable, std::numeric_limits<double>::infinity(), monitor::per_second,
                          1);
    EXPECT_EQ(unusable.categoriesLabels().join(' '), QStringLiteral("0/s 1/s"));
    QCategoryAxis counts;
    monitor::label_values(&counts, 22'000, monitor::per_second, 1);
    EXPECT_EQ(counts.categoriesLabels().join(' '),
              QStringLiteral("0/s 5.00k/s 10.0k/s 15.0k/s 20.0k/s 25.0k/s"));
}

// The cell of `column` in the channels view's row of channel `name`, or an invalid index.
QModelIndex channel_cell(const monitor::main_window& window, const std::string& name, int column) {
    const auto* model = window.channel_view()->model();
    for (int row = 0; row < model->rowCount(); ++row) {
        if (model->index(row, monitor::channel_table_model::col_name).data().toString() ==
            QString::fromStdString(name)) {
            return model->index(row, column);
        }
    }
    return {};
}

// One row per channel, with both ends and their pids, whatever processes they are in.
TEST(MonitorChannels, AChannelIsOneRowWithBothEnds) {
    live_ring ring(ipc::test::unique_name("whole"));
    monitor::main_window window(false);
    QAbstractItemModelTester source(window.channels(),
                                    QAbstractItemModelTester::FailureReportingMode::Fatal);
    QAbstractItemModelTester shown(window.channel_view()->model(),
                                   QAbstractItemModelTester::FailureReportingMode::Fatal);
    window.refresh();
    const QString pid = QString::number(::getpid());
    const QModelIndex ends =
        channel_cell(window, ring.name, monitor::channel_table_model::col_ends);
    ASSERT_TRUE(ends.isValid());
    EXPECT_EQ(ends.data().toString(), QStringLiteral("writer %1 → reader %1").arg(pid));
    EXPECT_EQ(ends.siblingAtColumn(monitor::channel_table_model::col_kind).data().toString(),
              QStringLiteral("ring"));
    EXPECT_EQ(ends.siblingAtColumn(monitor::channel_table_model::col_occupancy).data().toString(),
              QStringLiteral("0 B of 256 KiB"));
    EXPECT_EQ(ends.siblingAtColumn(monitor::channel_table_model::col_p99).data().toString(),
              QStringLiteral("n/a"));
    // Selecting the channel shows the end that measures latency, the reader, even before it
    // has a sample.
    window.channel_view()->setCurrentIndex(ends);
    EXPECT_FALSE(window.details()->showing_nothing());
    EXPECT_EQ(window.channel_view()
                  ->currentIndex()
                  .data(monitor::channel_table_model::endpoint_key_role)
                  .toString()
                  .section(':', 0, 0),
              pid);
    bool reader_shown = false;
    for (auto* label : window.details()->findChildren<QLabel*>()) {
        reader_shown = reader_shown || label->text().contains(QStringLiteral("ring reader in"));
    }
    EXPECT_TRUE(reader_shown);
}

// Sorting by occupancy sorts by how full each channel is.
TEST(MonitorChannels, SortingByOccupancyPutsTheFullestFirst) {
    live_ring empty(ipc::test::unique_name("sort-empty"));
    live_ring filled(ipc::test::unique_name("sort-filled"));
    const std::vector<std::byte> message(1000);
    for (int i = 0; i < 50; ++i) {
        ASSERT_TRUE(filled.writer.try_send(message));
    }
    monitor::main_window window(false);
    window.set_filter(QStringLiteral("sort-"));
    window.refresh();
    auto* view = window.channel_view();
    ASSERT_EQ(view->model()->rowCount(), 2);
    for (const auto order : {Qt::DescendingOrder, Qt::AscendingOrder}) {
        view->sortByColumn(monitor::channel_table_model::col_occupancy, order);
        const QString first =
            view->model()->index(0, monitor::channel_table_model::col_name).data().toString();
        EXPECT_EQ(first.toStdString(), order == Qt::DescendingOrder ? filled.name : empty.name);
    }
}

// A child holding a ring's writer is killed: the channel, and its reader, say peer dead.
TEST(MonitorChannels, HealthTurnsPeerDeadWhenAChildIsKilled) {
    const auto name = ipc::test::unique_name("killed");
    ipc::ring_options as_the_peer;  // ring_peer's geometry: 64-byte messages
    as_the_peer.max_message = 64;
    auto reader = ipc::ring_reader::open(name, as_the_peer);
    ASSERT_TRUE(reader);
    ipc::test::child_process writer(
        {IPC_TEST_RING_PEER, "write", name, "0", "1", "64", "adaptive", "0", "hold"});
    monitor::main_window window(false);
    const auto cell = [&](int column) {
        return channel_cell(window, name, column).data().toString();
    };
    const QString attached = QStringLiteral("writer %1 →").arg(writer.pid());
    ASSERT_TRUE(ipc::test::eventually(
        [&] {
            window.refresh();
            return cell(monitor::channel_table_model::col_ends).startsWith(attached);
        },
        std::chrono::seconds(10)));
    const auto health = [&] {
        window.refresh();
        return cell(monitor::channel_table_model::col_health);
    };
    EXPECT_NE(health(), QStringLiteral("peer dead"));
    writer.kill(SIGKILL);
    ASSERT_TRUE(writer.wait(std::chrono::seconds(10)));
    EXPECT_EQ(health(), QStringLiteral("peer dead"));
    const QModelIndex dead = channel_cell(window, name, monitor::channel_table_model::col_health);
    EXPECT_EQ(dead.data(Qt::ToolTipRole).toString(),
              QStringLiteral("peer dead: writer %1 died").arg(writer.pid()));
    EXPECT_FALSE(dead.data(Qt::DecorationRole).isNull()) << "an icon beside the words";
    EXPECT_TRUE(window.select_endpoint(QString::fromStdString(name), QStringLiteral("reader")));
    const QModelIndex reader_health =
        window.tree()->currentIndex().siblingAtColumn(monitor::endpoint_tree_model::col_health);
    EXPECT_EQ(reader_health.data().toString(), QStringLiteral("peer dead"));
}

// A filter shows the processes that match expanded and keeps the selection; clearing it brings
// back what the user had collapsed, collapsed, and still keeps the selection.
TEST(MonitorWindow, FilterKeepsMatchesExpandedAndTheSelection) {
    live_ring ring(ipc::test::unique_name("filtered"));
    monitor::main_window window(false);
    window.show();
    window.show_tab(1);
    window.refresh();
    auto* tree = window.tree();
    QAbstractItemModelTester tester(tree->model(),
                                    QAbstractItemModelTester::FailureReportingMode::Fatal);
    ASSERT_TRUE(
        window.select_endpoint(QString::fromStdString(ring.name), QStringLiteral("reader")));
    const QString key =
        tree->currentIndex().data(monitor::endpoint_tree_model::key_role).toString();
    tree->collapse(tree->currentIndex().parent());
    window.set_filter(QString::fromStdString(ring.name));
    const QModelIndex here = tree->model()->index(0, 0);
    ASSERT_EQ(tree->model()->rowCount(), 1) << "this host";
    ASSERT_EQ(tree->model()->rowCount(here), 1) << "only this process matches";
    EXPECT_TRUE(tree->isExpanded(tree->model()->index(0, 0, here))) << "the match is shown";
    EXPECT_EQ(tree->currentIndex().data(monitor::endpoint_tree_model::key_role).toString(), key);
    window.set_filter(QStringLiteral("no-such-channel-anywhere"));
    EXPECT_EQ(tree->model()->rowCount(), 0);
    window.set_filter(QString());
    EXPECT_EQ(tree->currentIndex().data(monitor::endpoint_tree_model::key_role).toString(), key)
        << "the selection survives a filter that hid it";
    EXPECT_FALSE(tree->isExpanded(tree->currentIndex().parent())) << "collapsed by the user";
}

// Nothing selected: a page that says what to do, not empty charts. A writer's latency is n/a.
TEST(MonitorWindow, EmptyStateAndNaWhereARoleDoesNotMeasure) {
    live_ring ring(ipc::test::unique_name("na"));
    monitor::main_window window(false);
    window.show_tab(1);
    window.refresh();
    EXPECT_TRUE(window.details()->showing_nothing());
    ASSERT_TRUE(
        window.select_endpoint(QString::fromStdString(ring.name), QStringLiteral("writer")));
    EXPECT_FALSE(window.details()->showing_nothing());
    EXPECT_EQ(window.tree()
                  ->currentIndex()
                  .siblingAtColumn(monitor::endpoint_tree_model::col_p99)
                  .data()
                  .toString(),
              QStringLiteral("n/a"));
    bool latency_says_na = false;
    for (auto* view : window.details()->findChildren<QChartView*>()) {
        latency_says_na = latency_says_na || view->chart()->title().startsWith("Latency: n/a");
    }
    EXPECT_TRUE(latency_says_na);
    window.set_filter(QStringLiteral("no-such-channel-anywhere"));
    EXPECT_TRUE(window.details()->showing_nothing()) << "no stale charts for a hidden endpoint";
}

ipc::inspect::connection_info connection(std::int32_t peer, const std::string& ring,
                                         std::uint64_t messages_in) {
    ipc::inspect::connection_info c;
    c.pid = 10;
    c.id = static_cast<std::uint64_t>(peer);  // one connection per peer here
    c.name = "hub";
    c.role = "server";
    c.peer_pid = peer;
    c.inbound_segment = ring + "-in";
    c.outbound_segment = ring + "-out";
    c.inbound = {messages_in, messages_in * 100, 300, 1200, true};
    c.outbound = {0, 0, 0, 1200, true};
    return c;
}

TEST(MonitorConnections, RowsStayPutRatesFollowAndClosedConnectionsLeave) {
    monitor::connection_table_model model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    snapshot s = at(1'000'000'000, {});
    s.connections = {connection(21, "memfd:1", 50), connection(22, "memfd:3", 0)};
    model.update(s);
    ASSERT_EQ(model.rowCount(), 2);
    const QPersistentModelIndex second = model.index(1, monitor::connection_table_model::col_peer);
    EXPECT_EQ(second.data().toString(), "client 22");
    EXPECT_EQ(second.data(monitor::connection_table_model::owner_role).toString(), "10/hub/server");
    const auto ring_in =
        QModelIndex(second).siblingAtColumn(monitor::connection_table_model::col_ring_in);
    EXPECT_DOUBLE_EQ(ring_in.data(monitor::connection_table_model::fraction_role).toDouble(), 0.25);
    EXPECT_EQ(ring_in.data().toString(), "300 B of 1.17 KiB");

    s = at(3'000'000'000, {});  // two seconds on: 22 got 400 messages, 21 closed
    s.connections = {connection(23, "memfd:5", 0), connection(22, "memfd:3", 400)};
    model.update(s);
    ASSERT_EQ(model.rowCount(), 2);
    ASSERT_TRUE(second.isValid());
    EXPECT_EQ(second.data().toString(), "client 22") << "the row moved with its connection";
    const auto rate =
        QModelIndex(second).siblingAtColumn(monitor::connection_table_model::col_rate_in);
    EXPECT_EQ(rate.data().toString(), "200/s, 19.5 KiB/s");
    EXPECT_DOUBLE_EQ(rate.data(monitor::connection_table_model::sort_role).toDouble(), 200.0);
    EXPECT_EQ(QModelIndex(second)
                  .siblingAtColumn(monitor::connection_table_model::col_messages_in)
                  .data(),
              QVariant(qulonglong(400)));
    s.connections.clear();
    model.update(s);
    EXPECT_EQ(model.rowCount(), 0);
}

// A broker server's details list its clients (its process's control socket reports them), and
// the Connections tab has a row for the same connection.
TEST(MonitorWindow, ABrokerServersDetailsListItsConnections) {
    const auto name = ipc::test::unique_name("hub");
    auto pair = ipc::test::connected_pair(name, ipc::broker_options{});
    ASSERT_TRUE(pair.accepted.is_open());
    monitor::main_window window(false);
    window.refresh();
    ASSERT_TRUE(window.select_endpoint(QString::fromStdString(name), QStringLiteral("server")));
    window.refresh();
    auto* table = window.details()->findChild<QTableView*>();
    ASSERT_NE(table, nullptr);
    EXPECT_TRUE(table->isVisibleTo(window.details()));
    ASSERT_EQ(table->model()->rowCount(), 1) << "the server's one connection, not its client's";
    EXPECT_EQ(table->model()->index(0, monitor::connection_table_model::col_peer).data().toString(),
              QStringLiteral("client %1").arg(::getpid()));
    EXPECT_GE(window.connections()->rowCount(), 1);
    ASSERT_TRUE(window.select_endpoint(QString::fromStdString(name), QStringLiteral("reader")));
    window.refresh();
    EXPECT_FALSE(table->isVisibleTo(window.details())) << "a ring end shows its latency instead";
}

// At a 100 ms refresh, a steady 5000 messages/s lands unevenly on the refreshes (35, then 499,
// ...); the rate shown is averaged over a second, so it stays near 5000.
TEST(MonitorHistory, RatesAreSmoothedOverASecond) {
    monitor::traffic_history history;
    std::uint64_t sent = 0;
    const std::uint64_t per_refresh[] = {35, 965, 40, 960, 500, 30, 970, 45, 955, 500};
    for (int i = 0; i < 40; ++i) {
        sent += per_refresh[i % 10];
        history.record(at(1'000'000'000 + static_cast<std::uint64_t>(i) * 100'000'000,
                          {process(7, {endpoint(0, 1, "steady", sent)})}));
        if (i >= 10) {
            const double rate = history.rates(QStringLiteral("7:1007:0:1")).messages_per_s();
            EXPECT_NEAR(rate, 5000, 500) << "refresh " << i;
        }
    }
    EXPECT_EQ(history.points(QStringLiteral("7:1007:0:1")).size(), 40u);
    EXPECT_TRUE(history.points(QStringLiteral("nobody")).empty());
}

ipc::inspect::slots_info slots_of(std::uint32_t count) {
    ipc::inspect::slots_info g;
    g.segment = "libipc-slots-grid";
    g.slot_count = count;
    for (std::uint32_t i = 0; i < count; ++i) {
        ipc::inspect::slot_info slot;
        slot.index = i;
        slot.state = static_cast<ipc::inspect::slot_state>(i % 4);
        slot.counters.calls = 1000 * i;
        slot.latency.count = 10;
        slot.latency.p50_ns = 12'300;
        slot.latency.p99_ns = 1'835'007;
        slot.latency.max_ns = 2'000'000;
        g.slots.push_back(slot);
    }
    return g;
}

// 1, 64 and 256 slots: every cell inside the grid, none overlapping another.
TEST(MonitorSlotGrid, CellsFitWithoutOverlapFromOneTo256Slots) {
    for (const std::uint32_t count : {1u, 64u, 256u}) {
        monitor::slot_grid grid;
        grid.show_slots(slots_of(count), 1'000'000'000);
        grid.resize(560, grid.heightForWidth(560));
        const QRect inside = grid.rect();
        QRect previous;
        for (int i = 0; i < static_cast<int>(count); ++i) {
            const QRect cell = grid.cell_rect(i);
            EXPECT_TRUE(inside.contains(cell)) << count << " slots, cell " << i;
            EXPECT_FALSE(cell.intersects(previous)) << count << " slots, cell " << i;
            EXPECT_GE(cell.width(), 9);
            previous = cell;
        }
        EXPECT_LE(grid.height(), 200) << "256 slots fit without taking the pane";
    }
}

// Tooltips speak human units and count the slot's load since the refresh before.
TEST(MonitorSlotGrid, TooltipsUseHumanUnitsAndLoad) {
    monitor::slot_grid grid;
    auto before = slots_of(4);
    grid.show_slots(before, 1'000'000'000);
    auto after = before;
    after.slots[1].counters.calls += 500;
    after.slots[1].counters.latency_sum_ns += 250'000'000;
    grid.show_slots(after, 1'500'000'000);
    const QString tip = grid.tooltip_text(1);
    EXPECT_TRUE(tip.contains(QStringLiteral("p99 1.84 ms"))) << tip.toStdString();
    EXPECT_TRUE(tip.contains(QStringLiteral("1.00k calls/s, busy 50 %"))) << tip.toStdString();
    EXPECT_FALSE(tip.contains(QStringLiteral(" ns"))) << tip.toStdString();
}

// A ring whose writer died with 7 messages unread: the dialog says so, and removes what is
// checked.
TEST(MonitorStale, RemovalSaysWhatEachSegmentHoldsAndRemovesWhatIsChecked) {
    const auto name = ipc::test::unique_name("leftover");
    const pid_t child = ::fork();
    if (child == 0) {
        ipc::ring_options keep;
        keep.keep_segment = true;
        auto w = ipc::ring_writer::open(name, keep);
        const std::vector<std::byte> message(100);
        for (int i = 0; w && i < 7; ++i) {
            (void)w->try_send(message);
        }
        ipc::telemetry::remove_segment();
        ::_exit(w ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    monitor::main_window window(false);
    window.refresh();
    monitor::stale_dialog dialog(window.latest());
    const auto found = dialog.list()->findItems(
        QStringLiteral("libipc-ring-") + QString::fromStdString(name), Qt::MatchStartsWith);
    ASSERT_EQ(found.size(), 1);
    EXPECT_TRUE(found[0]->text().contains(QStringLiteral("7 unread messages")))
        << found[0]->text().toStdString();
    for (int i = 0; i < dialog.list()->count(); ++i) {
        auto* item = dialog.list()->item(i);
        item->setCheckState(item == found[0] ? Qt::Checked : Qt::Unchecked);
    }
    const auto chosen = dialog.chosen();
    ASSERT_EQ(chosen.size(), 1u);
    EXPECT_TRUE(window.remove_segments(chosen).isEmpty());
    EXPECT_TRUE(window.statusBar()->currentMessage().contains(QStringLiteral("Removed 1")))
        << window.statusBar()->currentMessage().toStdString();
    EXPECT_FALSE(ipc::inspect::read_ring("libipc-ring-" + name));
}

// Every ipc-demo option reaches its command line; the dialog opens beside the window.
TEST(MonitorDemo, EveryOptionReachesTheCommandLineAndTheDialogOpensBeside) {
    monitor::demo_options o;
    o.channel = QStringLiteral("slots");
    o.name = QStringLiteral("n");
    o.rate = 500;
    o.size = 64;
    o.duration_s = 2.5;
    o.slots = 16;
    o.wait = QStringLiteral("blocking");
    EXPECT_EQ(monitor::demo_process::arguments(o).join(' '),
              QStringLiteral("slots --name n --rate 500 --size 64 --wait blocking --duration 2.5 "
                             "--slots 16"));
    o.channel = QStringLiteral("ring");
    EXPECT_FALSE(monitor::demo_process::arguments(o).contains(QStringLiteral("--slots")));
    o.channel = QStringLiteral("duplex");
    o.protocol = QStringLiteral("efdstream");
    EXPECT_TRUE(monitor::demo_process::arguments(o).join(' ').endsWith("--protocol efdstream"));
    o.channel = QStringLiteral("broker");
    o.clients = 6;
    EXPECT_TRUE(monitor::demo_process::arguments(o).join(' ').endsWith("--clients 6"));
    o.channel = QStringLiteral("stream");
    o.restart_reader_every_s = 2.5;
    EXPECT_TRUE(monitor::demo_process::arguments(o).join(' ').endsWith(
        "--writers 6 --restart-reader-every 2.5"));
    o.rate = 1'234'567;  // not "1.23457e+06"
    EXPECT_TRUE(monitor::demo_process::arguments(o).contains(QStringLiteral("1234567")));
    const QRect screen(0, 0, 1366, 768);
    const QSize dialog(460, 420);
    EXPECT_EQ(monitor::demo_dialog::place_beside(QRect(0, 0, 800, 700), dialog, screen),
              QPoint(800, 0));
    const QPoint corner =
        monitor::demo_dialog::place_beside(QRect(0, 0, 1366, 768), dialog, screen);
    EXPECT_EQ(corner, QPoint(1365 - 460, 767 - 420)) << "over the details, below the rows";
}

}  // namespace

int main(int argc, char** argv) {
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    // Not the user's settings, nor another test process's (ctest runs them side by side).
    QApplication::setOrganizationName(QStringLiteral("libipc-tests"));
    const QTemporaryDir settings;
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, settings.path());
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, settings.path());
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
