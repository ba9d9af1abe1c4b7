#pragma once
// The monitor's window: channels (one row each), processes with their endpoints (a tree) and
// the connections control sockets report, all filtered by one box; the selection's details; stale
// and broken segments; and the actions (refresh interval, pause, refresh now, export, launch a
// demo, remove stale segments).

#include <QMainWindow>
#include <QSet>
#include <QTimer>
#include <map>
#include <memory>

#include "demo_process.hpp"
#include "ipc/inspect.hpp"
#include "traffic_history.hpp"

class QAbstractItemView;
class QAction;
class QComboBox;
class QLineEdit;
class QListWidget;
class QSortFilterProxyModel;
class QSplitter;
class QTabWidget;
class QTableView;
class QTreeView;

namespace monitor {

class channel_table_model;
class connection_table_model;
class endpoint_details;
class endpoint_tree_model;
class demo_dialog;
class remote_host;
class status_strip;

class main_window : public QMainWindow {
    Q_OBJECT
  public:
    // `remember`: restore and save geometry, columns and interval with QSettings (off for
    // screenshots, so that they neither depend on nor change the user's settings).
    explicit main_window(bool remember = true, QWidget* parent = nullptr);
    ~main_window() override;

    // Takes a snapshot now and updates every view.
    void refresh();
    // Writes the latest snapshot as JSON or CSV (by the file's extension); false on failure.
    bool export_snapshot(const QString& path) const;
    // What File > Export does once a path is chosen: writes it, says so in the status bar (or
    // warns), and remembers the folder for the next export.
    bool export_to(const QString& path);
    QString export_folder() const { return export_folder_; }
    void set_interval_ms(int ms);
    const ipc::inspect::snapshot& latest() const { return latest_; }
    endpoint_tree_model* model() const { return model_; }
    channel_table_model* channels() const { return channels_; }
    connection_table_model* connections() const { return connections_; }
    QTableView* connection_view() const { return connection_view_; }
    QTreeView* tree() const { return tree_; }
    QTableView* channel_view() const { return channel_view_; }
    endpoint_details* details() const { return details_; }
    // Shows the channels view (0), the processes tree (1) or the connections view (2).
    void show_tab(int tab);
    // Shows that tab for good: a selection made later does not switch away from it (--tab).
    void pin_tab(int tab);
    void set_filter(const QString& text);
    // Selects the endpoint of this channel name and role (any role when empty) in the tree, and
    // its channel in the channels view, or shows the tree when it has none (for --demo,
    // --select, screenshots and tests).
    bool select_endpoint(const QString& name, const QString& role);
    // Selects it at the first refresh that finds it (a demo's endpoint appears a moment after the
    // demo starts); selection_pending() until then.
    void select_when_it_appears(const QString& name, const QString& role);
    bool selection_pending() const { return !pending_name_.isEmpty(); }
    // Starts a demo as the Launch demo dialog does; false if it could not.
    bool start_demo(const demo_options& options);
    // Removes these stale segments (as the Remove dialog does once confirmed), says how many
    // went in the status bar, and returns what could not be removed, with why.
    QStringList remove_segments(const std::vector<std::string>& names);
    // Watches another host's `ipcstat serve` at `url` ("http://host:port") as a top-level node of
    // the tree, fetched at every refresh; `remember` keeps it in the settings for the next start
    // (as Add host… does). False, with why, for a URL it cannot fetch from or a host already
    // watched.
    bool add_host(const QString& url, bool remember, QString* why = nullptr);
    void remove_host(const QString& id);
    // The bearer token sent to every remote host (ipcstat serve --token-file).
    void set_token(const QByteArray& token);
    QStringList remote_hosts() const;
    // An action that acts on this host only (launch a demo; export, which writes this host's
    // snapshot); disabled while another host's row is selected.
    QAction* demo_action() const { return demo_action_; }

  protected:
    void closeEvent(QCloseEvent* event) override;

  private:
    // The first start's size: 1600x950, or less on a smaller screen, centred on it.
    void fit_to_screen();
    QWidget* build_tree();
    QWidget* build_channel_view();
    QWidget* build_connection_view();
    void build_actions();
    void show_selection();
    void show_channel_only();
    bool select_channel_only(const QString& name);
    // select_endpoint within one host's row of the tree (a proxy index).
    bool select_endpoint_of(const QModelIndex& host, const QString& name, const QString& role);
    void show_stale();
    void ask_add_host();
    void remember_hosts() const;
    // Enables what acts on this host only unless the tree's selection is another host's.
    void enable_local_actions();
    // A remote host's answer, or why there was none.
    void took_remote(const QString& id);
    void lost_remote(const QString& id, const QString& why);
    void count_remote_hosts();
    void ask_export();
    void ask_remove_stale();
    // Expands what the filter matched (or, without a filter, what the user did not collapse)
    // and selects again what was selected, if it is still shown.
    void after_filter();
    void size_columns_once();

    endpoint_tree_model* model_ = nullptr;
    channel_table_model* channels_ = nullptr;
    connection_table_model* connections_ = nullptr;
    QSortFilterProxyModel* connection_proxy_ = nullptr;
    QTableView* connection_view_ = nullptr;
    QSortFilterProxyModel* proxy_ = nullptr;
    QSortFilterProxyModel* channel_proxy_ = nullptr;
    QTabWidget* tabs_ = nullptr;
    QSplitter* split_ = nullptr;  // views above, details below
    QTreeView* tree_ = nullptr;
    QTableView* channel_view_ = nullptr;
    QLineEdit* filter_ = nullptr;
    endpoint_details* details_ = nullptr;
    QListWidget* stale_ = nullptr;
    QComboBox* interval_ = nullptr;
    demo_dialog* demos_ = nullptr;
    status_strip* strip_ = nullptr;
    QString export_folder_;
    QString pending_name_;  // select_when_it_appears
    QString pending_role_;
    QString selected_endpoint_;  // key of the tree's selection, kept across filters
    QString selected_channel_;   // segment of the channels view's selection
    QTimer timer_;
    ipc::inspect::snapshot latest_;
    traffic_history history_;
    // Another host's: where it is fetched from (and its latest snapshot), its own history, and
    // its connections (for a broker server's details).
    struct remote_view {
        std::unique_ptr<remote_host> source;
        traffic_history history;
        std::unique_ptr<connection_table_model> connections;
        bool remembered = false;
    };
    std::map<QString, remote_view> remotes_;  // by id ("host:port")
    QByteArray token_;
    QAction* demo_action_ = nullptr;
    QAction* remove_host_action_ = nullptr;
    QAction* export_action_ = nullptr;
    QSet<QString> collapsed_;  // hosts and processes the user collapsed
    bool paused_ = false;
    bool remember_ = true;
    bool columns_sized_ = false;
    bool pinned_tab_ = false;
};

}  // namespace monitor
