#pragma once
// The monitor's window: the process/endpoint tree (filterable, sortable), the selected
// endpoint's details, stale and broken segments, and the actions (refresh interval, pause,
// refresh now, export, launch a demo, remove stale segments).

#include <QMainWindow>
#include <QSet>
#include <QTimer>

#include "ipc/inspect.hpp"

class QComboBox;
class QListWidget;
class QSortFilterProxyModel;
class QTreeView;

namespace monitor {

class endpoint_details;
class endpoint_tree_model;
class demo_dialog;
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
    // Selects the endpoint of this channel name and role (for screenshots and tests).
    bool select_endpoint(const QString& name, const QString& role);
    // Selects it at the first refresh that finds it (a demo's endpoint appears a moment after the
    // demo starts); selection_pending() until then.
    void select_when_it_appears(const QString& name, const QString& role);
    bool selection_pending() const { return !pending_name_.isEmpty(); }
    // Starts a demo as the Launch demo dialog does; the channel name it uses, or empty.
    QString start_demo(const QString& channel, int rate, int size);

  protected:
    void closeEvent(QCloseEvent* event) override;

  private:
    // The first start's size: 1600x950, or less on a smaller screen, centred on it.
    void fit_to_screen();
    void build_actions();
    void show_selection();
    void show_stale();
    void ask_export();
    void ask_remove_stale();

    endpoint_tree_model* model_ = nullptr;
    QSortFilterProxyModel* proxy_ = nullptr;
    QTreeView* tree_ = nullptr;
    endpoint_details* details_ = nullptr;
    QListWidget* stale_ = nullptr;
    QComboBox* interval_ = nullptr;
    demo_dialog* demos_ = nullptr;
    status_strip* strip_ = nullptr;
    QString export_folder_;
    QString pending_name_;  // select_when_it_appears
    QString pending_role_;
    QTimer timer_;
    ipc::inspect::snapshot latest_;
    QSet<QString> seen_;  // processes shown so far (expanded the first time only)
    bool paused_ = false;
    bool remember_ = true;
};

}  // namespace monitor
