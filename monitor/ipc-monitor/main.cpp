// ipc-monitor: every libipc process and endpoint on this host, live, read-only.
//   ipc-monitor [--interval MS] [--demo ring|slots] [--select CHANNEL [--role ROLE]]
//               [--tab channels|processes|connections] [--connect URL]... [--token-file FILE]
//                                                        (--help, --version need no display)
//   ipc-monitor --screenshot FILE.png [--after SECONDS] [--demo ring|slots]
//               [--select CHANNEL [--role ROLE]] [--tab VIEW] [--export FILE]
// --select wins over the selection --demo would make.
// With --screenshot it renders the main window to FILE after SECONDS (default 3), optionally
// with a demo running and its endpoint selected, writes --export, and exits: 0 on success, 1 when
// a file could not be written, 3 when the demo's endpoint never appeared. Works with
// QT_QPA_PLATFORM=offscreen. SIGTERM and SIGINT end it like closing the window: the demos it
// started are stopped.

#include <QApplication>
#include <QCommandLineParser>
#include <QTimer>

#include "common/token_file.hpp"
#include "demo_dialog.hpp"
#include "main_window.hpp"
#include "quit_on_signal.hpp"
#include "remote_host.hpp"

namespace {

struct screenshot_job {
    QString file;
    QString export_file;
    bool wants_selection = false;  // --demo, --select: its endpoint must be in the picture
};

int run_screenshot(monitor::main_window& window, const screenshot_job& job, double after_s) {
    window.show();
    int rc = 1;  // unless the timer below ran: a signal may end the loop first
    QTimer::singleShot(static_cast<int>(after_s * 1000), [&] {
        rc = 0;
        window.refresh();
        if (job.wants_selection && window.selection_pending()) {
            rc = 3;
        } else if (!window.grab().save(job.file) ||
                   (!job.export_file.isEmpty() && !window.export_snapshot(job.export_file))) {
            rc = 1;
        }
        window.close();
        QApplication::exit(rc);
    });
    QApplication::exec();
    return rc;
}

// The command line, declared once for both parsers: the one that answers --help and --version
// without a display, and the application's.
struct command_line {
    QCommandLineOption interval{{"i", "interval"}, "Refresh interval in ms.", "ms"};
    QCommandLineOption screenshot{"screenshot", "Render the window to FILE and exit.", "file"};
    QCommandLineOption after{"after", "Seconds before the screenshot (default 3).", "s", "3"};
    QCommandLineOption demo{"demo", "Start a demo (ring or slots) first.", "channel"};
    QCommandLineOption exporting{"export", "With --screenshot: also export a snapshot.", "file"};
    QCommandLineOption select{"select", "Show this channel once it appears.", "name"};
    QCommandLineOption role{"role", "With --select: the endpoint's role (reader, host, server…).",
                            "role"};
    QCommandLineOption tab{"tab", "Show this view: channels, processes or connections.", "view"};
    QCommandLineOption connect{"connect",
                               "Also watch the ipcstat serve at URL (http://host:port); "
                               "repeatable.",
                               "url"};
    QCommandLineOption token_file{"token-file", "Bearer token for the remote hosts, from FILE.",
                                  "file"};

    void add_to(QCommandLineParser& parser) const {
        parser.setApplicationDescription(
            QStringLiteral("Watch libipc processes and endpoints live"));
        parser.addHelpOption();
        parser.addVersionOption();
        parser.addOptions(
            {interval, screenshot, after, demo, exporting, select, role, tab, connect, token_file});
    }
};

void name_application() {
    QCoreApplication::setOrganizationName(QStringLiteral("libipc"));
    QCoreApplication::setApplicationName(QStringLiteral("ipc-monitor"));
    QCoreApplication::setApplicationVersion(QStringLiteral(IPC_MONITOR_VERSION));
}

// --help and --version must work where there is no display, and QApplication aborts without
// one: they are answered by a QCoreApplication before it is made.
bool asks_help_or_version(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        const QLatin1String arg(argv[i]);
        if (arg == QLatin1String("-h") || arg == QLatin1String("--help") ||
            arg == QLatin1String("-?") || arg == QLatin1String("--help-all") ||
            arg == QLatin1String("-v") || arg == QLatin1String("--version")) {
            return true;
        }
    }
    return false;
}

}  // namespace

int main(int argc, char** argv) {
    const command_line options;
    if (asks_help_or_version(argc, argv)) {
        QCoreApplication core(argc, argv);
        name_application();
        QCommandLineParser parser;
        options.add_to(parser);
        parser.process(core);  // prints the answer and exits 0
        return 0;
    }
    QApplication app(argc, argv);
    name_application();
    monitor::quit_on_signal();
    QCommandLineParser parser;
    options.add_to(parser);
    parser.process(app);
    const auto& [interval, screenshot, after, demo, exporting, select, role, tab, connect,
                 token_file] = options;

    monitor::main_window window(!parser.isSet(screenshot));
    if (parser.isSet(token_file)) {
        std::string why;
        const auto token = monitor::read_token_file(parser.value(token_file).toStdString(), why);
        if (!token) {
            qCritical("ipc-monitor: --token-file %s", why.c_str());
            return 2;
        }
        window.set_token(QByteArray::fromStdString(*token));
    }
    for (const QString& url : parser.values(connect)) {
        QString why;
        if (!monitor::remote_host::parse_url(url, &why)) {
            qCritical("ipc-monitor: --connect %s", qPrintable(why));
            return 2;
        }
        window.add_host(url, false);  // one watched already (from the settings) stays so
    }
    if (parser.isSet(interval)) {
        window.set_interval_ms(parser.value(interval).toInt());
    }
    const screenshot_job job{parser.value(screenshot), parser.value(exporting),
                             parser.isSet(demo) || parser.isSet(select)};
    if (parser.isSet(demo)) {
        const QString channel = parser.value(demo);
        if (channel != QLatin1String("ring") && channel != QLatin1String("slots")) {
            qCritical("ipc-monitor: --demo takes ring or slots");
            return 2;
        }
        const bool ring = channel == QLatin1String("ring");
        monitor::demo_options options;
        options.channel = channel;
        options.name = monitor::demo_dialog::channel_name(channel);
        // The slots demo runs flat out over 8 slots, so that the grid shows calls in every state.
        options.rate = ring ? 20'000 : 0;
        options.slots = 8;
        if (!window.start_demo(options)) {
            qCritical("ipc-monitor: could not start ipc-demo");
            return 1;
        }
        // Its endpoint is shown as soon as it appears, so the charts are live from the start.
        window.select_when_it_appears(options.name,
                                      ring ? QStringLiteral("reader") : QStringLiteral("host"));
    }
    if (parser.isSet(role) && !parser.isSet(select)) {
        qCritical("ipc-monitor: --role goes with --select");
        return 2;
    }
    if (parser.isSet(select)) {
        window.select_when_it_appears(parser.value(select), parser.value(role));
    }
    if (parser.isSet(tab)) {
        const QStringList views = {QStringLiteral("channels"), QStringLiteral("processes"),
                                   QStringLiteral("connections")};
        if (!views.contains(parser.value(tab))) {
            qCritical("ipc-monitor: --tab takes channels, processes or connections");
            return 2;
        }
        window.pin_tab(static_cast<int>(views.indexOf(parser.value(tab))));
    }
    if (parser.isSet(screenshot)) {
        return run_screenshot(window, job, parser.value(after).toDouble());
    }
    window.show();
    return QApplication::exec();
}
