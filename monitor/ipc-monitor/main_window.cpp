#include "main_window.hpp"

#include <QAction>
#include <QCloseEvent>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QGuiApplication>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QScreen>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStatusBar>
#include <QToolBar>
#include <QTreeView>
#include <QVBoxLayout>
#include <algorithm>
#include <iterator>

#include "demo_dialog.hpp"
#include "endpoint_details.hpp"
#include "endpoint_tree_model.hpp"
#include "status_strip.hpp"

// The icon and other resources are compiled into the static ipc_monitor_ui, which nothing else
// references: initialise them by hand (at global scope, as Q_INIT_RESOURCE requires).
static void init_monitor_resources() {
    Q_INIT_RESOURCE(ipc_monitor);
}

namespace monitor {

namespace {

constexpr int intervals_ms[] = {100, 250, 500, 1000, 2000, 5000};

QWidget* with_title(const QString& title, QWidget* content, QWidget* extra = nullptr) {
    auto* box = new QWidget;
    auto* layout = new QVBoxLayout(box);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(new QLabel(title));
    if (extra != nullptr) {
        layout->addWidget(extra);
    }
    layout->addWidget(content, 1);
    return box;
}

}  // namespace

main_window::main_window(bool remember, QWidget* parent)
    : QMainWindow(parent), model_(new endpoint_tree_model(this)), remember_(remember) {
    init_monitor_resources();
    setWindowTitle(tr("ipc-monitor"));
    setWindowIcon(QIcon(QStringLiteral(":/ipc-monitor.svg")));
    proxy_ = new QSortFilterProxyModel(this);
    proxy_->setSourceModel(model_);
    proxy_->setSortRole(endpoint_tree_model::sort_role);
    proxy_->setFilterKeyColumn(-1);
    proxy_->setRecursiveFilteringEnabled(true);
    proxy_->setFilterCaseSensitivity(Qt::CaseInsensitive);

    auto* filter = new QLineEdit;
    filter->setPlaceholderText(tr("Filter by program, channel, kind, role…"));
    filter->setClearButtonEnabled(true);
    connect(filter, &QLineEdit::textChanged, proxy_, &QSortFilterProxyModel::setFilterFixedString);

    tree_ = new QTreeView;
    tree_->setModel(proxy_);
    tree_->setSortingEnabled(true);
    tree_->sortByColumn(endpoint_tree_model::col_pid, Qt::AscendingOrder);
    tree_->setUniformRowHeights(true);
    tree_->setAlternatingRowColors(true);
    tree_->header()->setStretchLastSection(false);
    tree_->header()->resizeSection(endpoint_tree_model::col_name, 240);
    for (int c = endpoint_tree_model::col_pid; c < endpoint_tree_model::column_count; ++c) {
        tree_->header()->resizeSection(c, 76);
    }
    connect(tree_->selectionModel(), &QItemSelectionModel::currentChanged, this,
            [this] { show_selection(); });
    // A process is shown expanded when it first appears; what the user collapses stays
    // collapsed, also when the filter hides and shows it again.
    connect(proxy_, &QAbstractItemModel::rowsInserted, this,
            [this](const QModelIndex& parent, int first, int last) {
                for (int row = first; !parent.isValid() && row <= last; ++row) {
                    const QModelIndex process = proxy_->index(row, 0);
                    const QString key = process.data(endpoint_tree_model::key_role).toString();
                    if (!seen_.contains(key)) {
                        seen_.insert(key);
                        tree_->expand(process);
                    }
                }
            });

    stale_ = new QListWidget;
    auto* remove = new QAction(tr("Remove stale segments…"), this);
    connect(remove, &QAction::triggered, this, &main_window::ask_remove_stale);
    auto* stale_bar = new QToolBar;
    stale_bar->addAction(remove);

    auto* left = new QSplitter(Qt::Vertical);
    left->addWidget(with_title(tr("Processes and endpoints"), tree_, filter));
    left->addWidget(with_title(tr("Stale and broken segments"), stale_, stale_bar));
    left->setStretchFactor(0, 4);
    left->setStretchFactor(1, 1);

    details_ = new endpoint_details;
    auto* split = new QSplitter;
    split->addWidget(left);
    split->addWidget(details_);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 4);
    setCentralWidget(split);

    demos_ = new demo_dialog(this);
    strip_ = new status_strip;
    statusBar()->addPermanentWidget(strip_);
    connect(demos_, &demo_dialog::running_changed, strip_, &status_strip::show_demo);
    connect(strip_, &status_strip::stop_demo_clicked, demos_, &demo_dialog::stop);
    export_folder_ = QDir::homePath();
    build_actions();
    connect(&timer_, &QTimer::timeout, this, &main_window::refresh);

    fit_to_screen();
    set_interval_ms(1000);
    if (remember_) {
        QSettings settings;
        restoreGeometry(settings.value(QStringLiteral("geometry")).toByteArray());
        export_folder_ = settings.value(QStringLiteral("export_folder"), export_folder_).toString();
        tree_->header()->restoreState(settings.value(QStringLiteral("columns")).toByteArray());
        set_interval_ms(settings.value(QStringLiteral("interval_ms"), 1000).toInt());
    }
    refresh();
}

main_window::~main_window() = default;

void main_window::build_actions() {
    auto* bar = addToolBar(tr("Monitor"));
    bar->setObjectName(QStringLiteral("monitor_toolbar"));
    interval_ = new QComboBox;
    for (int ms : intervals_ms) {
        interval_->addItem(ms < 1000 ? tr("%1 ms").arg(ms) : tr("%1 s").arg(ms / 1000), ms);
    }
    connect(interval_, &QComboBox::activated, this,
            [this](int i) { set_interval_ms(interval_->itemData(i).toInt()); });
    bar->addWidget(new QLabel(tr(" Refresh every ")));
    bar->addWidget(interval_);

    auto* pause = bar->addAction(tr("Pause"));
    pause->setCheckable(true);
    pause->setShortcut(Qt::Key_Space);
    connect(pause, &QAction::toggled, this, [this, pause](bool paused) {
        paused_ = paused;
        paused ? timer_.stop() : timer_.start();
        pause->setText(paused ? tr("Resume") : tr("Pause"));
        strip_->show_paused(paused);
    });
    auto* now = bar->addAction(tr("Refresh now"));
    now->setShortcut(QKeySequence::Refresh);
    connect(now, &QAction::triggered, this, &main_window::refresh);

    auto* file = menuBar()->addMenu(tr("&File"));
    auto* exporting = file->addAction(tr("&Export snapshot…"));
    exporting->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    connect(exporting, &QAction::triggered, this, &main_window::ask_export);
    auto* quit = file->addAction(tr("&Quit"));
    quit->setShortcut(QKeySequence::Quit);
    connect(quit, &QAction::triggered, this, &QWidget::close);
    auto* demo = menuBar()->addMenu(tr("&Demo"))->addAction(tr("&Launch demo…"));
    connect(demo, &QAction::triggered, demos_, &QDialog::show);
    bar->addAction(exporting);
    bar->addAction(demo);
}

void main_window::set_interval_ms(int ms) {
    ms = std::clamp(ms, intervals_ms[0], intervals_ms[std::size(intervals_ms) - 1]);
    if (interval_->findData(ms) < 0) {  // a value from the command line or old settings
        interval_->addItem(tr("%1 ms").arg(ms), ms);
    }
    interval_->setCurrentIndex(interval_->findData(ms));
    timer_.setInterval(ms);
    if (!paused_) {
        timer_.start();
    }
}

void main_window::fit_to_screen() {
    const QScreen* screen = QGuiApplication::primaryScreen();
    if (screen == nullptr) {
        resize(1600, 950);
        return;
    }
    const QRect available = screen->availableGeometry();
    const QSize size = QSize(1600, 950).boundedTo(available.size() * 0.92);
    resize(size);
    move(available.center() - QPoint(size.width() / 2, size.height() / 2));
}

void main_window::select_when_it_appears(const QString& name, const QString& role) {
    pending_name_ = name;
    pending_role_ = role;
    refresh();
}

void main_window::refresh() {
    latest_ = ipc::inspect::take_snapshot();
    model_->update(latest_);
    if (selection_pending() && select_endpoint(pending_name_, pending_role_)) {
        pending_name_.clear();
    }
    show_selection();
    show_stale();
    std::size_t endpoints = 0;
    for (const auto& p : latest_.processes) {
        endpoints += p.endpoints.size();
    }
    strip_->show_counts(latest_.processes.size(), endpoints, latest_.segments.size());
}

void main_window::show_selection() {
    const QModelIndex source = proxy_->mapToSource(tree_->currentIndex());
    const auto* e = model_->endpoint_at(source);
    const auto* p = model_->process_at(source);
    if (e == nullptr || p == nullptr) {
        details_->show_nothing();
        return;
    }
    details_->show_endpoint(latest_, *p, *e, model_->rates_at(source),
                            source.data(endpoint_tree_model::key_role).toString());
}

void main_window::show_stale() {
    stale_->clear();
    for (const auto& seg : latest_.segments) {
        if (!seg.stale && seg.error.empty()) {
            continue;
        }
        QString line = QString::fromStdString(seg.name);
        line += seg.stale ? tr("  [stale, removable]") : QString();
        line += seg.error.empty() ? QString()
                                  : tr("  error: %1").arg(QString::fromStdString(seg.error));
        stale_->addItem(line);
    }
}

bool main_window::export_snapshot(const QString& path) const {
    QFile out(path);
    if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
        return false;
    }
    const std::string text = path.endsWith(QStringLiteral(".csv"), Qt::CaseInsensitive)
                                 ? ipc::inspect::to_csv(latest_)
                                 : ipc::inspect::to_json(latest_, true);
    return out.write(text.data(), static_cast<qint64>(text.size())) ==
           static_cast<qint64>(text.size());
}

void main_window::ask_export() {
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export snapshot"), QDir(export_folder_).filePath("libipc-snapshot.json"),
        tr("JSON (*.json);;CSV (*.csv)"));
    if (!path.isEmpty() && !export_to(path)) {
        QMessageBox::warning(this, tr("Export snapshot"), tr("Could not write %1").arg(path));
    }
}

bool main_window::export_to(const QString& path) {
    if (!export_snapshot(path)) {
        return false;
    }
    export_folder_ = QFileInfo(path).absolutePath();
    if (remember_) {
        QSettings().setValue(QStringLiteral("export_folder"), export_folder_);
    }
    statusBar()->showMessage(tr("Exported the snapshot to %1").arg(path), 10'000);
    return true;
}

void main_window::ask_remove_stale() {
    QStringList names;
    std::vector<std::string> confirmed;
    for (const auto& seg : latest_.segments) {
        if (seg.stale) {
            names << QString::fromStdString(seg.name);
            confirmed.push_back(seg.name);
        }
    }
    if (names.isEmpty()) {
        QMessageBox::information(this, tr("Remove stale segments"), tr("No stale segment."));
        return;
    }
    const auto answer = QMessageBox::question(
        this, tr("Remove stale segments"),
        tr("Remove these segments? No live process uses them.\n\n%1").arg(names.join('\n')));
    if (answer != QMessageBox::Yes) {
        return;
    }
    QStringList failed;
    // Only what the user confirmed, each checked again: not whatever is stale by now.
    for (const auto& seg : ipc::inspect::remove_stale(ipc::inspect::default_shm_dir(), confirmed)) {
        if (!seg.error.empty()) {
            failed << QString::fromStdString(seg.name + ": " + seg.error);
        }
    }
    if (!failed.isEmpty()) {
        QMessageBox::warning(this, tr("Remove stale segments"), failed.join('\n'));
    }
    refresh();
}

bool main_window::select_endpoint(const QString& name, const QString& role) {
    for (int p = 0; p < proxy_->rowCount(); ++p) {
        const QModelIndex process = proxy_->index(p, 0);
        for (int e = 0; e < proxy_->rowCount(process); ++e) {
            const QModelIndex endpoint = proxy_->index(e, 0, process);
            const QModelIndex role_cell = endpoint.siblingAtColumn(endpoint_tree_model::col_role);
            if (endpoint.data().toString() == name && role_cell.data().toString() == role) {
                tree_->expand(process);
                tree_->setCurrentIndex(endpoint);
                return true;
            }
        }
    }
    return false;
}

QString main_window::start_demo(const QString& channel, int rate, int size) {
    return demos_->start(channel, rate, size) ? demo_dialog::channel_name(channel) : QString();
}

void main_window::closeEvent(QCloseEvent* event) {
    demos_->stop();
    if (!remember_) {
        event->accept();
        return;
    }
    QSettings settings;
    settings.setValue(QStringLiteral("geometry"), saveGeometry());
    settings.setValue(QStringLiteral("columns"), tree_->header()->saveState());
    settings.setValue(QStringLiteral("interval_ms"), timer_.interval());
    event->accept();
}

}  // namespace monitor
