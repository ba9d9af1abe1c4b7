// The monitor's model and window, offscreen (QT_QPA_PLATFORM=offscreen): model consistency
// across updates (QAbstractItemModelTester), rows that stay put, and a window that survives a
// segment removed or overwritten with garbage while it is shown.

#include <gtest/gtest.h>

#include <cstdlib>
#include <limits>

#include <QAbstractItemModelTester>
#include <QAction>
#include <QApplication>
#include <QDir>
#include <QGuiApplication>
#include <QListWidget>
#include <QPersistentModelIndex>
#include <QPushButton>
#include <QScreen>
#include <QStatusBar>
#include <QTreeView>
#include <QtCharts/QCategoryAxis>
#include <QtCharts/QChartView>
#include <csignal>
#include <cstring>

#include "channel_table_model.hpp"
#include "chart_axes.hpp"
#include "endpoint_details.hpp"
#include "endpoint_tree_model.hpp"
#include "ipc/ring.hpp"
#include "ipc/shm.hpp"
#include "main_window.hpp"
#include "slot_grid.hpp"
#include "stale_dialog.hpp"
#include "status_strip.hpp"
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
};

TEST(MonitorModel, StaysConsistentAcrossInsertsRemovalsAndReuse) {
    fed_tree model;
    QAbstractItemModelTester tester(&model.model,
                                    QAbstractItemModelTester::FailureReportingMode::Fatal);
    model.update(
        at(1'000'000'000, {process(10, {endpoint(0, 1, "a", 5)}),
                           process(20, {endpoint(0, 1, "b", 1), endpoint(1, 1, "c", 0)})}));
    EXPECT_EQ(model.model.rowCount(), 2);
    // Process 10 goes, 30 comes, 20's record 1 is reused (new generation), counters move.
    model.update(at(2'000'000'000, {process(20, {endpoint(0, 1, "b", 101), endpoint(1, 2, "d", 0)}),
                                    process(30, {})}));
    EXPECT_EQ(model.model.rowCount(), 2);
    const QModelIndex p20 = model.model.find(QStringLiteral("20:1020"));
    ASSERT_TRUE(p20.isValid());
    ASSERT_EQ(model.model.rowCount(p20), 2);
    EXPECT_EQ(model.model.index(1, monitor::endpoint_tree_model::col_name, p20).data().toString(),
              "d");
    model.update(at(3'000'000'000, {}));
    EXPECT_EQ(model.model.rowCount(), 0);
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
    for (int row = 0; row < tree.model()->rowCount(); ++row) {
        const QModelIndex cell = tree.model()->index(row, monitor::endpoint_tree_model::col_pid);
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
    ASSERT_FALSE(window.start_demo(QStringLiteral("ring"), 1000, 64).isEmpty());
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
                EXPECT_GT(category->max(), 0) << "'now' follows the refreshes";
            }
        }
    }
    EXPECT_EQ(time_axes, 3) << "messages, bytes and latency";
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

}  // namespace

int main(int argc, char** argv) {
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("libipc-tests"));  // not the user's settings
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
