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
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QScreen>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QToolBar>
#include <QTreeView>
#include <QVBoxLayout>
#include <algorithm>
#include <iterator>

#include "channel_table_model.hpp"
#include "connection_table_model.hpp"
#include "demo_dialog.hpp"
#include "endpoint_details.hpp"
#include "endpoint_tree_model.hpp"
#include "keys.hpp"
#include "occupancy_bar.hpp"
#include "remote_host.hpp"
#include "stale_dialog.hpp"
#include "status_strip.hpp"
#include "text.hpp"

// The icon and other resources are compiled into the static ipc_monitor_ui, which nothing else
// references: initialise them by hand (at global scope, as Q_INIT_RESOURCE requires).
static void init_monitor_resources() {
    Q_INIT_RESOURCE(ipc_monitor);
}

namespace monitor {

namespace {

constexpr int intervals_ms[] = {100, 250, 500, 1000, 2000, 5000};
constexpr int channels_tab = 0;
constexpr int processes_tab = 1;
constexpr int connections_tab = 2;
constexpr int stale_tab = 3;

QSortFilterProxyModel* filter_proxy(QAbstractItemModel* source, int sort_role, QObject* parent) {
    auto* proxy = new QSortFilterProxyModel(parent);
    proxy->setSourceModel(source);
    proxy->setSortRole(sort_role);
    proxy->setFilterKeyColumn(-1);
    proxy->setRecursiveFilteringEnabled(true);
    proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    return proxy;
}

// Wide enough for `sample` (the widest value the column usually shows), so that ten-digit
// counters and rates are not elided as they grow after the first sizing.
void at_least(QHeaderView* header, int column, const QString& sample) {
    const int wanted = header->fontMetrics().horizontalAdvance(sample) + 28;
    header->resizeSection(column, std::max(header->sectionSize(column), wanted));
}

}  // namespace

main_window::main_window(bool remember, QWidget* parent)
    : QMainWindow(parent),
      model_(new endpoint_tree_model(this)),
      channels_(new channel_table_model(this)),
      connections_(new connection_table_model(this)),
      remember_(remember) {
    init_monitor_resources();
    setWindowTitle(tr("ipc-monitor"));
    setWindowIcon(QIcon(QStringLiteral(":/ipc-monitor.svg")));

    filter_ = new QLineEdit;
    filter_->setPlaceholderText(tr("Filter by program, channel, kind, role, health…"));
    filter_->setClearButtonEnabled(true);
    connect(filter_, &QLineEdit::textChanged, this, &main_window::set_filter);

    tabs_ = new QTabWidget;
    tabs_->addTab(build_channel_view(), tr("Channels"));
    tabs_->addTab(build_tree(), tr("Processes"));
    tabs_->addTab(build_connection_view(), tr("Connections"));
    connect(tabs_, &QTabWidget::currentChanged, this, [this] {
        enable_local_actions();
        show_selection();
    });

    stale_ = new QListWidget;
    auto* remove = new QPushButton(tr("Remove stale segments…"));
    connect(remove, &QPushButton::clicked, this, &main_window::ask_remove_stale);
    auto* stale_page = new QWidget;
    auto* stale_layout = new QVBoxLayout(stale_page);
    stale_layout->addWidget(stale_, 1);
    stale_layout->addWidget(remove, 0, Qt::AlignLeft);
    tabs_->addTab(stale_page, tr("Stale segments"));

    // Views on top, as wide as the window so that every column fits; details below, with the
    // charts side by side.
    auto* top = new QWidget;
    auto* top_layout = new QVBoxLayout(top);
    top_layout->setContentsMargins(0, 0, 0, 0);
    top_layout->addWidget(filter_);
    top_layout->addWidget(tabs_, 1);
    details_ = new endpoint_details;
    details_->set_connections(connections_);
    split_ = new QSplitter(Qt::Vertical);
    auto* split = split_;
    split->addWidget(top);
    split->addWidget(details_);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 3);
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
        split_->restoreState(settings.value(QStringLiteral("split")).toByteArray());
        export_folder_ = settings.value(QStringLiteral("export_folder"), export_folder_).toString();
        columns_sized_ = tree_->header()->restoreState(
                             settings.value(QStringLiteral("tree_columns")).toByteArray()) &&
                         channel_view_->horizontalHeader()->restoreState(
                             settings.value(QStringLiteral("channel_columns")).toByteArray());
        connection_view_->horizontalHeader()->restoreState(
            settings.value(QStringLiteral("connection_columns")).toByteArray());
        set_interval_ms(settings.value(QStringLiteral("interval_ms"), 1000).toInt());
        for (const QString& url : settings.value(QStringLiteral("remote_hosts")).toStringList()) {
            add_host(url, true);
        }
    }
    refresh();
}

main_window::~main_window() = default;

QWidget* main_window::build_tree() {
    proxy_ = filter_proxy(model_, endpoint_tree_model::sort_role, this);
    tree_ = new QTreeView;
    tree_->setModel(proxy_);
    tree_->setSortingEnabled(true);
    tree_->sortByColumn(endpoint_tree_model::col_pid, Qt::AscendingOrder);
    tree_->setUniformRowHeights(true);
    tree_->setAlternatingRowColors(true);
    tree_->header()->setStretchLastSection(false);
    connect(tree_->selectionModel(), &QItemSelectionModel::currentChanged, this,
            [this](const QModelIndex& current) {
                if (current.isValid()) {  // invalid while a filter hides it: remembered
                    selected_endpoint_ = current.data(endpoint_tree_model::key_role).toString();
                }
                enable_local_actions();
                show_selection();
            });
    // A host and a process are shown expanded; what the user collapses stays collapsed (while
    // no filter is set: a filter expands whatever matched).
    connect(proxy_, &QAbstractItemModel::rowsInserted, this,
            [this](const QModelIndex& parent, int first, int last) {
                const bool has_children = !parent.isValid() || !parent.parent().isValid();
                for (int row = first; has_children && row <= last; ++row) {
                    const QModelIndex node = proxy_->index(row, 0, parent);
                    if (!filter_->text().isEmpty() ||
                        !collapsed_.contains(node.data(endpoint_tree_model::key_role).toString())) {
                        tree_->expand(node);
                    }
                }
            });
    connect(tree_, &QTreeView::collapsed, this, [this](const QModelIndex& process) {
        if (filter_->text().isEmpty()) {
            collapsed_.insert(process.data(endpoint_tree_model::key_role).toString());
        }
    });
    connect(tree_, &QTreeView::expanded, this, [this](const QModelIndex& process) {
        if (filter_->text().isEmpty()) {
            collapsed_.remove(process.data(endpoint_tree_model::key_role).toString());
        }
    });
    return tree_;
}

QWidget* main_window::build_channel_view() {
    channel_proxy_ = filter_proxy(channels_, channel_table_model::sort_role, this);
    channel_view_ = new QTableView;
    channel_view_->setModel(channel_proxy_);
    channel_view_->setSortingEnabled(true);
    channel_view_->sortByColumn(channel_table_model::col_name, Qt::AscendingOrder);
    channel_view_->setSelectionBehavior(QAbstractItemView::SelectRows);
    channel_view_->setSelectionMode(QAbstractItemView::SingleSelection);
    channel_view_->setAlternatingRowColors(true);
    channel_view_->verticalHeader()->hide();
    channel_view_->horizontalHeader()->setStretchLastSection(false);
    channel_view_->setItemDelegateForColumn(
        channel_table_model::col_occupancy,
        new occupancy_delegate(channel_table_model::fraction_role, channel_view_));
    connect(channel_view_->selectionModel(), &QItemSelectionModel::currentChanged, this,
            [this](const QModelIndex& current) {
                if (current.isValid()) {
                    selected_channel_ = current.data(channel_table_model::segment_role).toString();
                }
                show_selection();
            });
    return channel_view_;
}

QWidget* main_window::build_connection_view() {
    connection_proxy_ = filter_proxy(connections_, connection_table_model::sort_role, this);
    connection_view_ = new QTableView;
    connection_view_->setModel(connection_proxy_);
    set_up_connection_view(connection_view_);
    connection_view_->sortByColumn(connection_table_model::col_channel, Qt::AscendingOrder);
    connection_view_->setSelectionBehavior(QAbstractItemView::SelectRows);
    connection_view_->setSelectionMode(QAbstractItemView::SingleSelection);
    connect(connection_view_->selectionModel(), &QItemSelectionModel::currentChanged, this,
            [this] { show_selection(); });
    return connection_view_;
}

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
    export_action_ = exporting;
    exporting->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    connect(exporting, &QAction::triggered, this, &main_window::ask_export);
    file->addSeparator();
    connect(file->addAction(tr("&Add host…")), &QAction::triggered, this,
            &main_window::ask_add_host);
    remove_host_action_ = file->addAction(tr("&Remove selected host"));
    remove_host_action_->setEnabled(false);
    connect(remove_host_action_, &QAction::triggered, this, [this] {
        const auto host = model_->host_at(proxy_->mapToSource(tree_->currentIndex()));
        if (host && !host->isEmpty()) {
            remove_host(*host);
        }
    });
    file->addSeparator();
    auto* quit = file->addAction(tr("&Quit"));
    quit->setShortcut(QKeySequence::Quit);
    connect(quit, &QAction::triggered, this, &QWidget::close);
    auto* demo = menuBar()->addMenu(tr("&Demo"))->addAction(tr("&Launch demo…"));
    demo_action_ = demo;
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

void main_window::show_tab(int tab) {
    tabs_->setCurrentIndex(tab);
}

void main_window::pin_tab(int tab) {
    pinned_tab_ = true;
    show_tab(tab);
}

void main_window::set_filter(const QString& text) {
    if (filter_->text() != text) {
        filter_->setText(text);  // comes back here through textChanged
        return;
    }
    proxy_->setFilterFixedString(text);
    channel_proxy_->setFilterFixedString(text);
    connection_proxy_->setFilterFixedString(text);
    after_filter();
}

void main_window::after_filter() {
    const auto expand = [this](const QModelIndex& node) {
        const bool collapsed =
            filter_->text().isEmpty() &&
            collapsed_.contains(node.data(endpoint_tree_model::key_role).toString());
        tree_->setExpanded(node, !collapsed);
    };
    for (int h = 0; h < proxy_->rowCount(); ++h) {
        const QModelIndex host = proxy_->index(h, 0);
        expand(host);
        for (int row = 0; row < proxy_->rowCount(host); ++row) {
            expand(proxy_->index(row, 0, host));
        }
    }
    const QModelIndex endpoint = proxy_->mapFromSource(model_->find(selected_endpoint_));
    if (endpoint.isValid() && tree_->currentIndex() != endpoint) {
        // Scrolling to it would expand a process the user collapsed.
        const bool visible = tree_->isExpanded(endpoint.parent());
        tree_->setAutoScroll(visible);
        tree_->setCurrentIndex(endpoint);
        tree_->setAutoScroll(true);
    }
    const QModelIndex channel = channel_proxy_->mapFromSource(channels_->find(selected_channel_));
    if (channel.isValid() && channel_view_->currentIndex().row() != channel.row()) {
        channel_view_->setCurrentIndex(channel);
        channel_view_->scrollTo(channel);
    }
    show_selection();
}

void main_window::select_when_it_appears(const QString& name, const QString& role) {
    pending_name_ = name;
    pending_role_ = role;
    refresh();
}

void main_window::refresh() {
    ipc::inspect::snapshot now = ipc::inspect::take_snapshot();
    // Between two refreshes drops can be told from old ones: health says "dropping".
    ipc::inspect::judge_health(now, latest_.taken_ns == 0 ? nullptr : &latest_);
    latest_ = std::move(now);
    history_.record(latest_);
    model_->update(latest_, history_);
    for (auto& [id, remote] : remotes_) {
        remote.source->fetch();  // answers later, in took_remote or lost_remote
    }
    channels_->update(latest_, history_);
    connections_->update(latest_);
    if (selection_pending() && select_endpoint(pending_name_, pending_role_)) {
        pending_name_.clear();
    }
    size_columns_once();
    show_selection();
    show_stale();
    std::size_t endpoints = 0;
    for (const auto& p : latest_.processes) {
        endpoints += p.endpoints.size();
    }
    strip_->show_counts(latest_.processes.size(), endpoints, latest_.segments.size());
}

// Once there is something to measure: columns as wide as their contents, and the numeric ones
// at least as wide as the values they grow to.
void main_window::size_columns_once() {
    if (columns_sized_ || latest_.channels.empty()) {
        return;
    }
    columns_sized_ = true;
    for (int c = 0; c < endpoint_tree_model::column_count; ++c) {
        tree_->resizeColumnToContents(c);
    }
    auto* tree_header = tree_->header();
    at_least(tree_header, endpoint_tree_model::col_name, QStringLiteral("ipc-demo-longer-name"));
    for (int c : {endpoint_tree_model::col_sent, endpoint_tree_model::col_received}) {
        at_least(tree_header, c, QStringLiteral("0000000000"));
    }
    at_least(tree_header, endpoint_tree_model::col_rate, QStringLiteral("999.9k"));
    at_least(tree_header, endpoint_tree_model::col_health, QStringLiteral("backpressure"));
    at_least(tree_header, endpoint_tree_model::col_state, QStringLiteral("unreachable"));
    at_least(tree_header, endpoint_tree_model::col_p99, QStringLiteral("999.9 ms"));
    channel_view_->resizeColumnsToContents();
    auto* header = channel_view_->horizontalHeader();
    at_least(header, channel_table_model::col_health, QStringLiteral("backpressure"));
    at_least(header, channel_table_model::col_rate, QStringLiteral("999.9k/s"));
    at_least(header, channel_table_model::col_bytes, QStringLiteral("999.9 MiB/s"));
    at_least(header, channel_table_model::col_occupancy, QStringLiteral("999.9 KiB of 1.00 MiB"));
    at_least(header, channel_table_model::col_p99, QStringLiteral("999.9 ms"));
}

void main_window::show_selection() {
    QString key;
    if (tabs_->currentIndex() == channels_tab) {
        const QModelIndex current = channel_view_->currentIndex();
        key = current.isValid() ? current.data(channel_table_model::endpoint_key_role).toString()
                                : QString();
    } else if (tabs_->currentIndex() == connections_tab) {
        const QModelIndex current = connection_view_->currentIndex();
        key = current.isValid() ? current.data(connection_table_model::endpoint_key_role).toString()
                                : QString();
    } else {
        const QModelIndex current = tree_->currentIndex();
        key =
            current.isValid() ? current.data(endpoint_tree_model::key_role).toString() : QString();
    }
    const QModelIndex source = model_->find(key);
    const auto* e = model_->endpoint_at(source);
    const auto* p = model_->process_at(source);
    if (e == nullptr || p == nullptr) {
        show_channel_only();
        return;
    }
    // A broker server's details list its connections: its own host's.
    const auto remote = remotes_.find(model_->host_at(source).value_or(QString()));
    if (remote != remotes_.end() && remote->second.source->latest() != nullptr) {
        details_->set_connections(remote->second.connections.get());
        details_->show_endpoint(*remote->second.source->latest(), *p, *e, key,
                                remote->second.history);
        return;
    }
    details_->set_connections(connections_);
    details_->show_endpoint(latest_, *p, *e, key, history_);
}

bool main_window::add_host(const QString& url, bool remember, QString* why) {
    const auto parsed = remote_host::parse_url(url, why);
    if (!parsed) {
        return false;
    }
    auto source = std::make_unique<remote_host>(*parsed, token_);
    const QString id = source->id();
    if (remotes_.count(id) != 0) {
        if (why != nullptr) {
            *why = tr("%1 is watched already").arg(id);
        }
        return false;
    }
    connect(source.get(), &remote_host::fetched, this, [this, id] { took_remote(id); });
    connect(source.get(), &remote_host::failed, this,
            [this, id](const QString& reason) { lost_remote(id, reason); });
    remotes_.emplace(id, remote_view{std::move(source), traffic_history(id),
                                     std::make_unique<connection_table_model>(), remember});
    model_->set_unreachable(id, id, QString());  // waiting for its first answer
    remember_hosts();
    count_remote_hosts();
    return true;
}

void main_window::remove_host(const QString& id) {
    if (remotes_.erase(id) != 0) {
        model_->remove_host(id);
        remember_hosts();
        count_remote_hosts();
    }
}

void main_window::set_token(const QByteArray& token) {
    token_ = token;
    for (auto& [id, remote] : remotes_) {
        remote.source->set_token(token);
    }
}

QStringList main_window::remote_hosts() const {
    QStringList ids;
    for (const auto& [id, remote] : remotes_) {
        ids << id;
    }
    return ids;
}

void main_window::remember_hosts() const {
    if (!remember_) {
        return;
    }
    QStringList urls;
    for (const auto& [id, remote] : remotes_) {
        if (remote.remembered) {
            urls << remote.source->url().toString(QUrl::RemovePassword);
        }
    }
    QSettings().setValue(QStringLiteral("remote_hosts"), urls);
}

void main_window::ask_add_host() {
    bool ok = false;
    const QString url = QInputDialog::getText(this, tr("Add host"),
                                              tr("Where ipcstat serve listens (http://host:port):"),
                                              QLineEdit::Normal, QStringLiteral("http://"), &ok);
    QString why;
    if (ok && !add_host(url, true, &why)) {
        QMessageBox::warning(this, tr("Add host"), why);
    }
}

void main_window::took_remote(const QString& id) {
    auto& remote = remotes_.at(id);
    const auto& s = *remote.source->latest();  // read and judged off this thread
    remote.history.record(s);
    model_->update(id, id, s, remote.history);
    remote.connections->update(s);
    count_remote_hosts();
    if (tabs_->currentIndex() == processes_tab) {
        show_selection();
    }
}

void main_window::lost_remote(const QString& id, const QString& why) {
    model_->set_unreachable(id, id, why);
    count_remote_hosts();
}

void main_window::count_remote_hosts() {
    const auto answering = std::count_if(remotes_.begin(), remotes_.end(), [](const auto& r) {
        return r.second.source->latest() != nullptr;
    });
    strip_->show_remote_hosts(static_cast<std::size_t>(answering), remotes_.size());
}

void main_window::enable_local_actions() {
    const auto host = model_->host_at(proxy_->mapToSource(tree_->currentIndex()));
    const bool remote = host && !host->isEmpty() && tabs_->currentIndex() == processes_tab;
    // The Stale segments tab and its Remove button are this host's whatever is selected.
    const QString why = tr("Acts on this host only: select one of its rows");
    for (QAction* local : {demo_action_, export_action_}) {
        local->setEnabled(!remote);
        local->setToolTip(remote ? why : QString());
    }
    remove_host_action_->setEnabled(remote);
}

// A channel row that no endpoint stands for (another program's format): its shared state.
void main_window::show_channel_only() {
    const QModelIndex current = channel_view_->currentIndex();
    if (tabs_->currentIndex() == channels_tab && current.isValid()) {
        const QString segment = current.data(channel_table_model::segment_role).toString();
        for (const auto& c : latest_.channels) {
            if (text(c.segment) == segment) {
                details_->show_channel_only(latest_, c);
                return;
            }
        }
    }
    details_->show_nothing();
}

void main_window::show_stale() {
    const int before = stale_->count();
    stale_->clear();
    for (const auto& seg : latest_.segments) {
        if (!is_foreign(seg.kind) && (seg.stale || !seg.error.empty())) {
            stale_->addItem(QStringLiteral("%1 — %2%3")
                                .arg(QString::fromStdString(seg.name),
                                     stale_dialog::leftover(latest_, seg),
                                     seg.stale ? tr(" [stale, removable]") : QString()));
        }
    }
    if (stale_->count() != before) {
        tabs_->setTabText(stale_tab, stale_->count() == 0
                                         ? tr("Stale segments")
                                         : tr("Stale segments (%1)").arg(stale_->count()));
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
    stale_dialog dialog(latest_, this);
    if (!dialog.any_stale()) {
        QMessageBox::information(this, tr("Remove stale segments"), tr("No stale segment."));
        return;
    }
    if (dialog.exec() != QDialog::Accepted) {
        return;
    }
    const QStringList failed = remove_segments(dialog.chosen());
    if (!failed.isEmpty()) {
        QMessageBox::warning(this, tr("Remove stale segments"), failed.join('\n'));
    }
}

QStringList main_window::remove_segments(const std::vector<std::string>& names) {
    QStringList failed;
    int removed = 0;
    // Only what the user confirmed, each checked again: not whatever is stale by now.
    for (const auto& seg : ipc::inspect::remove_stale(ipc::inspect::default_shm_dir(), names)) {
        if (seg.error.empty()) {
            ++removed;
        } else {
            failed << QString::fromStdString(seg.name + ": " + seg.error);
        }
    }
    statusBar()->showMessage(tr("Removed %n stale segment(s)", nullptr, removed), 10'000);
    refresh();
    return failed;
}

bool main_window::select_endpoint(const QString& name, const QString& role) {
    // This host's first, whatever the sort order: --select and --demo mean it.
    const QModelIndex here = proxy_->mapFromSource(model_->find(host_key({})));
    if (here.isValid() && select_endpoint_of(here, name, role)) {
        return true;
    }
    for (int h = 0; h < proxy_->rowCount(); ++h) {
        if (proxy_->index(h, 0) != here && select_endpoint_of(proxy_->index(h, 0), name, role)) {
            return true;
        }
    }
    return role.isEmpty() && select_channel_only(name);
}

bool main_window::select_endpoint_of(const QModelIndex& host, const QString& name,
                                     const QString& role) {
    for (int p = 0; p < proxy_->rowCount(host); ++p) {
        const QModelIndex process = proxy_->index(p, 0, host);
        for (int e = 0; e < proxy_->rowCount(process); ++e) {
            const QModelIndex endpoint = proxy_->index(e, 0, process);
            const QModelIndex role_cell = endpoint.siblingAtColumn(endpoint_tree_model::col_role);
            if (endpoint.data().toString() != name ||
                (!role.isEmpty() && role_cell.data().toString() != role)) {
                continue;
            }
            tree_->expand(host);
            tree_->expand(process);
            tree_->setCurrentIndex(endpoint);
            const auto* info = model_->endpoint_at(proxy_->mapToSource(endpoint));
            // The channels view holds this host's channels only.
            const bool here =
                model_->host_at(proxy_->mapToSource(host)).value_or(QString()).isEmpty();
            const QModelIndex channel = here ? channel_proxy_->mapFromSource(channels_->find(
                                                   QString::fromStdString(info->segment)))
                                             : QModelIndex();
            if (channel.isValid()) {
                channel_view_->setCurrentIndex(channel);
            } else if (!pinned_tab_) {
                show_tab(processes_tab);  // an endpoint of no channel (a broker server's own)
            }
            return true;
        }
    }
    return false;
}

// A channel no endpoint stands for (another program's format), by its name.
bool main_window::select_channel_only(const QString& name) {
    for (const auto& c : latest_.channels) {
        const QModelIndex row = channel_proxy_->mapFromSource(channels_->find(text(c.segment)));
        if (text(c.name) == name && row.isValid()) {
            channel_view_->setCurrentIndex(row);
            if (!pinned_tab_) {
                show_tab(channels_tab);
            }
            return true;
        }
    }
    return false;
}

bool main_window::start_demo(const demo_options& options) {
    return demos_->start(options);
}

void main_window::closeEvent(QCloseEvent* event) {
    demos_->stop();
    if (remember_) {
        QSettings settings;
        settings.setValue(QStringLiteral("geometry"), saveGeometry());
        settings.setValue(QStringLiteral("split"), split_->saveState());
        settings.setValue(QStringLiteral("tree_columns"), tree_->header()->saveState());
        settings.setValue(QStringLiteral("channel_columns"),
                          channel_view_->horizontalHeader()->saveState());
        settings.setValue(QStringLiteral("connection_columns"),
                          connection_view_->horizontalHeader()->saveState());
        settings.setValue(QStringLiteral("interval_ms"), timer_.interval());
    }
    event->accept();
}

}  // namespace monitor
